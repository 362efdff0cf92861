"""The sections of a scenario file that set how the model's mechanisms work, one table for each
part of the model that reads it: `tech` (training, efficiency, breakthroughs, distillation),
`services` (the AI-services market and owners' AI margin), `capex` (owners' AI capex plans),
`chipmaking` (every chipmaker's pricing and capacity investment), `chip_market` (smuggling,
rentals abroad, buyers' choice of chips) and `measures` (constants of the model's measures).

These tables, with a `funding` table since removed (labs raise named rounds, `FundingRound`), were one,
`[markets]`, until its keys were given to the parts that read them; `simulation.scenario.moved` names
where each old key went.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from simulation.scenario.base import Strict, num


class Tech(Strict):
    utilisation: float = num(0.4, unit="fraction", lo=0.2, hi=0.6, gt=0, le=1, doc="model FLOP utilisation")
    training_run_days: float = num(120, unit="days", lo=30, hi=365, gt=0, doc="length of a frontier training run")
    depreciation_per_year: float = num(
        0.25, unit="1/year", lo=0.1, hi=0.5, ge=0, le=2, doc="rate at which chips leave the fleet"
    )
    cluster_build_days: float = num(
        180, unit="days", lo=90, hi=365, gt=0, doc="time to build a cluster: chips bought meanwhile go into it"
    )
    site_power_mw: float = num(
        300, unit="MW", lo=50, hi=1000, gt=0, doc="most power one data-centre site could draw at the start"
    )
    site_power_growth_per_year: float = num(
        0.5, unit="1/year", lo=0.2, hi=1.0, ge=0, le=5, doc="growth of the most power one site can draw"
    )
    site_overhead: float = num(
        2.1,
        unit="x",
        lo=1.5,
        hi=2.5,
        ge=1,
        le=5,
        doc="power a site draws per watt of accelerator board power (host servers, network, cooling)",
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
    imitation_fraction: float = num(
        0.3,
        unit="fraction",
        lo=0,
        hi=0.8,
        ge=0,
        lt=1,
        doc="share of its gap to the best published (open-weights) base model a lab's new base closes by imitation",
    )
    imitation_max_lift: float = num(
        0.5,
        unit="capability",
        lo=0.1,
        hi=1.5,
        gt=0,
        doc="most imitation can lift a base over what the lab's own compute and methods give (talent, data)",
    )
    release_lag_days: float = num(
        60.0, unit="days", lo=0, hi=240, ge=0, doc="time from the end of a pretraining run to the model's release"
    )
    reasoning_date: date = Field(
        date(2024, 9, 12),
        description="first day reasoning (RL) post-training exists: the world's best lab has it (scripted: o1-preview)",
    )
    reasoning_reproduce_days: float = num(
        100.0,
        unit="days",
        lo=30,
        hi=365,
        gt=0,
        doc="mean time for another lab to find reasoning post-training on its own, at the reference research share",
    )
    reasoning_share: float = num(
        0.1,
        unit="fraction",
        lo=0.02,
        hi=0.5,
        ge=0,
        le=1,
        doc="compute a lab with the method spends on reasoning post-training, as a share of its run's",
    )
    reasoning_lift_per_decade: float = num(
        0.3,
        unit="capability/decade",
        lo=0.1,
        hi=0.6,
        ge=0,
        doc="capability reasoning post-training adds per decade of its compute",
    )
    reasoning_reference_ratio: float = num(
        0.005,
        unit="fraction",
        lo=0.001,
        hi=0.05,
        gt=0,
        doc="reasoning compute, as a share of the base's pretraining, from which returns are counted in decades",
    )


class Services(Strict):
    """The AI-services market of each bloc (`simulation.markets.services`), and the AI margin owners book on
    their labs' revenue."""

    cost_share: float = num(
        0.6,
        unit="fraction",
        lo=0.3,
        hi=0.9,
        ge=0,
        lt=1,
        doc="share of AI-services revenue spent on serving (electricity included) and staff",
    )
    capability_sensitivity: float = num(
        2.0, unit="1/capability", lo=0.5, hi=5, ge=0, doc="how strongly market share follows capability"
    )
    price_elasticity: float = num(
        1.0,
        unit="1",
        lo=0.5,
        hi=1.5,
        ge=0,
        doc="price elasticity of users' demand for AI service (above 1, cheaper AI raises spending: Jevons)",
    )
    expected_price_fall_per_year: float = num(
        4.0,
        unit="x/year",
        lo=2,
        hi=10,
        ge=1,
        doc="fall in the price of service users expected (their spending path answered it already)",
    )
    start_price_usd_per_mtok: float = num(
        20.0, unit="USD/Mtoken", lo=2, hi=60, gt=0, doc="price of a million tokens of the best model at the start"
    )


class Capex(Strict):
    """Owners' plans for AI data centres and chips (`simulation.agents.owner`)."""

    horizon_years: float = num(
        2.0,
        unit="years",
        lo=1,
        hi=4,
        gt=0,
        le=10,
        doc="how far ahead owners plan AI data centres (the AI revenue they build for)",
    )
    adjust_per_year: float = num(
        1.5, unit="1/year", lo=0.5, hi=4, gt=0, doc="speed at which an owner's AI capex moves to its plan"
    )
    growth_memory_years: float = num(
        1.0, unit="years", lo=0.25, hi=3, gt=0, doc="half-life of owners' memory of their AI revenue's growth"
    )
    chip_share: float = num(
        0.5,
        unit="fraction",
        lo=0.3,
        hi=0.8,
        gt=0,
        le=1,
        doc="share of AI capex spent on AI chips (the rest: buildings, power, network)",
    )
    net_debt_max_years: float = num(
        2.0,
        unit="years",
        lo=0.5,
        hi=4,
        ge=0,
        doc="most net debt an owner takes on, in years of its operating cash flow (investment-grade leverage)",
    )


class SupplyChain(Strict):
    """How the model's flows pay the supply chain's segments (`simulation.firms.chain`): of the owners' AI
    capex beyond chips, the networking and the servers' other parts; the electricity of their accelerators;
    of the foundry's capex and of what subsidies build, the chip-making tools. The foundry and memory are
    paid from each chip's unit cost (`chips.<id>.foundry_cost_share`, `hbm_cost_share`), the server makers
    also from the accelerators they build into servers."""

    networking_share: float = num(
        0.2,
        unit="fraction",
        lo=0.05,
        hi=0.4,
        ge=0,
        le=1,
        doc="share of owners' AI capex beyond chips spent on networking (switches, NICs, optics)",
    )
    servers_share: float = num(
        0.25,
        unit="fraction",
        lo=0.1,
        hi=0.4,
        ge=0,
        le=1,
        doc="share of owners' AI capex beyond chips spent on the servers' other parts and assembly",
    )
    electricity_usd_per_mwh: float = num(
        80.6, unit="USD/MWh", lo=40, hi=150, gt=0, doc="price data centres pay for electricity"
    )
    equipment_share: float = num(
        0.75,
        unit="fraction",
        lo=0.6,
        hi=0.85,
        ge=0,
        le=1,
        doc="share of a fab's capex spent on chip-making tools (the equipment segment; the rest: buildings, "
        "cleanrooms)",
    )

    @model_validator(mode="after")
    def _within(self) -> SupplyChain:
        if self.networking_share + self.servers_share > 1.0:
            raise ValueError("networking_share + servers_share must be at most 1: both are parts of the same capex")
        return self


class Chipmaking(Strict):
    """Every chipmaker's pricing and its capacity investment by Tobin's q (`simulation.agents.chipmaker`)."""

    price_adjust_per_year: float = num(
        1.0, unit="1/year", lo=0.1, hi=5, ge=0, doc="speed at which chip prices answer excess demand"
    )
    markup_max: float = num(2.0, unit="x", lo=1.2, hi=4, ge=1, doc="highest price over list a maker charges")
    markup_min: float = num(0.6, unit="x", lo=0.3, hi=1, gt=0, le=1, doc="lowest price over list")
    q_elasticity: float = num(
        0.5,
        unit="1",
        lo=0.0,
        hi=1.5,
        ge=0,
        doc="how a listed chipmaker's capacity investment answers its share price against its past year (0: not)",
    )
    q_memory_days: float = num(
        365, unit="days", lo=90, hi=730, gt=0, doc="half-life of the past share price that investment compares with"
    )


class ChipMarket(Strict):
    """The chip market (`simulation.markets.chips.ChipMarket`): smuggling past controls and rentals in clouds
    abroad, each a supply whose premium rises with its load (`simulation.markets.supply`), and how labs choose
    among the chips offered."""

    smuggling_premium: float = num(
        0.1,
        unit="fraction",
        lo=0.02,
        hi=0.5,
        ge=0,
        doc="premium over the maker's price smugglers charge for a trickle (couriers and middlemen)",
    )
    smuggling_premium_slope: float = num(
        0.4,
        unit="fraction",
        lo=0.1,
        hi=2,
        ge=0,
        doc="premium added per unit of the smugglers' load (volume over the capacity enforcement leaves open)",
    )
    smuggling_capacity_chips_per_year: float = num(
        1e6,
        unit="chips/year",
        lo=1e5,
        hi=1e7,
        gt=0,
        doc="volume at which smugglers' load is 1 with no enforcement; a rule leaves (1 - enforcement) of it open",
    )
    seizure_rate: float = num(
        0.03,
        unit="1",
        lo=0.005,
        hi=0.2,
        ge=0,
        doc="chance a smuggled chip is seized is 1 - exp(-seizure_rate x load): about this at load 1",
    )
    rental_premium: float = num(
        0.5,
        unit="fraction",
        lo=0.2,
        hi=1.5,
        ge=0,
        doc="what renting a chip for its service life costs over buying it, at little volume (the cloud's margin)",
    )
    rental_premium_slope: float = num(
        0.5,
        unit="fraction",
        lo=0.1,
        hi=2,
        ge=0,
        doc="rental premium added per unit of the load on clouds abroad that lease controlled chips to a bloc",
    )
    rental_capacity_chips_per_year: float = num(
        2e5,
        unit="chips/year",
        lo=2e4,
        hi=2e6,
        gt=0,
        doc="controlled chips a year clouds abroad lease to a bloc at load 1 (no rule covering rentals)",
    )
    supply_memory_days: float = num(
        365.0,
        unit="days",
        lo=60,
        hi=730,
        gt=0,
        doc="the smuggled and rented volumes that load the channels are averaged over about this long",
    )
    leak_delay_days: float = num(
        60.0, unit="days", lo=0, hi=180, ge=0, doc="time for a smuggled chip to reach the lab that paid for it"
    )
    choice_sensitivity: float = num(
        6.0,
        unit="1",
        lo=1,
        hi=20,
        ge=0,
        doc="how strongly labs concentrate orders on the best compute per dollar (logit in log FLOP/$)",
    )


class Measures(Strict):
    """Constants of the model's measures (`simulation.measures`): the gap in months."""

    prestart_frontier_growth_per_year: float = num(
        1.0,
        unit="capability/year",
        lo=0.5,
        hi=1.5,
        gt=0,
        doc="growth of the leading frontier before start, used only to date gaps that reach back before start",
    )
