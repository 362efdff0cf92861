"""Dotted keys (`simulation.scenario.paths`): the one way a key is read, set and found in its file."""

from __future__ import annotations

import pytest

from simulation.scenario import Key, ScenarioError, apply_overrides, load_scenario, parameters, validate
from simulation.scenario.paths import keys_in, line_of

BASE = load_scenario("baseline")


def test_every_registry_name_reads_its_value_and_sets_it_through_the_same_key():
    """What `airace params` lists is what `--set` and sweeps accept: each name gets the value the
    registry shows, and setting a new value there changes that value and nothing else."""
    data = BASE.model_dump(mode="python")
    combined = []  # names whose plausible ends both break a constraint between fields
    for p in parameters(BASE):
        key = Key.parse(p.name)
        assert key.get(BASE) == p.value, p.name
        for new in [not p.value] if isinstance(p.value, bool) else [p.plausible[1], p.plausible[0]]:
            try:
                changed = validate(apply_overrides(data, {p.name: new}, "--set"), [])
                break
            except ScenarioError as exc:
                assert all(problem.key != p.name or "must be" in problem.message for problem in exc.problems)
        else:
            combined.append(p.name)
            continue
        assert key.get(changed) == new, p.name
        others = {q.name: q.value for q in parameters(changed) if q.name != p.name}
        assert others == {q.name: q.value for q in parameters(BASE) if q.name != p.name}, p.name
    assert len(combined) <= 3, combined


def test_a_misspelt_key_or_entry_names_the_closest_one():
    with pytest.raises(KeyError, match="unknown entry 'deepsek'; did you mean 'deepseek'"):
        Key.parse("labs.deepsek.research_share").get(BASE)
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(BASE.model_dump(mode="python"), {"labs.deepseek.research_shar": 0.1}, "--set")
    (problem,) = caught.value.problems
    assert (problem.file, problem.key) == ("--set", "labs.deepseek.research_shar")
    assert "did you mean 'research_share'" in problem.message


def test_keys_in_a_file_follow_tables_arrays_of_tables_by_id_and_quoted_names():
    text = """name = "s"  # the name
[time]
end = 2030-12-31
[[labs]]
id = "openai"
bloc = "US"  # where it is
[parameters]
"investors.jevons_belief_mean" = { range = [-0.5, 0.5] }
[parameters."labs.deepseek.research_share"]
values = [0.1]
"""
    found = {str(key): (line, comment) for key, line, comment in keys_in(text)}
    assert found["name"] == (1, "the name")
    assert found["time.end"] == (3, "")
    assert found["labs.openai"] == (4, "")
    assert found["labs.openai.bloc"] == (6, "where it is")
    assert found["parameters.investors.jevons_belief_mean"][0] == 8
    assert found["parameters.labs.deepseek.research_share.values"][0] == 10
    # A key inside an inline table is on the table's line, so a problem with it is blamed on this file
    # (not on a base file that sets the same key on a line of its own).
    key = Key.parse("parameters.investors.jevons_belief_mean.range")
    assert line_of(text, key) == 8
    assert line_of(text, Key.parse("parameters.nothing.here")) is None
