"""The sections of a scenario file that describe the world and its actors: the blocs and their
markets, the chips, and the agents (chipmakers, owners, labs and the investors).

Each table sets an agent's state at the start and its own behaviour; the rules that shape the
whole model's mechanisms are in `simulation.scenario.mechanisms`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulation.scenario.base import Id, Strict, num


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
    growth_halflife_years: float | None = num(
        None,
        unit="years",
        lo=1,
        hi=20,
        gt=0,
        doc="years over which the growth rate of the market halves (none: constant growth)",
    )


class Chip(Strict):
    id: Id
    name: str
    maker: Id
    launch: date = Field(description="first day it can be bought")
    discontinued: date | None = Field(None, description="last day it is sold")
    variant_of: Id | None = Field(None, description="the chip this one is a compliant variant of")
    sold_to: list[Id] = Field(default_factory=list, description="blocs it is sold to (empty: every bloc)")
    made_for: list[Id] = Field(
        default_factory=list,
        description="owners it is made for alone (a custom accelerator: Google's TPUs); empty: sold on the market",
    )
    tflops_16bit: float = num(unit="TFLOP/s", lo=10, hi=20000, gt=0, doc="dense 16-bit throughput")
    interconnect_gb_s: float = num(unit="GB/s", lo=0, hi=5000, ge=0, doc="chip-to-chip bandwidth")
    die_area_mm2: float = num(unit="mm^2", lo=100, hi=5000, gt=0, doc="die area (for performance density)")
    price_usd: float = num(unit="USD", lo=1000, hi=100000, gt=0, doc="list price per chip")
    unit_cost_usd: float = num(unit="USD", lo=500, hi=50000, gt=0, doc="maker's cost per chip")
    power_kw: float = num(unit="kW", lo=0.2, hi=3, gt=0, le=20, doc="board power (TDP) of one chip")
    hbm_stacks: float = num(
        0.0,
        unit="stacks",
        lo=0,
        hi=12,
        ge=0,
        doc="high-bandwidth memory stacks on one chip (counted against a maker's memory supply, if it has one)",
    )
    foundry_cost_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.4,
        ge=0,
        le=1,
        doc="share of its unit cost paid to the foundry segment (logic die and advanced packaging); 0: a foundry "
        "outside the model (SMIC)",
    )
    hbm_cost_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.6,
        ge=0,
        le=1,
        doc="share of its unit cost paid to the memory segment for its HBM; 0: memory bought outside the model",
    )
    packages_per_wafer: float | None = num(
        None,
        unit="chips/wafer",
        lo=5,
        hi=60,
        gt=0,
        doc="chips one wafer of the foundry's advanced packaging (CoWoS interposer) holds: what a chip of a maker "
        "that packages there takes of the packaging; none: packaged elsewhere",
    )

    @property
    def tpp(self) -> float:
        """Total processing performance as BIS defines it: 2 x MacTOPS x bit length = TFLOP/s x 16."""
        return self.tflops_16bit * 16

    @property
    def performance_density(self) -> float:
        return self.tpp / self.die_area_mm2


class RunAtStart(Strict):
    """The model a lab had finished or was training on the first day, released on its day."""

    flop: float = num(unit="FLOP", lo=1e22, hi=1e26, gt=0, doc="training compute of the run (physical FLOP)")
    release: date = Field(description="the day its model is released")


class Lab(Strict):
    id: Id
    name: str
    bloc: Id
    owner: Id = Field(description="the owner (`owners`) that pays for its data centres and books its revenue")
    cash_usd: float = num(unit="USD", lo=0, hi=1e12, ge=0, doc="cash at start")
    fleet: dict[Id, float] = Field(
        default_factory=dict,
        description="chips its owner holds for its work at start, by chip id: one cluster, ready (its largest)",
    )
    capability: float = num(
        unit="log10 FLOP", lo=20, hi=30, ge=0, le=40, doc="capability of its best released model at start"
    )
    run_at_start: RunAtStart | None = Field(
        None, description="the run it had under way or finished on the first day, and its model's release"
    )
    efficiency: float = num(
        1.0, unit="x", lo=0.1, hi=10, gt=0, doc="algorithmic efficiency at start, relative to 2023 methods"
    )
    open_weights: bool = Field(False, description="releases its models' weights")
    api_terms_enforced: bool = Field(True, description="its API terms stop others distilling its models")
    distils: bool = Field(True, description="distils from a stronger model it can reach")
    capex_share_per_year: float = num(
        0.5, unit="1/year", lo=0.2, hi=2, gt=0, le=12, doc="share of its cash it commissions chips with per year"
    )
    training_share: float = num(
        0.7, unit="fraction", lo=0.05, hi=1, gt=0, le=1, doc="share of its largest ready cluster a frontier run takes"
    )
    research_share: float = num(
        0.2,
        unit="fraction",
        lo=0.05,
        hi=0.5,
        ge=0,
        le=1,
        doc="share of its compute outside the frontier run spent on efficiency research",
    )


class ChipSupply(Strict):
    """A chipmaker whose output follows from the wafers a foundry gives it and the memory it can get
    (`Chipmaker.produce`): good dies from its share of the foundry's advanced-node wafers (dies per wafer
    from the die's area, times the yield) and any dies bought elsewhere, packaged with its chips' HBM
    stacks from a stock fed by imports (which HBM controls stop) and domestic memory."""

    foundry_wafers_per_month: float = num(
        unit="wafers/month", lo=1e3, hi=2e5, gt=0, doc="the foundry's advanced-node (7nm-class) wafer starts at start"
    )
    foundry_growth_per_year: float = num(
        unit="1/year", lo=0, hi=1.5, ge=-0.9, le=10, doc="growth of those wafer starts (equipment controls cap it)"
    )
    foundry_share: float = num(
        unit="fraction",
        lo=0.01,
        hi=0.5,
        gt=0,
        le=1,
        doc="share of the foundry's advanced wafers that go to its AI chips",
    )
    yield_start: float = num(unit="fraction", lo=0.05, hi=0.9, gt=0, le=1, doc="share of good dies at start")
    yield_gain_per_year: float = num(
        0.0, unit="1/year", lo=0, hi=0.2, ge=0, doc="yield gained a year (up to 0.9, a mature node's)"
    )
    bought_dies_per_year: float = num(
        0.0, unit="dies/year", lo=0, hi=5e6, ge=0, doc="good dies a year from another foundry (through intermediaries)"
    )
    bought_dies_until: date | None = Field(None, description="last day dies are bought from the other foundry")
    memory_stock_stacks: float = num(0.0, unit="stacks", lo=0, hi=2e7, ge=0, doc="HBM stacks on hand at start")
    memory_imports_stacks_per_year: float = num(
        0.0, unit="stacks/year", lo=0, hi=1e7, ge=0, doc="HBM stacks a year bought abroad (HBM controls stop them)"
    )
    memory_stockpiled_before_control_stacks: float = num(
        0.0,
        unit="stacks",
        lo=0,
        hi=2e7,
        ge=0,
        doc="HBM stacks bought ahead of an HBM control, between its announcement and its deadline (on its date)",
    )
    domestic_memory_stacks_per_year: float = num(
        0.0, unit="stacks/year", lo=0, hi=2e7, ge=0, doc="HBM stacks a year from home makers once they produce"
    )
    domestic_memory_from: date | None = Field(None, description="first day home makers deliver HBM")
    domestic_memory_growth_per_year: float = num(
        0.0, unit="1/year", lo=0, hi=1.5, ge=0, le=10, doc="growth of home HBM output"
    )


class Chipmaker(Strict):
    id: Id
    name: str
    bloc: Id
    ticker: str | None = Field(None, description="listed firms have a ticker, shares and a share price")
    shares_outstanding: float | None = num(None, unit="shares", lo=1e8, hi=1e11, gt=0, doc="shares outstanding")
    share_price_usd: float | None = num(None, unit="USD", lo=1, hi=1e4, gt=0, doc="share price at start")
    capacity_chips_per_year: float | None = num(
        None, unit="chips/year", lo=1e4, hi=1e8, ge=0, doc="AI chips it can make a year (if it has no `supply`)"
    )
    capacity_growth_per_year: float | None = num(
        None, unit="1/year", lo=0.0, hi=1.5, ge=-0.9, le=10, doc="growth of capacity when demand fills it"
    )
    supply: ChipSupply | None = Field(
        None, description="its output follows from a foundry's wafers and its memory supply instead of a capacity"
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
    division_of: Id | None = Field(
        None,
        description="the supplier it is a division of (Broadcom's custom accelerators): its sales count in that "
        "firm's revenue too",
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
    def _capacity(self) -> Chipmaker:
        capacity = [self.capacity_chips_per_year is not None, self.capacity_growth_per_year is not None]
        if self.supply is None and not all(capacity):
            raise ValueError("a chipmaker needs capacity_chips_per_year and capacity_growth_per_year, or a supply")
        if self.supply is not None and any(capacity):
            raise ValueError("a chipmaker with a supply has no capacity_chips_per_year or capacity_growth_per_year")
        return self

    @model_validator(mode="after")
    def _listing(self) -> Chipmaker:
        listed = [self.ticker is not None, self.shares_outstanding is not None, self.share_price_usd is not None]
        if any(listed) and not all(listed):
            raise ValueError("a listed chipmaker needs ticker, shares_outstanding and share_price_usd together")
        if self.division_of is not None and self.ticker is not None:
            raise ValueError("a division has no listing of its own: its firm's (division_of) is its listing")
        return self

    @property
    def listed(self) -> bool:
        return self.ticker is not None

    @property
    def label(self) -> str:
        """How results name it: its ticker, or its id (`revenue_ai_usd_NVDA`, `revenue_ai_usd_huawei`)."""
        return self.ticker or self.id


class Index(Strict):
    """A cap-weighted index of listed firms besides the AI index of them all, 100 at the start. Its column in
    model.parquet is its id, which ends in `_index` so that it is told apart from every other column."""

    id: Id
    name: str = Field("", description="its name in words, for readers of the scenario")
    members: list[Id] = Field(description="the listed firms in it, by id")


# A firm's base business (everything but AI), sized from its last annual report before the start: the five
# numbers owners and suppliers share, each declared once (unit, plausible range covering both kinds of firm,
# bounds, meaning). Annotated types rather than a base class: an inherited field comes first in a table, so
# a resolved scenario.toml would list a firm's cash before its id.
Cash = Annotated[float, num(unit="USD", lo=0, hi=5e11, ge=0, doc="cash and short-term investments at start")]
BaseRevenue = Annotated[
    float, num(unit="USD/year", lo=0, hi=1e12, ge=0, doc="revenue of its non-AI business over the year before start")
]
BaseRevenueGrowth = Annotated[
    float, num(unit="1/year", lo=-0.2, hi=0.5, ge=-0.9, le=5, doc="growth of that revenue (0.1 = +10% a year)")
]
BaseCashMargin = Annotated[
    float,
    num(
        unit="fraction",
        lo=0,
        hi=0.7,
        ge=-1,
        le=1,
        doc="operating cash flow of the non-AI business per dollar of its revenue",
    ),
]
CapexBeforeStart = Annotated[
    float,
    num(
        unit="USD/year",
        lo=0,
        hi=2e11,
        ge=0,
        doc="capital expenditure over the year before start (an owner's: AI and non-AI, `ai_capex_share` of it AI)",
    ),
]


class Owner(Strict):
    """The firm that owns a lab and pays for its data centres: a listed platform (with a ticker) or a
    private firm. Its base business (everything but AI) is sized from its last annual report before
    the start; its AI capex answers the AI revenue its labs earn and the revenue it expects."""

    id: Id
    name: str
    bloc: Id
    ticker: str | None = Field(None, description="main US ticker of a listed owner (none: private)")
    cash_usd: Cash
    base_revenue_usd_per_year: BaseRevenue
    base_revenue_growth_per_year: BaseRevenueGrowth
    base_cash_margin: BaseCashMargin
    capex_usd_per_year: CapexBeforeStart
    ai_capex_share: float = num(
        unit="fraction", lo=0, hi=1, ge=0, le=1, doc="share of that capex spent on AI data centres and chips"
    )
    installed: dict[Id, float] = Field(
        default_factory=dict,
        description="accelerators it holds at start beside its labs' fleets (its own and its cloud customers' "
        "work), by chip id",
    )
    rentals_abroad_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.5,
        ge=0,
        le=1,
        doc="its share of the rental channel: the chips clouds outside a controlled bloc buy and lease to it",
    )
    custom_chip_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.8,
        ge=0,
        le=1,
        doc="share of its chip budget spent on the accelerators made for it (`chips.<id>.made_for`), while one is "
        "on sale: the split between its own chips and the market's",
    )

    @property
    def label(self) -> str:
        """How results name it: its ticker, or its id for a private owner (`capex_usd_MSFT`, `capex_usd_bytedance`)."""
        return self.ticker or self.id


class Packaging(Strict):
    """The foundry's advanced packaging (TSMC's CoWoS): the step that caps how many leading accelerators can be
    made. Its capacity, in interposer wafers a month, is shared by the designers that book it (the chipmakers
    with no `supply` of their own) and by customers outside the model; it grows by the foundry's own capex
    while the bookings exceed it, faster the more they do."""

    wafers_per_month: float = num(
        unit="wafers/month", lo=1e3, hi=2e5, gt=0, doc="packaging capacity at the start, all customers"
    )
    growth_max_per_year: float = num(
        unit="1/year",
        lo=0.2,
        hi=2.0,
        ge=0,
        le=5,
        doc="log growth a year of the capacity while the bookings are twice it or more; in proportion to their "
        "excess below that, none once it holds them",
    )
    outside_share: float = num(
        unit="fraction",
        lo=0,
        hi=0.6,
        ge=0,
        lt=1,
        doc="share of the capacity booked by customers outside the model (custom accelerators, other designers)",
    )
    capex_usd_per_wafer_month: float = num(
        unit="USD/(wafer/month)", lo=3e4, hi=5e5, gt=0, doc="the foundry's capex for one more wafer a month"
    )


SEGMENTS = ("foundry", "equipment", "memory", "networking", "servers", "power")
"""The supply chain's segments, each paid by a flow of the model (`simulation.firms.chain`)."""


class Supplier(Strict):
    """A firm of the AI supply chain: the foundry, a maker of chip-making tools, a memory maker, networking, a
    server maker or a power company. Its AI revenue is its share of its segment's flow in the model (for a
    toolmaker, the part of it that builds capacity for AI chips); beside it runs its non-AI base business,
    sized from its last annual report before the start."""

    id: Id
    name: str
    bloc: Id
    ticker: str | None = Field(None, description="main US ticker (none: not listed in the US)")
    segment: Literal["foundry", "equipment", "memory", "networking", "servers", "power"] = Field(
        description="the flow it is paid from: " + ", ".join(SEGMENTS)
    )
    sells_to: list[Id] = Field(
        default_factory=list, description="the blocs whose payers it sells to (empty: every bloc)"
    )
    market_share: float = num(
        unit="fraction", lo=0, hi=1, ge=0, le=1, doc="its share of its segment's flow (the rest: outside the model)"
    )
    ai_cost_share: float = num(
        unit="fraction",
        lo=0.2,
        hi=0.95,
        ge=0,
        le=1,
        doc="share of its AI revenue paid on to its own suppliers (1 - gross margin of that business)",
    )
    cash_usd: Cash
    base_revenue_usd_per_year: BaseRevenue
    base_revenue_growth_per_year: BaseRevenueGrowth
    base_cash_margin: BaseCashMargin
    capex_usd_per_year: CapexBeforeStart
    sales_bloc: Id | None = Field(
        None,
        description="a bloc whose payers' money it shows apart (`revenue_from_<BLOC>_usd_<LABEL>`); for a "
        "toolmaker, the bloc whose tool controls cut its base business there",
    )
    sales_bloc_share: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=0.5,
        ge=0,
        le=1,
        doc="share of its base revenue sold in `sales_bloc` (its filings' sales by region)",
    )
    packaging: Packaging | None = Field(
        None, description="a foundry's advanced packaging, which caps the designers' output (none: no cap)"
    )

    @model_validator(mode="after")
    def _sales_bloc(self) -> Supplier:
        if self.sales_bloc_share > 0 and self.sales_bloc is None:
            raise ValueError("sales_bloc_share needs a sales_bloc: the bloc its base business sells that share in")
        return self

    @model_validator(mode="after")
    def _packaging(self) -> Supplier:
        if self.packaging is not None and self.segment != "foundry":
            raise ValueError(f"only a foundry packages chips; this supplier's segment is {self.segment}")
        return self

    @property
    def label(self) -> str:
        """How results name it: its ticker, or its id (`revenue_ai_usd_TSM`, `revenue_ai_usd_sk_hynix`)."""
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
    momentum_halflife_days: float = num(
        20, unit="trading days", lo=5, hi=120, gt=0, doc="memory of trend followers, in sessions"
    )
    trend_strength: float = num(
        0.003, unit="1", lo=0, hi=0.02, ge=0, doc="share of the trend's yearly return trend followers expect to go on"
    )
    sentiment_sd_per_year: float = num(
        0.2, unit="1/year", lo=0.05, hi=1, ge=0, doc="spread of noise traders' common sentiment (excess return)"
    )
    sentiment_halflife_days: float = num(
        20, unit="trading days", lo=5, hi=120, gt=0, doc="sessions a swing of sentiment takes to fade by half"
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
        4,
        unit="trading days",
        lo=1,
        hi=30,
        ge=1,
        doc="mean sessions between news of the firms' AI revenue (random ones)",
    )
    fitness_halflife_days: float = num(
        60,
        unit="trading days",
        lo=5,
        hi=365,
        gt=0,
        doc="memory of the strategies' profits that switching reads, in sessions",
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
