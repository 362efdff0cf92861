# Two commands set everything up: `make demo` and `make test` create .venv when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-sweeps bench-dashboard venv clean dashboard

# The flagship scenario with 5 replicates, its figures, and the HTML report (its path printed last).
demo: $(STAMP)
	$(VENV)/bin/airace run deepseek_shock --replicates 5 --out results/deepseek_shock
	$(VENV)/bin/airace plot results/deepseek_shock --out results/deepseek_shock/figures
	@echo "report:"
	@$(VENV)/bin/airace report results/deepseek_shock --out results/deepseek_shock/report.html

# The teaching dashboard in a browser: http://127.0.0.1:8765 (SCENARIO=... PORT=... to change).
SCENARIO ?= deepseek_shock
PORT ?= 8765
dashboard: $(STAMP)
	$(VENV)/bin/airace dashboard $(SCENARIO) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

# The model's benchmarks (medians of 5 runs each; under a minute). Not part of `make test`.
bench: $(STAMP)
	$(PY) -m benchmarks.run_all

# Sweep benchmarks (not part of `make test`): about 7 minutes on 2 cores; figures in benchmarks/results/.
bench-sweeps: $(STAMP)
	$(PY) benchmarks/sweeps.py

# The dashboard in headless Chromium (not part of `make test`): Step, jump and Play times, and the screenshots
# of docs/images/; about 2 minutes.
bench-dashboard: $(STAMP)
	$(PY) -m benchmarks.bench_dashboard

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

venv: $(STAMP)

# Reinstall when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(SHELL) scripts/find-python.sh $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cluster,teach]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
