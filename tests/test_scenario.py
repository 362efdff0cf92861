"""Scenario files: extends, overrides by dotted key, cross-references, the registry, the rules' tests."""

import re
from datetime import date

import pytest

from simulation import ScenarioError, load_scenario, parameters
from simulation.agents.chipmaker import design_variant
from simulation.agents.regulator import rule_catches
from simulation.scenario import Key, merge


def test_builtin_scenarios_load(baseline_spec):
    shock = load_scenario("deepseek_shock")
    assert baseline_spec.time.step_days == 7
    assert shock.time.step_days == 1
    # extends merges by id: the shock adds an event and keeps every baseline lab untouched
    assert [lab.id for lab in shock.labs] == [lab.id for lab in baseline_spec.labs]
    assert {e.id for e in shock.events} == {e.id for e in baseline_spec.events} | {"deepseek_r1"}


def test_a_scenarios_story_is_the_header_comment_of_the_file_it_was_loaded_from(write_scenario):
    mine = write_scenario(
        '# A story of my own.\n#\n# Its second paragraph.\nextends = "deepseek_shock.toml"\nname = "x"\n'
    )
    assert load_scenario(mine).story == "A story of my own.\n\nIts second paragraph."  # not its parent's
    assert load_scenario("deepseek_shock").story.startswith("The DeepSeek moment: a compute-constrained")
    assert load_scenario(write_scenario('extends = "baseline.toml"\nname = "x"\n', "bare.toml")).story == ""


def test_merge_by_id_changes_one_entry_and_keeps_the_rest():
    base = {"labs": [{"id": "a", "x": 1, "y": 2}, {"id": "b", "x": 3}], "time": {"start": 1, "end": 2}}
    change = {"labs": [{"id": "b", "x": 9}, {"id": "c", "x": 0}], "time": {"end": 5}}
    assert merge(base, change) == {
        "labs": [{"id": "a", "x": 1, "y": 2}, {"id": "b", "x": 9}, {"id": "c", "x": 0}],
        "time": {"start": 1, "end": 5},
    }


def test_overrides_address_list_entries_by_id():
    spec = load_scenario(
        "baseline",
        {"labs.deepseek.research_share": 0.35, "regulators.bis.rules.oct2023.enforcement": 0.5, "time.step_days": 14},
    )
    assert next(lab for lab in spec.labs if lab.id == "deepseek").research_share == 0.35
    assert next(r for r in spec.regulators[0].rules if r.id == "oct2023").enforcement == 0.5
    assert spec.time.step_days == 14


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("labs.deepsek.research_share", 0.3, "did you mean 'deepseek'"),
        ("labs.deepseek.reserch_share", 0.3, "did you mean 'research_share'"),
        ("tme.step_days", 3, "did you mean 'time'"),
        ("time.step_days", 0, "greater than or equal to 1"),
        ("investors.jevons_belief_mean", "high", "valid number"),
    ],
)
def test_bad_overrides_name_the_key(key, value, fragment):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {key: value})
    [problem] = err.value.problems
    assert problem.key == key
    assert problem.file == "overrides"  # the CLI passes "--set" as the label
    assert fragment in problem.message


def test_cross_references_are_checked(write_scenario):
    path = write_scenario(
        """
extends = "baseline"
name = "refs"

[[labs]]
id = "newlab"
name = "New lab"
bloc = "EU"
owner = "high_flyer"
cash_usd = 1e9
capability = 22.0
fleet = { H1000 = 5 }

[[events]]
kind = "breakthrough"
id = "too_early"
lab = "newlab"
date = 2020-01-01
efficiency_gain = 2.0

[[events]]
kind = "rule_change"
id = "loosen"
regulator = "bis"
rule = "oct2024"
date = 2025-01-01
enforcement = 0.5
"""
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    keys = {p.key: p for p in err.value.problems}
    assert set(keys) == {"labs.newlab.bloc", "labs.newlab.fleet.H1000", "events.too_early.date", "events.loosen.rule"}
    assert "unknown bloc 'EU'" in keys["labs.newlab.bloc"].message
    assert keys["labs.newlab.bloc"].file == str(path)
    assert keys["labs.newlab.bloc"].line == 8
    assert "before the scenario's start" in keys["events.too_early.date"].message
    assert "did you mean 'oct2023'" in keys["events.loosen.rule"].message


def test_every_error_of_a_file_is_reported_at_once(write_scenario):
    path = write_scenario(
        """
extends = "baseline"
name = "many"

[time]
step_days = 40

[investors]
count = 0
atention_lag_days = 3
"""
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    found = {(p.key, p.line) for p in err.value.problems}
    assert found == {("time.step_days", 6), ("investors.count", 9), ("investors.atention_lag_days", 10)}


def test_schema_and_cross_reference_problems_come_in_one_report(write_scenario):
    path = write_scenario(
        """
extends = "baseline"
name = "mixed"

[[labs]]
id = "deepseek"
research_share = "lots"
bloc = "XX"

[[labs]]
id = "newlab"
name = "New lab"
bloc = "CN"
owner = "high_flyer"
cash_usd = 1e9

[[events]]
id = "bt"
kind = "breakthrough"
date = 2025-01-20
lab = "deepseekk"
efficiency_gain = 2.0
open_weights = true

[[events]]
id = "opened"
kind = "open_weights"
date = 2025-02-01
lab = "newlab"
open = true
"""
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    found = {(p.key, p.line): p.message for p in err.value.problems}
    assert set(found) == {
        ("labs.deepseek.research_share", 7),  # the schema's
        ("labs.deepseek.bloc", 8),  # and, in the same report, the links it could check
        ("labs.newlab.capability", 10),  # a lab missing its capability is left out of the links ...
        ("events.bt.lab", 21),
    }  # ... so the event that opens its weights is not also told that the lab is unknown
    assert "did you mean 'deepseek'" in found[("events.bt.lab", 21)]


def test_registry_lists_every_tunable_number_with_unit_and_range(baseline_spec):
    registry = {p.name: p for p in parameters(baseline_spec)}
    enforcement = registry["regulators.bis.rules.oct2023.enforcement"]
    assert enforcement.value == 0.85 and enforcement.unit == "fraction" and enforcement.plausible == (0.5, 1)
    assert registry["time.step_days"].unit == "days"
    assert registry["labs.deepseek.research_share"].value == 0.3
    # every registered name is a valid override
    for name, p in registry.items():
        load_scenario("baseline", {name: p.value})
    assert len(registry) > 100


def test_rules_apply_the_bis_tests(baseline_spec):
    rules = {r.id: r for r in baseline_spec.regulators[0].rules}
    chips = {c.id: c for c in baseline_spec.chips}
    # Oct 2022: TPP >= 4,800 with interconnect >= 600 GB/s; Oct 2023 drops the interconnect test.
    assert rule_catches(rules["oct2022"], chips["A100"]) and rule_catches(rules["oct2022"], chips["H100"])
    assert not rule_catches(rules["oct2022"], chips["ASCEND910B"].model_copy(update={"maker": "nvidia"}))
    assert rule_catches(rules["oct2023"], chips["H100"]) and rule_catches(rules["oct2023"], chips["MI300X"])
    assert chips["H100"].tpp == pytest.approx(15_824)
    assert rules["h20_licence"].end == date(2025, 7, 14)


def _variant(chip, rules):
    return design_variant(chip, rules, 0.67, 0.5, 900, 0.15, "V", date(2024, 1, 1))


def test_compliant_variants_pass_the_rule_that_caught_their_chip(baseline_spec):
    rules = {r.id: r for r in baseline_spec.regulators[0].rules}
    h100 = baseline_spec.chip("H100")
    # After Oct 2022 cutting NVLink is enough (the H800: same die, 400 GB/s).
    h800 = _variant(h100, [rules["oct2022"]])
    assert h800.tflops_16bit == h100.tflops_16bit and h800.interconnect_gb_s == pytest.approx(402)
    assert h800.variant_of == "H100" and not rule_catches(rules["oct2022"], h800)
    assert rule_catches(rules["oct2023"], h800)  # which is why the H20 followed
    # After Oct 2023 throughput must fall below the TPP and density tests (the H20, TPP 2,368 in reality).
    h20 = _variant(h100, [rules["oct2023"]])
    assert h20.tpp == pytest.approx(0.67 * 4800) and h20.interconnect_gb_s == h100.interconnect_gb_s
    assert not rule_catches(rules["oct2023"], h20)
    # Priced by effective speed to the power 0.5: ~$12k against the H100's $27.5k (H20: $12-15k).
    assert h20.price_usd == pytest.approx(27_500 * (h20.tflops_16bit / 989) ** 0.5)
    # A rule that names every compliant variant leaves nothing to design.
    assert rule_catches(rules["h20_licence"], h20)
    assert _variant(h100, [rules["oct2023"], rules["h20_licence"]]) is None


def test_docs_parameter_cards_are_generated_from_the_registry():
    from pathlib import Path

    from simulation.scenario import parameter_cards

    expected = parameter_cards(load_scenario("baseline"), markdown=True)
    docs = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
    hint = "regenerate: airace params --markdown > docs/parameters.md"
    assert docs.read_text(encoding="utf-8") == expected + "\n", hint


def test_parameter_cards_carry_the_scenario_files_sources(baseline_spec):
    registry = {p.name: p for p in parameters(baseline_spec)}
    assert "Epoch AI" in registry["tech.utilisation"].source  # a trailing comment
    assert "data sheets" in registry["chips.H100.tflops_16bit"].source  # the table's sources."*"
    assert registry["tech.induced_innovation"].source == ""  # an assumption says so


def test_a_value_changed_without_a_comment_loses_its_parents_source(write_scenario):
    path = write_scenario(
        'extends = "baseline"\nname = "x"\n\n[tech]\nutilisation = 0.5\ntraining_run_days = 90   # my source\n'
    )
    registry = {p.name: p for p in parameters(load_scenario(path, {"tech.depreciation_per_year": 0.3}, "--set"))}
    assert registry["tech.utilisation"].source == "changed in case.toml, no source given"
    assert registry["tech.training_run_days"].source == "my source"
    assert registry["tech.depreciation_per_year"].source == "changed by --set, no source given"


def test_a_value_changed_without_a_source_loses_the_sources_tables_of_its_parents(write_scenario):
    """The baseline gives every lab's numbers by the table's sources."*": a child that raises a lab's
    research share without a source must not cite the baseline's data for its own number."""
    path = write_scenario(
        'extends = "baseline"\nname = "x"\n\n[[labs]]\nid = "alibaba"\nresearch_share = 0.3\n'
        '[[labs]]\nid = "baidu"\nresearch_share = 0.3\nsources = { research_share = "Baidu, 2024 annual report" }\n'
        '[[labs]]\nid = "bytedance"\nresearch_share = 0.3\nsources."*" = "ByteDance research blog"\n'
    )
    base = {p.name: p.source for p in parameters(load_scenario("baseline"))}
    registry = {p.name: p.source for p in parameters(load_scenario(path))}
    assert registry["labs.alibaba.research_share"] == "set in case.toml, no source given"
    assert registry["labs.baidu.research_share"] == "Baidu, 2024 annual report"
    assert registry["labs.bytedance.research_share"] == "ByteDance research blog"
    assert registry["labs.alibaba.training_share"] == base["labs.alibaba.training_share"] != ""  # untouched


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("chipmaking.price_adjust_per_year", float("inf")),
        ("investors.jevons_belief_mean", float("nan")),
        ("labs.deepseek.fleet.h800", float("-inf")),
        ("regulators.bis.rules.oct2023.tpp_min", float("inf")),
    ],
)
def test_numbers_that_are_not_finite_are_refused_with_the_key(key, value):
    """TOML reads `inf` and `nan` as numbers; no parameter may take them (a bound like `ge=0` lets inf pass)."""
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {key: value})
    [problem] = err.value.problems
    assert problem.key == key and "finite number" in problem.message


def test_a_file_with_inf_names_the_file_line_and_key(write_scenario):
    path = write_scenario('extends = "baseline"\nname = "x"\n\n[chipmaking]\nprice_adjust_per_year = inf\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 5, "chipmaking.price_adjust_per_year")
    assert "finite number" in problem.message


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2028-13-31", "time.end: 2028-13-31 is not a date: month 13 does not exist (1 to 12)"),
        ("2025-02-29", "time.end: 2025-02-29 is not a date: February 2025 has days 1 to 28"),
    ],
)
def test_a_date_that_does_not_exist_names_the_key_and_what_is_wrong(write_scenario, written, message):
    """TOML itself says only "Expected newline" or "Invalid date"."""
    path = write_scenario(f'extends = "baseline"\nname = "x"\n\n[time]\nend = {written}\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:5: {message}"]


def test_a_whole_old_markets_table_names_the_new_key_of_each_of_its_keys(write_scenario, baseline_spec):
    """A file written before [markets] was split, extended by another: every old key is refused on its
    own line of the file that sets it, with the key that replaced it; a key [markets] never held says
    where its keys went."""
    from simulation.scenario.moved import MOVED, moved_message, removed_message

    old = [
        f"{key.partition('.')[2]} = {1 if removed_message(new) else Key.parse(new).get(baseline_spec)}"
        for key, new in MOVED.items()
    ]
    parent = write_scenario('extends = "baseline"\nname = "old"\n\n[markets]\n' + "\n".join(old) + "\nnosuch = 1\n")
    child = write_scenario(f'extends = "{parent.name}"\nname = "child"\n', name="child.toml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    expected = [f"{parent}:{5 + i}: {key}: {moved_message(key)}" for i, key in enumerate(MOVED)]
    assert expected[0].endswith("this key moved to services.cost_share")
    assert expected[18].endswith(
        "this key moved to funding.interval_days, since removed: labs raise named funding rounds: [[events]] of "
        'kind "funding_round"'
    )
    expected.append(
        f"{parent}:{5 + len(MOVED)}: markets.nosuch: the [markets] table was split into [services], [capex], "
        "[chipmaking], [chip_market], [funding], [measures]"
    )
    assert [str(p) for p in caught.value.problems] == expected


def test_an_old_key_in_an_override_names_the_new_key():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"markets.rental_reach": 0.3, "chip_market.rental_premium": 0.4}, label="--set")
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.startswith("--set: markets.rental_reach: this key moved to chip_market.rental_reach, since removed")


@pytest.mark.parametrize(
    ("key", "replacement"),
    [
        ("chip_market.leak_price_premium", "chip_market.smuggling_premium"),
        ("chip_market.rental_reach", "rental_capacity_chips_per_year"),
    ],
)
def test_a_removed_supply_key_says_what_replaced_it(key, replacement):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {key: 0.3}, label="--set")
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"--set: {key}: this key was removed: ") and replacement in problem


def test_the_docs_table_of_moved_keys_is_the_one_the_loader_uses():
    """docs/model.md's table for users migrating files holds exactly the keys `MOVED` refuses."""
    from pathlib import Path

    from simulation.scenario.moved import MOVED

    text = (Path(__file__).resolve().parent.parent / "docs" / "model.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(markets\.\w+)` \| `([\w.]+)` \|$", text, flags=re.M)
    assert dict(rows) == MOVED and len(rows) == len(MOVED)


def test_a_removed_key_says_what_took_its_place(write_scenario):
    """Issue 35 removed the blocs' outside capital and the [funding] table: the file's line and the reason."""
    path = write_scenario('extends = "baseline"\nname = "x"\n\n[funding]\ninterval_days = 182\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:5: funding.interval_days: this key was removed: labs raise named funding rounds: [[events]] of kind "
        '"funding_round"'
    ]
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"blocs.CN.capital_usd_per_year": 1e9}, label="--set")
    assert [str(p) for p in caught.value.problems] == [
        "--set: blocs.CN.capital_usd_per_year: this key was removed: the other buyers of AI chips are owners with no "
        "lab, whose capex answers the demand for compute"
    ]


def test_a_funding_round_for_an_unknown_lab_is_refused_before_the_run(write_scenario):
    path = write_scenario(
        'extends = "baseline"\nname = "x"\n\n[[events]]\nkind = "funding_round"\nid = "r"\nlab = "openia"\n'
        "date = 2024-01-01\namount_usd = 1e9\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    found = {p.key: p.message for p in caught.value.problems}
    assert "did you mean 'openai'" in found["events.r.lab"]
