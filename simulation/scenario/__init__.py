"""Scenario files: the schema, dotted keys, loading with `extends` and overrides, the parameter
registry, and the input errors they raise.

- `schema`: the pydantic models, one per section of a file (the single registry of parameters); the
  sections are defined in `base`, `actors`, `timeline` and `mechanisms`, every name importable from it.
- `paths`: `Key`, the one dotted-key type (parse, get from a model, set in raw data, walk the
  leaves, find a key's line in a file).
- `load`: read, `extends`, merge, overrides, validation, sources from comments.
- `references`: the links between sections the schema cannot check, and dated entries after the end.
- `registry`: `parameters` and the parameter cards.
- `errors`: `Problem`, `InputError` and `ScenarioError`.
"""

from simulation.scenario.actors import ChipSupply
from simulation.scenario.errors import InputError, Problem, ScenarioError
from simulation.scenario.load import (
    SCENARIO_DIR,
    apply_overrides,
    builtin_scenarios,
    load_scenario,
    merge,
    parse_toml,
    parse_value,
    read_text,
    read_toml,
    resolve_path,
    scenario_from_dict,
    validate,
)
from simulation.scenario.paths import Key
from simulation.scenario.references import after_the_end, check_references
from simulation.scenario.registry import Parameter, implausible, parameter_cards, parameters
from simulation.scenario.schema import (
    EVENT_KINDS,
    ApiTerms,
    Bloc,
    Breakthrough,
    Capex,
    Chip,
    Chipmaker,
    Chipmaking,
    ChipMarket,
    Closed,
    Dated,
    DistillationControl,
    EquipmentControl,
    Event,
    FundingRound,
    Index,
    Investors,
    Lab,
    Measures,
    OpenWeights,
    Owner,
    Policy,
    Reaction,
    Regulator,
    Rule,
    RuleChange,
    Scenario,
    Services,
    Supplier,
    SupplyChain,
    Tech,
    Time,
)

__all__ = [
    "EVENT_KINDS",
    "SCENARIO_DIR",
    "ApiTerms",
    "Bloc",
    "Breakthrough",
    "Capex",
    "Chip",
    "ChipMarket",
    "ChipSupply",
    "Chipmaker",
    "Chipmaking",
    "Closed",
    "Dated",
    "DistillationControl",
    "EquipmentControl",
    "Event",
    "FundingRound",
    "Index",
    "InputError",
    "Investors",
    "Key",
    "Lab",
    "Measures",
    "OpenWeights",
    "Owner",
    "Parameter",
    "Policy",
    "Problem",
    "Reaction",
    "Regulator",
    "Rule",
    "RuleChange",
    "Scenario",
    "ScenarioError",
    "Services",
    "Supplier",
    "SupplyChain",
    "Tech",
    "Time",
    "after_the_end",
    "apply_overrides",
    "builtin_scenarios",
    "check_references",
    "implausible",
    "load_scenario",
    "merge",
    "parameter_cards",
    "parameters",
    "parse_toml",
    "parse_value",
    "read_text",
    "read_toml",
    "resolve_path",
    "scenario_from_dict",
    "validate",
]
