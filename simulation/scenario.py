"""Scenario files: schema, loading with `extends`, dotted overrides, and the parameter registry.

A scenario is a TOML file validated by the pydantic models below (``extra="forbid"``, so a
misspelt key is an error, not a silent default). The schema is the single registry of
parameters: every number in it has a dotted name, a unit and a plausible range, and the CLI's
``--set``, sweeps and the docs read them from here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# The built-in scenarios. Installed from a wheel they are package data, simulation/scenarios (pyproject's
# force-include copies the top-level scenarios/ there); in a source checkout or an editable install,
# where the package has no such folder, they are the top-level scenarios/ itself.
_PACKAGED = resources.files("simulation") / "scenarios"
SCENARIO_DIR = Path(str(_PACKAGED)) if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "scenarios"

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="identifier")]


def num(default: Any = ..., *, unit: str, lo: float, hi: float, doc: str, **limits: Any) -> Any:
    """A tunable number: its unit and plausible range go into the parameter registry."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "plausible": [lo, hi]}, **limits)


class Strict(BaseModel):
    # Every number is finite: `inf` and `nan` (which TOML accepts) are refused with the key named.
    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)

    sources: dict[str, str] = Field(
        default_factory=dict, description="where this table's numbers come from, by field name"
    )

    @model_validator(mode="after")
    def _sourced_fields(self) -> Strict:
        unknown = sorted(set(self.sources) - set(type(self).model_fields) - {"*"})
        if unknown:
            known = ", ".join(n for n in type(self).model_fields if n != "sources")
            raise ValueError(f"sources name unknown fields {', '.join(unknown)}; '*' or one of: {known}")
        return self


# ---------------------------------------------------------------- sections


class Time(Strict):
    start: date = Field(description="first day simulated")
    end: date = Field(description="last day simulated")
    step_days: int = num(7, unit="days", lo=1, hi=31, ge=1, le=31, doc="length of one step")

    @property
    def n_steps(self) -> int:
        """Whole steps that fit between start and end."""
        return (self.end - self.start).days // self.step_days

    @model_validator(mode="after")
    def _ordered(self) -> Time:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        return self


class Bloc(Strict):
    id: Id
    name: str
    serves: list[Id] = Field(default_factory=list, description="AI-services markets its labs sell to besides its own")
    services_market_usd_per_year: float = num(
        unit="USD/year", lo=1e8, hi=1e12, ge=0, doc="revenue of the bloc's AI-services market at start"
    )
    services_market_growth_per_year: float = num(
        unit="1/year", lo=0.0, hi=3.0, ge=-0.9, le=10, doc="growth of that market (0.8 = +80% a year)"
    )
    capital_usd_per_year: float = num(
        unit="USD/year", lo=1e8, hi=1e12, ge=0, doc="money investors and parents put into the bloc's labs at start"
    )
    capital_growth_per_year: float = num(
        unit="1/year", lo=0.0, hi=2.0, ge=-0.9, le=10, doc="growth of that money at start (0.5 = +50% a year)"
    )
    growth_halflife_years: float | None = num(
        None,
        unit="years",
        lo=1,
        hi=20,
        gt=0,
        doc="years over which the growth rates of the market and of capital halve (none: constant growth)",
    )


class Chip(Strict):
    id: Id
    name: str
    maker: Id
    launch: date = Field(description="first day it can be bought")
    discontinued: date | None = Field(None, description="last day it is sold")
    variant_of: Id | None = Field(None, description="the chip this one is a compliant variant of")
    sold_to: list[Id] = Field(default_factory=list, description="blocs it is sold to (empty: every bloc)")
    tflops_16bit: float = num(unit="TFLOP/s", lo=10, hi=20000, gt=0, doc="dense 16-bit throughput")
    interconnect_gb_s: float = num(unit="GB/s", lo=0, hi=5000, ge=0, doc="chip-to-chip bandwidth")
    die_area_mm2: float = num(unit="mm^2", lo=100, hi=5000, gt=0, doc="die area (for performance density)")
    price_usd: float = num(unit="USD", lo=1000, hi=100000, gt=0, doc="list price per chip")
    unit_cost_usd: float = num(unit="USD", lo=500, hi=50000, gt=0, doc="maker's cost per chip")

    @property
    def tpp(self) -> float:
        """Total processing performance as BIS defines it: 2 x MacTOPS x bit length = TFLOP/s x 16."""
        return self.tflops_16bit * 16

    @property
    def performance_density(self) -> float:
        return self.tpp / self.die_area_mm2


class Lab(Strict):
    id: Id
    name: str
    bloc: Id
    cash_usd: float = num(unit="USD", lo=0, hi=1e12, ge=0, doc="cash at start")
    fleet: dict[Id, float] = Field(default_factory=dict, description="chips held at start, by chip id")
    capability: float = num(
        unit="log10 FLOP", lo=20, hi=30, ge=0, le=40, doc="capability of its best released model at start"
    )
    efficiency: float = num(
        1.0, unit="x", lo=0.1, hi=10, gt=0, doc="algorithmic efficiency at start, relative to 2023 methods"
    )
    open_weights: bool = Field(False, description="releases its models' weights")
    api_terms_enforced: bool = Field(True, description="its API terms stop others distilling its models")
    distils: bool = Field(True, description="distils from a stronger model it can reach")
    capex_share_per_year: float = num(
        1.5, unit="1/year", lo=0.5, hi=4, gt=0, le=12, doc="share of cash spent on chips per year"
    )
    training_share: float = num(
        0.12, unit="fraction", lo=0.05, hi=0.4, gt=0, le=1, doc="share of compute on the frontier run"
    )
    research_share: float = num(
        0.2, unit="fraction", lo=0.05, hi=0.5, ge=0, le=1, doc="share of compute on efficiency research"
    )

    @model_validator(mode="after")
    def _shares(self) -> Lab:
        if self.training_share + self.research_share > 1:
            raise ValueError("training_share + research_share must be at most 1")
        return self


class Chipmaker(Strict):
    id: Id
    name: str
    bloc: Id
    ticker: str | None = Field(None, description="listed firms have a ticker, shares and a share price")
    shares_outstanding: float | None = num(None, unit="shares", lo=1e8, hi=1e11, gt=0, doc="shares outstanding")
    share_price_usd: float | None = num(None, unit="USD", lo=1, hi=1e4, gt=0, doc="share price at start")
    capacity_chips_per_year: float = num(unit="chips/year", lo=1e4, hi=1e8, ge=0, doc="AI chips it can make a year")
    capacity_growth_per_year: float = num(
        unit="1/year", lo=0.0, hi=1.5, ge=-0.9, le=10, doc="growth of capacity when demand fills it"
    )
    opex_usd_per_year: float = num(unit="USD/year", lo=0, hi=1e11, ge=0, doc="operating costs of its AI-chip business")
    revenue_usd_per_year: float = num(
        unit="USD/year", lo=1e8, hi=1e11, gt=0, doc="AI-chip revenue over the year before start"
    )
    ai_value_share: float = num(
        1.0,
        unit="fraction",
        lo=0.05,
        hi=1,
        gt=0,
        le=1,
        doc="share of the firm's value at start that rests on AI chips (the rest is valued as it was)",
    )
    designs_variants: bool = Field(True, description="answers export rules with compliant variants of its chips")
    redesign_lag_days: float = num(
        180.0, unit="days", lo=30, hi=365, ge=0, doc="time from a rule catching a chip to its compliant variant on sale"
    )
    variant_headroom: float = num(
        0.67, unit="fraction", lo=0.4, hi=0.95, gt=0, lt=1, doc="a variant's binding spec as a share of the threshold"
    )
    variant_price_exponent: float = num(
        0.5, unit="1", lo=0, hi=1, ge=0, le=1, doc="price of a variant = price x (its effective speed share)^this"
    )
    capacity_cost_usd: float = num(
        20000.0,
        unit="USD per chip/year",
        lo=2000,
        hi=100000,
        gt=0,
        doc="investment that adds one chip a year of capacity (what a subsidy buys)",
    )

    @model_validator(mode="after")
    def _listing(self) -> Chipmaker:
        listed = [self.ticker is not None, self.shares_outstanding is not None, self.share_price_usd is not None]
        if any(listed) and not all(listed):
            raise ValueError("a listed chipmaker needs ticker, shares_outstanding and share_price_usd together")
        return self

    @property
    def listed(self) -> bool:
        return self.ticker is not None


class Investors(Strict):
    count: int = num(1000, unit="investors", lo=100, hi=100000, ge=1, le=1_000_000, doc="size of the population")
    cash_share: float = num(
        0.5, unit="fraction", lo=0.2, hi=0.8, gt=0, lt=1, doc="share of investors' wealth held as cash at start"
    )
    fundamentalist_share: float = num(0.5, unit="fraction", lo=0.2, hi=0.8, ge=0, le=1, doc="value investors at start")
    trend_share: float = num(0.3, unit="fraction", lo=0.05, hi=0.5, ge=0, le=1, doc="trend followers at start")
    risk_aversion: float = num(2.0, unit="1", lo=0.5, hi=10, gt=0, doc="mean relative risk aversion")
    return_variance_per_year: float = num(
        0.25, unit="1/year", lo=0.05, hi=1, gt=0, doc="variance of equity returns investors expect"
    )
    valuation_dispersion: float = num(
        0.15, unit="log", lo=0.0, hi=0.5, ge=0, doc="spread of investors' views of fair value"
    )
    reversion_per_year: float = num(
        4.0, unit="1/year", lo=0.5, hi=20, gt=0, doc="speed at which fundamentalists expect price to meet value"
    )
    momentum_halflife_days: float = num(20, unit="days", lo=5, hi=120, gt=0, doc="memory of trend followers")
    trend_strength: float = num(1.0, unit="1", lo=0.2, hi=3, ge=0, doc="weight trend followers give momentum")
    noise_sd_per_year: float = num(
        0.3, unit="1/year", lo=0.05, hi=1, ge=0, doc="spread of noise traders' expected returns"
    )
    attention_lag_days: float = num(
        3, unit="days", lo=0, hi=30, ge=0, doc="mean delay before an investor acts on news it can see"
    )
    jevons_belief_mean: float = num(
        -0.1,
        unit="elasticity",
        lo=-1,
        hi=1,
        ge=-2,
        le=2,
        doc="belief how compute demand answers efficiency (-1 falls in step, 0 unchanged, >0 Jevons)",
    )
    jevons_belief_sd: float = num(0.3, unit="elasticity", lo=0, hi=1, ge=0, doc="disagreement about that")
    belief_halflife_days: float = num(
        120, unit="days", lo=20, hi=720, gt=0, doc="how long a news-driven revision of value persists"
    )
    switching_intensity: float = num(
        2.0, unit="1", lo=0, hi=10, ge=0, doc="Brock-Hommes intensity of choice between strategies"
    )
    loyal_share: float = num(
        0.5, unit="fraction", lo=0.2, hi=0.9, ge=0, le=1, doc="investors who never change strategy"
    )
    switching_rate_per_year: float = num(
        2.0, unit="1/year", lo=0, hi=12, ge=0, doc="how often an investor reconsiders its strategy"
    )

    @model_validator(mode="after")
    def _shares(self) -> Investors:
        if self.fundamentalist_share + self.trend_share > 1:
            raise ValueError("fundamentalist_share + trend_share must be at most 1 (noise traders are the rest)")
        return self


class Dated(Strict):
    """An entry in force from its date to its end (inclusive; no end: for good)."""

    id: Id
    date: date
    end: date | None = Field(None, description="last day in force")
    description: str = ""

    def in_force(self, day: date) -> bool:
        return self.date <= day and (self.end is None or day <= self.end)


class Rule(Dated):
    destinations: list[Id] = Field(description="blocs the rule covers")
    chips: list[Id] = Field(default_factory=list, description="chips controlled by name, whatever their specs")
    tpp_min: float | None = num(None, unit="TPP", lo=1000, hi=10000, gt=0, doc="controlled at or above this TPP")
    interconnect_min_gb_s: float | None = num(
        None, unit="GB/s", lo=100, hi=1000, gt=0, doc="...and at or above this interconnect (Oct 2022 test)"
    )
    density_tpp_min: float | None = num(
        None, unit="TPP", lo=500, hi=5000, gt=0, doc="second test: at or above this TPP (Oct 2023)"
    )
    density_min: float | None = num(
        None, unit="TPP/mm^2", lo=1, hi=20, gt=0, doc="...with performance density at or above this"
    )
    compliant_variants: bool = Field(
        False, description="also covers the variants makers designed to pass earlier rules (the 2025 H20 licence)"
    )
    enforcement: float = num(
        1.0, unit="fraction", lo=0.5, hi=1, ge=0, le=1, doc="share of banned demand actually stopped"
    )
    licence_fee_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.5,
        ge=0,
        lt=1,
        doc="if above 0, licences are granted against this share of revenue instead of a ban",
    )

    @model_validator(mode="after")
    def _tests(self) -> Rule:
        if (self.density_tpp_min is None) != (self.density_min is None):
            raise ValueError("density_tpp_min and density_min go together")
        if self.tpp_min is None and self.density_min is None and not self.chips and not self.compliant_variants:
            raise ValueError("a rule needs tpp_min, density_tpp_min with density_min, chips, or compliant_variants")
        return self

    def controls(self, chip: Chip) -> bool:
        """Whether the chip falls under this rule's technical tests."""
        if chip.id in self.chips or (self.compliant_variants and chip.variant_of is not None):
            return True
        fast = self.tpp_min is not None and chip.tpp >= self.tpp_min
        linked = self.interconnect_min_gb_s is None or chip.interconnect_gb_s >= self.interconnect_min_gb_s
        if fast and linked:
            return True
        if self.density_min is not None and self.density_tpp_min is not None:
            return chip.tpp >= self.density_tpp_min and chip.performance_density >= self.density_min
        return False


class EquipmentControl(Dated):
    """Controls on chip-making tools: chipmakers in the destinations cannot expand capacity freely."""

    destinations: list[Id] = Field(description="blocs whose chipmakers are denied tools")
    capacity_growth_max_per_year: float = num(
        0.2, unit="1/year", lo=0, hi=1, ge=0, doc="fastest capacity growth left with stockpiled and domestic tools"
    )
    enforcement: float = num(0.9, unit="fraction", lo=0.5, hi=1, ge=0, le=1, doc="share of the excess growth stopped")


class Policy(Dated):
    """Industrial policy of a bloc: subsidies for its chipmakers and a mandate to buy their chips."""

    subsidy_usd_per_year: float = num(
        0.0, unit="USD/year", lo=0, hi=5e10, ge=0, doc="money for the bloc's chipmakers to build capacity"
    )
    domestic_share_min: float = num(
        0.0, unit="fraction", lo=0, hi=1, ge=0, le=1, doc="share of labs' chip budget that must buy domestic chips"
    )


class DistillationControl(Dated):
    """The regulator makes its labs stop API access for distillation by labs of the destinations."""

    destinations: list[Id] = Field(description="blocs whose labs are denied")
    enforcement: float = num(0.8, unit="fraction", lo=0.3, hi=1, ge=0, le=1, doc="share of attempts stopped")


class Reaction(Strict):
    """A reactive regulator reviews its controls on a cadence instead of only following the schedule."""

    rival: Id = Field(description="bloc whose gap to this regulator's bloc is watched")
    review_interval_days: float = num(180.0, unit="days", lo=30, hi=730, gt=0, doc="time between reviews")
    lag_days: float = num(60.0, unit="days", lo=0, hi=365, ge=0, doc="time from a decision to the rule taking effect")
    tighten_below_gap_months: float = num(
        6.0, unit="months", lo=0, hi=24, doc="tighten when the rival is fewer months behind than this"
    )
    loosen_above_lost_sales_usd_per_year: float = num(
        3e10,
        unit="USD/year",
        lo=1e9,
        hi=2e11,
        gt=0,
        doc="loosen when the bloc's chipmakers lose more sales a year to controls than this",
    )
    enforcement_step: float = num(
        0.1, unit="fraction", lo=0.02, hi=0.5, gt=0, le=1, doc="change of enforcement at each decision"
    )
    threshold_step: float = num(
        0.25,
        unit="fraction",
        lo=0,
        hi=0.5,
        ge=0,
        lt=1,
        doc="share by which a tightening lowers the performance thresholds once enforcement is full",
    )


class Regulator(Strict):
    id: Id
    name: str
    bloc: Id
    rules: list[Rule] = Field(default_factory=list, description="dated export controls on chips made in its bloc")
    equipment_controls: list[EquipmentControl] = Field(
        default_factory=list, description="dated controls on chip-making tools sold to other blocs"
    )
    policies: list[Policy] = Field(default_factory=list, description="subsidies and domestic-chip mandates at home")
    distillation_controls: list[DistillationControl] = Field(
        default_factory=list, description="dated bans on distilling its labs' models through their APIs"
    )
    reaction: Reaction | None = Field(None, description="reacts to the gap and lost sales (none: follows the schedule)")


class Breakthrough(Strict):
    kind: Literal["breakthrough"]
    id: Id
    lab: Id
    date: date
    attention_date: date | None = Field(None, description="when investors start to notice (default: date)")
    efficiency_gain: float = num(unit="x", lo=1.5, hi=20, gt=1, le=1000, doc="multiplier on the lab's efficiency")
    open_weights: bool = Field(False, description="the lab releases the weights with it")
    description: str = ""


class OpenWeights(Strict):
    kind: Literal["open_weights"]
    id: Id
    lab: Id
    date: date
    open: bool = Field(True, description="true opens the lab's weights, false closes them")
    description: str = ""


class ApiTerms(Strict):
    kind: Literal["api_terms"]
    id: Id
    lab: Id
    date: date
    enforced: bool = Field(description="true: the lab starts enforcing terms against distillation; false: stops")
    description: str = ""


class RuleChange(Strict):
    kind: Literal["rule_change"]
    id: Id
    regulator: Id
    rule: Id
    date: date
    enforcement: float = num(unit="fraction", lo=0, hi=1, ge=0, le=1, doc="new enforcement of the rule")
    description: str = ""


Event = Annotated[Breakthrough | OpenWeights | ApiTerms | RuleChange, Field(discriminator="kind")]
_EVENT_KINDS = {
    "breakthrough": Breakthrough,
    "open_weights": OpenWeights,
    "api_terms": ApiTerms,
    "rule_change": RuleChange,
}


class Tech(Strict):
    utilisation: float = num(0.4, unit="fraction", lo=0.2, hi=0.6, gt=0, le=1, doc="model FLOP utilisation")
    training_run_days: float = num(120, unit="days", lo=30, hi=365, gt=0, doc="length of a frontier training run")
    depreciation_per_year: float = num(
        0.25, unit="1/year", lo=0.1, hi=0.5, ge=0, le=2, doc="rate at which chips leave the fleet"
    )
    interconnect_reference_gb_s: float = num(
        900, unit="GB/s", lo=400, hi=1800, gt=0, doc="bandwidth at which large runs lose nothing"
    )
    interconnect_exponent: float = num(
        0.15, unit="1", lo=0, hi=0.5, ge=0, doc="how much weaker interconnect slows large runs"
    )
    capability_per_decade: float = num(
        1.0, unit="capability/decade", lo=0.5, hi=2, gt=0, doc="scaling-law slope in log10 effective compute"
    )
    efficiency_growth_per_year: float = num(
        1.0, unit="log/year", lo=0.5, hi=1.5, ge=0, doc="growth of ln(efficiency) at the reference research share"
    )
    reference_research_share: float = num(
        0.2,
        unit="fraction",
        lo=0.05,
        hi=0.5,
        gt=0,
        le=1,
        doc="research share at which efficiency grows at the base rate",
    )
    research_elasticity: float = num(0.5, unit="1", lo=0.1, hi=1, ge=0, doc="returns to research effort")
    breakthrough_rate_per_year: float = num(
        0.1, unit="1/year", lo=0, hi=1, ge=0, doc="chance a lab makes a random breakthrough in a year"
    )
    breakthrough_min_gain: float = num(
        1.5, unit="x", lo=1.1, hi=3, gt=1, doc="smallest efficiency gain of a random breakthrough"
    )
    breakthrough_tail: float = num(
        2.5, unit="1", lo=1.5, hi=5, gt=0, doc="Pareto tail index of breakthrough sizes (smaller: heavier)"
    )
    breakthrough_max_gain: float = num(20, unit="x", lo=3, hi=100, gt=1, doc="largest random breakthrough")
    distillation_fraction: float = num(
        0.7, unit="fraction", lo=0.3, hi=0.95, ge=0, lt=1, doc="share of the gap to the teacher a distillation closes"
    )
    distillation_min_gap: float = num(
        0.3, unit="capability", lo=0.05, hi=1, gt=0, doc="smallest lead of a teacher worth distilling"
    )
    distillation_interval_days: float = num(
        90, unit="days", lo=30, hi=365, gt=0, doc="time between a lab's distillations"
    )
    distillation_compute_share: float = num(
        0.01,
        unit="fraction",
        lo=0.001,
        hi=0.1,
        gt=0,
        le=1,
        doc="compute a distillation takes, as a share of the teacher's training run",
    )
    induced_innovation: float = num(
        0.5,
        unit="fraction",
        lo=0,
        hi=1,
        ge=0,
        le=1,
        doc="share of its serving compute a fully compute-starved lab moves to efficiency research",
    )
    starvation_decades: float = num(
        1.0,
        unit="decades",
        lo=0.5,
        hi=3,
        gt=0,
        doc="compute shortfall behind the best-equipped lab (log10) at which a lab is fully starved",
    )
    spillover_rate_per_year: float = num(
        2.0,
        unit="1/year",
        lo=0,
        hi=10,
        ge=0,
        doc="speed at which labs adopt the methods of the most efficient open-weights model",
    )
    spillover_lag_days: float = num(
        60.0, unit="days", lo=0, hi=365, ge=0, doc="time for open weights and papers to be read and reproduced"
    )


class Markets(Strict):
    services_cost_share: float = num(
        0.6, unit="fraction", lo=0.3, hi=0.9, ge=0, lt=1, doc="share of AI-services revenue spent on serving and staff"
    )
    services_capability_sensitivity: float = num(
        2.0, unit="1/capability", lo=0.5, hi=5, ge=0, doc="how strongly market share follows capability"
    )
    funding_interval_days: float = num(182, unit="days", lo=60, hi=730, gt=0, doc="time between a lab's funding rounds")
    funding_capability_sensitivity: float = num(
        2.0, unit="1/capability", lo=0.5, hi=5, ge=0, doc="how strongly investors favour the more capable labs"
    )
    chip_price_adjust_per_year: float = num(
        1.0, unit="1/year", lo=0.1, hi=5, ge=0, doc="speed at which chip prices answer excess demand"
    )
    chip_markup_max: float = num(2.0, unit="x", lo=1.2, hi=4, ge=1, doc="highest price over list a maker charges")
    chip_markup_min: float = num(0.6, unit="x", lo=0.3, hi=1, gt=0, le=1, doc="lowest price over list")
    leak_price_premium: float = num(
        0.5, unit="fraction", lo=0.1, hi=2, ge=0, doc="extra paid for a banned chip through smugglers or clouds"
    )
    leak_delay_days: float = num(
        60.0, unit="days", lo=0, hi=180, ge=0, doc="time for a smuggled chip to reach the lab that paid for it"
    )
    chip_choice_sensitivity: float = num(
        6.0,
        unit="1",
        lo=1,
        hi=20,
        ge=0,
        doc="how strongly labs concentrate orders on the best compute per dollar (logit in log FLOP/$)",
    )
    prestart_frontier_growth_per_year: float = num(
        1.0,
        unit="capability/year",
        lo=0.5,
        hi=1.5,
        gt=0,
        doc="growth of the leading frontier before start, used only to date gaps that reach back before start",
    )


class Scenario(Strict):
    name: str
    description: str = ""
    story: str | None = Field(
        None,
        description="the header comment of the file the scenario was loaded from, its longer story (set by "
        "loading; kept as a key in a resolved scenario.toml); None where it is not known",
    )
    extends: str | None = Field(None, description="file this scenario changes (resolved when loading)")
    seed: int = Field(0, ge=0, lt=2**63, description="seed of the first run")
    airace_version: str | None = Field(None, description="package version that wrote this resolved scenario")
    leader: Id = Field(description="bloc whose frontier the gap is measured from")
    laggard: Id = Field(description="bloc whose gap to the leader is measured")
    time: Time
    tech: Tech = Field(default_factory=Tech)
    markets: Markets = Field(default_factory=Markets)
    investors: Investors = Field(default_factory=Investors)
    blocs: list[Bloc]
    chips: list[Chip]
    chipmakers: list[Chipmaker]
    labs: list[Lab]
    regulators: list[Regulator] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)

    def chip(self, chip_id: str) -> Chip:
        return next(c for c in self.chips if c.id == chip_id)

    @property
    def listed_firms(self) -> list[Chipmaker]:
        return [m for m in self.chipmakers if m.listed]


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what would be right."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ScenarioError(Exception):
    """Invalid input: carries every problem found, each naming the file and the key."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---------------------------------------------------------------- loading


def builtin_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def resolve_path(name_or_path: str | Path) -> Path:
    """A path to an existing file, or the name of a built-in scenario."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    builtin = builtin_scenarios()
    stem = path.stem if path.suffix == ".toml" else str(name_or_path)
    if stem in builtin and path.parent == Path("."):
        return builtin[stem]
    hint = difflib.get_close_matches(stem, builtin, n=1)
    known = ", ".join(builtin) or "none"
    message = f"no such file or built-in scenario (built-in: {known})"
    if hint:
        message += f"; did you mean '{hint[0]}'?"
    raise ScenarioError([Problem(str(name_or_path), "", message)])


def read_text(path: Path) -> str:
    """A scenario or sweep file's text; a file that cannot be read or is not UTF-8 text is a ScenarioError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem(str(path), "", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        message = f"not a TOML text file: byte {exc.start} is not UTF-8 (is it a binary file?)"
        raise ScenarioError([Problem(str(path), "", message)]) from None


def _read_toml(path: Path) -> dict[str, Any]:
    return parse_toml(read_text(path), path)


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """The data of a file's TOML text; invalid TOML is a ScenarioError with the file and line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ScenarioError([Problem(str(path), "", f"not valid TOML: {reason}", line)]) from None


def merge(base: Any, change: Any) -> Any:
    """Deep merge: tables merge by key, arrays of tables with `id` merge by id, anything else is replaced."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if _is_id_list(base) and _is_id_list(change):
        out = list(base)
        index = {item["id"]: i for i, item in enumerate(out)}
        for item in change:
            if item["id"] in index:
                out[index[item["id"]]] = merge(out[index[item["id"]]], item)
            else:
                out.append(item)
        return out
    return change


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "id" in v for v in value)


def _read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[Path]]:
    """The raw data of a file after merging what it extends; also the files read, child first."""
    path = path.resolve()
    if path in seen:
        raise ScenarioError([Problem(str(path), "extends", "extends itself through " + " -> ".join(map(str, seen)))])
    data = _read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, [path]
    if not isinstance(parent, str):
        raise ScenarioError([Problem(str(path), "extends", f"found {parent!r}; expected a file name")])
    parent_path = (path.parent / parent) if (path.parent / parent).is_file() else None
    if parent_path is None:
        try:
            parent_path = resolve_path(parent)
        except ScenarioError:
            raise ScenarioError(
                [
                    Problem(
                        str(path), "extends", f"'{parent}' is neither a file next to this one nor a built-in scenario"
                    )
                ]
            ) from None
    base, files = _read_with_extends(parent_path, (*seen, path))
    return merge(base, data), [path, *files]


def load_scenario(source: str | Path, overrides: dict[str, Any] | None = None, label: str = "overrides") -> Scenario:
    """Read, merge, override and validate a scenario file (path or built-in name).

    Problems with the overrides are reported against `label` (the CLI passes "--set").
    """
    path = resolve_path(source)
    data, files = _read_with_extends(path)
    text = read_text(path)
    own = parse_toml(text, path)
    if "story" not in own and "airace_version" not in own:  # a resolved scenario.toml's header is airace's note
        data["story"] = _header_comment(text)
    if overrides:
        data = apply_overrides(data, overrides, label)
    return _attach_comment_sources(validate(data, files, set(overrides or ()), label), files, overrides, label)


def _header_comment(text: str) -> str:
    """The comment lines a scenario file opens with, without their `#`: the scenario's longer story."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return "\n".join(lines).strip()


def scenario_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None) -> Scenario:
    if overrides:
        data = apply_overrides(data, overrides, "overrides")
    return validate(data, [], set(overrides or ()))


def validate(
    data: dict[str, Any], files: list[Path], overridden: set[str] = frozenset(), label: str = "overrides"
) -> Scenario:
    """A Scenario, or a ScenarioError naming the file (or the overrides) and line of every problem."""
    source = str(files[0]) if files else "<scenario>"
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, data, files, source) for err in exc.errors()]
    else:
        problems = []
        for key, message in check_references(scenario):
            file, line = _find_line(files, key.split("."))
            problems.append(Problem(file or source, key, message, line))
    if problems:
        # A problem with an overridden value is reported against the overrides (`label`), not the file.
        raise ScenarioError([Problem(label, p.key, p.message) if p.key in overridden else p for p in problems])
    return scenario


def _dotted(loc: tuple[Any, ...], data: Any) -> list[str]:
    """A pydantic location as dotted parts, list entries named by their id."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            parts.append(str(node.get("id", part)) if isinstance(node, dict) else str(part))
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
            parts.append(part)
        elif isinstance(part, str) and part in _EVENT_KINDS:
            continue  # pydantic names the union member; the user never wrote it
        else:
            parts.append(str(part))
            node = None
    return parts


def _problem(err: dict[str, Any], data: dict[str, Any], files: list[Path], label: str) -> Problem:
    parts = _dotted(tuple(err["loc"]), data)
    key = ".".join(parts)
    file, line = _find_line(files, parts)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_fields(tuple(err["loc"][:-1]), data)
        hint = difflib.get_close_matches(parts[-1], allowed, n=1)
        message = f"unknown key '{parts[-1]}'"
        message += f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(allowed)}"
    else:
        message = value_message(err)
    return Problem(file or label, key, message, line)


def value_message(err: dict[str, Any]) -> str:
    """What pydantic found wrong with a value, in words (a missing key, or the value and the rule)."""
    if err["type"] == "missing":
        return "missing; this key is required"
    found = err.get("input")
    shown = "" if isinstance(found, dict | list) else f" (found {found!r})"
    return f"{err['msg'].removeprefix('Value error, ')}{shown}"


def _allowed_fields(loc: tuple[Any, ...], data: Any) -> list[str]:
    """Field names of the schema model at a location, for suggestions."""
    model: Any = Scenario
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if part in _EVENT_KINDS:
            model = _EVENT_KINDS[part]
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        node = node.get(part) if isinstance(node, dict) else None
        model = _model_of(field.annotation) if field else None
        if isinstance(node, dict) and node.get("kind") in _EVENT_KINDS:
            model = _EVENT_KINDS[node["kind"]]
    return sorted(model.model_fields) if isinstance(model, type) else []


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as list[Lab] or Tech | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _find_line(files: list[Path], parts: list[str]) -> tuple[str | None, int | None]:
    """The file and line that set a dotted key, looking at the child file first."""
    for path in files:
        line = _line_in(path.read_text(encoding="utf-8").splitlines(), parts)
        if line:
            return str(path), line
    return (str(files[0]), None) if files else (None, None)


def _line_in(lines: list[str], parts: list[str]) -> int | None:
    """Line of `parts` in a TOML text: the line of its key, or of the header of its table."""
    for dotted, number, _ in _keys_in(lines):
        if dotted == parts:
            return number
    return None


def _keys_in(lines: list[str]) -> Iterator[tuple[list[str], int, str]]:
    """(dotted key, line, trailing comment) of each table header and key of a TOML text. Follows
    [table] and [[array]] headers, naming each array entry by its `id`, so a key under
    [[regulators.rules]] reads `regulators.bis.rules.oct2022.chips`."""
    ids: dict[tuple[str, ...], str] = {}  # id of the latest entry of each array of tables
    header: tuple[str, ...] = ()
    header_line = 0
    for number, raw in enumerate(lines, start=1):
        text, _, comment = raw.partition("#")
        text, comment = text.strip(), comment.strip()
        match = re.fullmatch(r"(\[\[?)\s*([^\]]+?)\s*\]\]?", text)
        if match:
            header = tuple(p.strip() for p in match.group(2).split("."))
            header_line = number
            if match.group(1) == "[[":
                ids.pop(header, None)  # a new entry whose id is not known yet
            else:
                yield list(header), number, comment
            continue
        assign = re.match(r"([A-Za-z0-9_\-]+)\s*=\s*(.*)", text)
        if not assign:
            continue
        key, value = assign.groups()
        if key == "id" and header:
            ids[header] = value.strip().strip("\"'")
            yield _named(header, ids), header_line, ""
            continue
        yield [*_named(header, ids), key], number, comment


def _attach_comment_sources(
    scenario: Scenario, files: list[Path], overrides: dict[str, Any] | None = None, label: str = "overrides"
) -> Scenario:
    """A number's trailing comment in a scenario file is its source, unless its table's `sources`
    names one: so the comments that make a scenario file read like prose are its parameter cards.
    A value that a child file or an override changes without a comment loses its parent's source."""
    comments: dict[str, str] = {}
    for path in reversed(files):  # parents first, so a child's comment wins
        for parts, _, comment in _keys_in(path.read_text(encoding="utf-8").splitlines()):
            dotted = ".".join(parts)
            if comment:
                comments[dotted] = comment
            elif dotted in comments:
                comments[dotted] = f"changed in {path.name}, no source given"
    for dotted in overrides or {}:
        comments[dotted] = f"changed by {label}, no source given"

    def walk(obj: BaseModel, prefix: str) -> None:
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            dotted = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, dotted + ".")
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                for item in value:
                    walk(item, f"{dotted}.{item.id}.")
            elif dotted in comments and name != "sources":
                obj.sources.setdefault(name, comments[dotted])

    walk(scenario, "")
    return scenario


def _named(header: tuple[str, ...], ids: dict[tuple[str, ...], str]) -> list[str]:
    """A table header as dotted parts, each array of tables followed by the id of its current entry."""
    out: list[str] = []
    for i, part in enumerate(header):
        out.append(part)
        if header[: i + 1] in ids:
            out.append(ids[header[: i + 1]])
    return out


# ---------------------------------------------------------------- cross-references


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Links between sections that the schema alone cannot check, as (dotted key, message)."""
    problems: list[tuple[str, str]] = []
    blocs = [b.id for b in s.blocs]
    chips = [c.id for c in s.chips]
    makers = [m.id for m in s.chipmakers]
    labs = [lab.id for lab in s.labs]
    regulators = {r.id: r for r in s.regulators}

    def unknown(key: str, value: str, known: list[str], what: str) -> None:
        if value not in known:
            hint = difflib.get_close_matches(value, known, n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else f"; known {what}: {', '.join(known)}"
            problems.append((key, f"unknown {what[:-1]} '{value}'{more}"))

    for section in ("blocs", "chips", "chipmakers", "labs", "regulators", "events"):
        ids = [item.id for item in getattr(s, section)]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append((f"{section}.{dup}", "id used more than once"))
    for name in ("leader", "laggard"):
        unknown(name, getattr(s, name), blocs, "blocs")
    for b in s.blocs:
        for other in b.serves:
            unknown(f"blocs.{b.id}.serves", other, blocs, "blocs")
    for c in s.chips:
        unknown(f"chips.{c.id}.maker", c.maker, makers, "chipmakers")
        if c.variant_of is not None:
            unknown(f"chips.{c.id}.variant_of", c.variant_of, chips, "chips")
        for bloc in c.sold_to:
            unknown(f"chips.{c.id}.sold_to", bloc, blocs, "blocs")
        if c.unit_cost_usd >= c.price_usd:
            problems.append((f"chips.{c.id}.unit_cost_usd", f"{c.unit_cost_usd} must be below price_usd {c.price_usd}"))
    for m in s.chipmakers:
        unknown(f"chipmakers.{m.id}.bloc", m.bloc, blocs, "blocs")
    for lab in s.labs:
        unknown(f"labs.{lab.id}.bloc", lab.bloc, blocs, "blocs")
        for chip_id in lab.fleet:
            unknown(f"labs.{lab.id}.fleet.{chip_id}", chip_id, chips, "chips")
    for r in s.regulators:
        unknown(f"regulators.{r.id}.bloc", r.bloc, blocs, "blocs")
        for section in ("rules", "equipment_controls", "policies", "distillation_controls"):
            entries = getattr(r, section)
            ids = [entry.id for entry in entries]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                problems.append((f"regulators.{r.id}.{section}.{dup}", "id used more than once"))
            for entry in entries:
                key = f"regulators.{r.id}.{section}.{entry.id}"
                for dest in getattr(entry, "destinations", []):
                    unknown(f"{key}.destinations", dest, blocs, "blocs")
                for chip_id in getattr(entry, "chips", []):
                    unknown(f"{key}.chips", chip_id, chips, "chips")
                if entry.end is not None and entry.end < entry.date:
                    problems.append((f"{key}.end", f"{entry.end} is before its date {entry.date}"))
        if r.reaction is not None:
            unknown(f"regulators.{r.id}.reaction.rival", r.reaction.rival, blocs, "blocs")
    for e in s.events:
        key = f"events.{e.id}"
        if e.date < s.time.start:  # an event after the end simply never happens
            problems.append((f"{key}.date", f"{e.date} is before the scenario's start ({s.time.start})"))
        if isinstance(e, Breakthrough | OpenWeights | ApiTerms):
            unknown(f"{key}.lab", e.lab, labs, "labs")
        if isinstance(e, Breakthrough) and e.attention_date is not None and e.attention_date < e.date:
            problems.append((f"{key}.attention_date", f"{e.attention_date} is before the event's date {e.date}"))
        if isinstance(e, RuleChange):
            unknown(f"{key}.regulator", e.regulator, list(regulators), "regulators")
            if e.regulator in regulators:
                unknown(f"{key}.rule", e.rule, [r.id for r in regulators[e.regulator].rules], "rules")
    return problems


# ---------------------------------------------------------------- overrides


def parse_value(text: str) -> Any:
    """A command-line value read as TOML (numbers, booleans, dates, lists), else as a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Set dotted keys (`labs.deepseek.research_share`) in raw scenario data; every unknown key is reported."""
    problems = []
    out = merge(data, {})
    for dotted, value in overrides.items():
        try:
            _set(out, dotted, value)
        except KeyError as exc:
            problems.append(Problem(source, dotted, str(exc.args[0])))
    if problems:
        raise ScenarioError(problems)
    return out


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    model: Any = Scenario
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            ids = [item.get("id") for item in node]
            if part not in ids:
                raise KeyError(_unknown(part, ids, "entry"))
            node = node[ids.index(part)]
            if isinstance(node, dict) and node.get("kind") in _EVENT_KINDS:
                model = _EVENT_KINDS[node["kind"]]
            if last:
                raise KeyError(
                    "names a whole entry; add a field, for example " + f"{dotted}.{next(iter(model.model_fields))}"
                )
            continue
        fields = list(model.model_fields) if isinstance(model, type) else None
        if fields is not None and part not in fields:
            raise KeyError(_unknown(part, fields, "key"))
        annotation = model.model_fields[part].annotation if fields is not None else None
        if last:
            node[part] = value
            return
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        node = child
        model = _model_of(annotation) if annotation is not None else None
        if isinstance(model, type) and get_origin(annotation) is dict:
            model = None


def _unknown(part: str, known: list[Any], what: str) -> str:
    known = [k for k in known if k is not None]
    hint = difflib.get_close_matches(part, known, n=1)
    more = f"did you mean '{hint[0]}'?" if hint else "allowed: " + ", ".join(map(str, known))
    return f"unknown {what} '{part}'; {more}"


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Parameter:
    """One tunable number of a scenario, as the CLI, sweeps and docs see it."""

    name: str
    value: Any
    unit: str
    plausible: tuple[float, float] | None
    description: str
    source: str = ""


def parameters(scenario: Scenario) -> list[Parameter]:
    """Every tunable number of a scenario, by dotted name, with unit, value, plausible range and source.

    A number's source is its table's `sources` entry for it, else the table's `sources."*"`.
    """
    out: list[Parameter] = []

    def walk(obj: BaseModel, prefix: str) -> None:
        for name, field in type(obj).model_fields.items():
            value = getattr(obj, name)
            dotted = f"{prefix}{name}"
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if isinstance(value, BaseModel):
                walk(value, dotted + ".")
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                for item in value:
                    walk(item, f"{dotted}.{item.id}.")
            elif "unit" in extra and value is not None:
                lo, hi = extra["plausible"]
                source = obj.sources.get(name) or obj.sources.get("*", "")
                out.append(Parameter(dotted, value, extra["unit"], (lo, hi), field.description or "", source))

    walk(scenario, "")
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def parameter_cards(scenario: Scenario, markdown: bool = False) -> str:
    """The registry as a table: one card per parameter with value, unit, plausible range and source."""
    header = ["parameter", "value", "unit", "plausible", "description", "source"]
    rows = [
        [
            p.name,
            _cell(p.value),
            p.unit,
            f"{_cell(p.plausible[0])} to {_cell(p.plausible[1])}" if p.plausible else "",
            p.description,
            p.source or "assumption",
        ]
        for p in parameters(scenario)
    ]
    if markdown:
        lines = [
            f"# Parameters of the `{scenario.name}` scenario",
            "",
            "Generated by `airace params --markdown` from the one parameter registry (`simulation.scenario`);",
            "a test keeps this file in sync. Every name works with `--set NAME=VALUE` and in sweep files.",
            "A source of `assumption` marks a modelling choice without a published figure behind it.",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + f"  {row[4]} [{row[5]}]"
        for row in [header, *rows]
    )
