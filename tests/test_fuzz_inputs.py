"""Inputs that cannot hurt: the baseline file mutated at random (keys deleted, duplicated, retyped and
renamed, values swapped for other types or for inf and nan, random bytes written in) is either a
valid scenario (exit 0) or an input error (exit 2) whose message names the file; never a traceback,
never another exit code."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.apps.cli import main
from simulation.scenario import builtin_scenarios

BASELINE = builtin_scenarios()["baseline"].read_text(encoding="utf-8")
LINES = BASELINE.splitlines()
KEY_LINES = [i for i, line in enumerate(LINES) if re.match(r"\s*[A-Za-z_][\w-]*\s*=", line)]
EXAMPLES = 150
HEADERS = ["[time]", "[[labs]]", "[chip_market]", "[markets]", "[tech]", "[nosuch]"]  # [markets]: a table that moved

VALUES = st.sampled_from(
    ["inf", "nan", "-inf", "-1", "0", "1e308", "-1e308", "true", '"text"', "[]", "[1, 2]", "{}", "2024-02-30",
     "1979-01-01", '"US"', "{ a = 1 }", "9223372036854775808", '""', "0.5"]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(KEY_LINES))
        key, _, value = lines[i].partition("=")
        action = draw(st.sampled_from(["delete", "duplicate", "retype", "rename", "header"]))
        if action == "delete":
            lines[i] = ""
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "retype":
            lines[i] = f"{key}= {draw(VALUES)}"
        elif action == "rename":
            lines[i] = f"{key.rstrip()}{draw(st.sampled_from(['x', '_', 's', '2']))} ={value}"
        else:
            lines.insert(i, draw(st.sampled_from(HEADERS)))
    data = "\n".join(lines).encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_a_mutated_baseline_is_valid_or_an_error_naming_the_file(tmp_path, capsys, data):
    path = tmp_path / "mutated.toml"
    path.write_bytes(data)
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "Traceback" not in err and "AIRACE_DEBUG" not in err, err
    if code == 2:
        lines = [line for line in err.splitlines() if line]
        assert lines and all(line.startswith(f"error: {path}") for line in lines), err
    else:
        assert out.strip() == f"{path}: ok"
