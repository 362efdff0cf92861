# Two commands set everything up: `make demo` and `make test` create .venv when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean bench-sweeps

demo: $(STAMP)
	$(VENV)/bin/airace run deepseek_shock --out results/deepseek_shock

test: $(STAMP)
	$(PY) -m pytest

# Sweep benchmarks (not part of `make test`): a few minutes on 2 cores; figures in benchmarks/results/.
bench-sweeps: $(STAMP)
	$(PY) benchmarks/sweeps.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

venv: $(STAMP)

# Reinstall when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(SHELL) scripts/find-python.sh $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cluster]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
