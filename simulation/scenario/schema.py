"""The schema of a scenario file: one pydantic model per section, in the order of a file.

A scenario is a TOML file validated by these models (``extra="forbid"``, so a misspelt key is an
error, not a silent default). The schema is the single registry of parameters: every number in it
has a dotted name, a unit and a plausible range (`num`), and the CLI's ``--set``, sweeps and the
docs read them from here (`simulation.scenario.registry`). Only definitions live here; what the
rules do (which chips a rule controls, say) belongs to the agents and markets.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="identifier")]


def num(default: Any = ..., *, unit: str, lo: float, hi: float, doc: str, **limits: Any) -> Any:
    """A tunable number: its unit and plausible range go into the parameter registry."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "plausible": [lo, hi]}, **limits)


class Closed(BaseModel):
    """A table of an input file (scenario or sweep): a misspelt key is an error, and every number is
    finite (`inf` and `nan`, which TOML accepts, are refused with the key named)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)


class Strict(Closed):
    """A table of a scenario file, whose numbers may each name their source."""

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
        unit="USD/year",
        lo=1e8,
        hi=1e12,
        ge=0,
        doc="money outside investors put into the bloc's labs at start (owners' capex apart)",
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
    owner: Id = Field(description="the owner (`owners`) that pays for its data centres and books its revenue")
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
    cash_flow_margin: float = num(
        0.5,
        unit="fraction",
        lo=0.1,
        hi=0.6,
        gt=0,
        le=1,
        doc="share of its AI-chip revenue investors expect to become free cash flow (net margin)",
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


class Owner(Strict):
    """The firm that owns a lab and pays for its data centres: a listed platform (with a ticker) or a
    private firm. Its base business (everything but AI) is sized from its last annual report before
    the start; its AI capex answers the AI revenue its labs earn and the revenue it expects."""

    id: Id
    name: str
    bloc: Id
    ticker: str | None = Field(None, description="main US ticker of a listed owner (none: private)")
    cash_usd: float = num(unit="USD", lo=0, hi=5e11, ge=0, doc="cash and short-term investments at start")
    base_revenue_usd_per_year: float = num(
        unit="USD/year", lo=0, hi=1e12, ge=0, doc="revenue of its non-AI business over the year before start"
    )
    base_revenue_growth_per_year: float = num(
        unit="1/year", lo=-0.2, hi=0.5, ge=-0.9, le=5, doc="growth of that revenue (0.1 = +10% a year)"
    )
    base_cash_margin: float = num(
        unit="fraction",
        lo=0,
        hi=0.6,
        ge=-1,
        le=1,
        doc="operating cash flow of the non-AI business per dollar of its revenue",
    )
    capex_usd_per_year: float = num(
        unit="USD/year", lo=0, hi=2e11, ge=0, doc="capital expenditure over the year before start, AI and non-AI"
    )
    ai_capex_share: float = num(
        unit="fraction", lo=0, hi=1, ge=0, le=1, doc="share of that capex spent on AI data centres and chips"
    )

    @property
    def label(self) -> str:
        """How results name it: its ticker, or its id for a private owner (`capex_usd_MSFT`, `capex_usd_bytedance`)."""
        return self.ticker or self.id


class Investors(Strict):
    count: int = num(1000, unit="investors", lo=100, hi=100000, ge=1, le=1_000_000, doc="size of the population")
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
        1.0, unit="1/year", lo=0.5, hi=8, gt=0, doc="speed at which fundamentalists expect price to meet value"
    )
    momentum_halflife_days: float = num(20, unit="days", lo=5, hi=120, gt=0, doc="memory of trend followers")
    trend_strength: float = num(
        0.003, unit="1", lo=0, hi=0.02, ge=0, doc="share of the trend's yearly return trend followers expect to go on"
    )
    sentiment_sd_per_year: float = num(
        0.2, unit="1/year", lo=0.05, hi=1, ge=0, doc="spread of noise traders' common sentiment (excess return)"
    )
    sentiment_halflife_days: float = num(
        20, unit="days", lo=5, hi=120, gt=0, doc="how long a swing of sentiment takes to fade by half"
    )
    sentiment_factor_share: float = num(
        0.5, unit="fraction", lo=0, hi=1, ge=0, le=1, doc="share of sentiment's swings common to all AI firms"
    )
    overweight_limit: float = num(
        0.8,
        unit="fraction",
        lo=0.3,
        hi=2,
        gt=0,
        doc="largest tilt above market weight: 1 + it is the most an investor holds of its weight (leverage)",
    )
    underweight_limit: float = num(
        0.8,
        unit="fraction",
        lo=0.3,
        hi=0.95,
        gt=0,
        lt=1,
        doc="largest tilt below market weight: below 1, so nobody is short (short positions are not modelled)",
    )
    discount_rate_per_year: float = num(
        0.1, unit="1/year", lo=0.07, hi=0.14, gt=0, doc="rate at which investors discount expected cash flows"
    )
    terminal_growth_per_year: float = num(
        0.03, unit="1/year", lo=0.0, hi=0.05, ge=-0.1, doc="growth of AI cash flows in the long run"
    )
    growth_fade_years: float = num(
        1.5, unit="years", lo=0.5, hi=5, gt=0, doc="time constant over which expected growth fades to terminal"
    )
    start_growth_belief_per_year: float = num(
        0.2, unit="1/year", lo=0.0, hi=0.6, ge=-1, le=4, doc="growth of AI revenue investors expect at the start"
    )
    growth_memory_days: float = num(
        180, unit="days", lo=30, hi=720, gt=0, doc="half-life of the reported growth investors' belief follows"
    )
    growth_belief_sd: float = num(0.1, unit="1/year", lo=0, hi=0.3, ge=0, doc="disagreement about growth")
    revenue_news_interval_days: float = num(
        4, unit="days", lo=1, hi=30, ge=1, doc="mean days between news of the firms' AI revenue (random days)"
    )
    fitness_halflife_days: float = num(
        60, unit="days", lo=5, hi=365, gt=0, doc="memory of the strategies' profits that switching reads"
    )
    attention_lag_days: float = num(
        3, unit="days", lo=0, hi=30, ge=0, doc="mean delay before an investor acts on news it can see"
    )
    jevons_belief_mean: float = num(
        -0.2,
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
        30, unit="year", lo=0, hi=60, ge=0, doc="Brock-Hommes intensity of choice, on profits per year"
    )
    loyal_share: float = num(
        0.4, unit="fraction", lo=0.2, hi=0.9, ge=0, le=1, doc="investors who never change strategy"
    )
    switching_rate_per_year: float = num(
        20, unit="1/year", lo=0, hi=52, ge=0, doc="how often an investor reconsiders its strategy"
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
    covers_rentals: bool = Field(
        False,
        description="also bars the destinations' labs from renting the chips it controls in data centres abroad "
        "(remote access), with the same enforcement; false leaves that channel open, as every rule to 2025 did",
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
# The event models by their `kind`, as the discriminated union `Event` reads them.
EVENT_KINDS = {
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
    distillation_max_lift: float = num(
        0.5,
        unit="capability",
        lo=0.2,
        hi=2,
        gt=0,
        doc="most a distillation can lift a student over its own pretrained model (diminishing returns)",
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
    services_price_elasticity: float = num(
        1.0,
        unit="1",
        lo=0.5,
        hi=1.5,
        ge=0,
        doc="price elasticity of users' demand for AI service (above 1, cheaper AI raises spending: Jevons)",
    )
    capacity_q_elasticity: float = num(
        0.5,
        unit="1",
        lo=0.0,
        hi=1.5,
        ge=0,
        doc="how a listed chipmaker's capacity investment answers its share price against its past year (0: not)",
    )
    capacity_q_memory_days: float = num(
        365, unit="days", lo=90, hi=730, gt=0, doc="half-life of the past share price that investment compares with"
    )
    capex_horizon_years: float = num(
        2.0,
        unit="years",
        lo=1,
        hi=4,
        gt=0,
        le=10,
        doc="how far ahead owners plan AI data centres (the AI revenue they build for)",
    )
    capex_adjust_per_year: float = num(
        1.5, unit="1/year", lo=0.5, hi=4, gt=0, doc="speed at which an owner's AI capex moves to its plan"
    )
    capex_growth_memory_years: float = num(
        1.0, unit="years", lo=0.25, hi=3, gt=0, doc="half-life of owners' memory of their AI revenue's growth"
    )
    ai_capex_chip_share: float = num(
        0.5,
        unit="fraction",
        lo=0.3,
        hi=0.8,
        gt=0,
        le=1,
        doc="share of AI capex spent on AI chips (the rest: buildings, power, network)",
    )
    owner_net_debt_max_years: float = num(
        2.0,
        unit="years",
        lo=0.5,
        hi=4,
        ge=0,
        doc="most net debt an owner takes on, in years of its operating cash flow (investment-grade leverage)",
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
        0.5, unit="fraction", lo=0.1, hi=2, ge=0, doc="extra paid for a banned chip through smugglers"
    )
    rental_premium: float = num(
        0.5,
        unit="fraction",
        lo=0.2,
        hi=1.5,
        ge=0,
        doc="what renting a chip abroad for its service life costs over buying it (the cloud's margin)",
    )
    rental_reach: float = num(
        0.2,
        unit="fraction",
        lo=0,
        hi=1,
        ge=0,
        le=1,
        doc="share of the money controls stop that rents the chip in a cloud abroad (where no rule covers rentals)",
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
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="the overrides (`--set`, a sweep's point) it was made with, by dotted key: a record, their "
        "values already stand at the keys they name; kept in a resolved scenario.toml to label its runs",
    )
    leader: Id = Field(description="bloc whose frontier the gap is measured from")
    laggard: Id = Field(description="bloc whose gap to the leader is measured")
    time: Time
    tech: Tech = Field(default_factory=Tech)
    markets: Markets = Field(default_factory=Markets)
    investors: Investors = Field(default_factory=Investors)
    blocs: list[Bloc]
    chips: list[Chip]
    chipmakers: list[Chipmaker]
    owners: list[Owner]
    labs: list[Lab]
    regulators: list[Regulator] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """Its name, and the overrides it was made with: how results, reports and figures name its runs
        (`baseline with labs.deepseek.research_share=0.3`), so that a changed run is never read as the file's."""
        if not self.overrides:
            return self.name
        return f"{self.name} with " + ", ".join(f"{key}={value}" for key, value in self.overrides.items())

    def chip(self, chip_id: str) -> Chip:
        return next(c for c in self.chips if c.id == chip_id)

    @property
    def listed_firms(self) -> list[Chipmaker]:
        return [m for m in self.chipmakers if m.listed]
