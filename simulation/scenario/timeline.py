"""The sections of a scenario file that change the world on dates: regulators (export controls,
tool controls, industrial policy, distillation bans and their reactions) and scripted events.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulation.scenario.base import Id, Strict, num


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
    hbm_enforcement: float = num(
        0.0,
        unit="fraction",
        lo=0,
        hi=1,
        ge=0,
        le=1,
        doc="share of HBM imports to the destinations stopped",
    )


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


class FundingRound(Strict):
    """A lab raises money from outside investors: a round that happened (its source in `sources`) or one a
    scenario supposes."""

    kind: Literal["funding_round"]
    id: Id
    lab: Id
    date: date
    amount_usd: float = num(unit="USD", lo=1e7, hi=1e11, gt=0, doc="money the lab raises")
    investors: str = Field("", description="who put the money in")
    description: str = ""


Event = Annotated[Breakthrough | OpenWeights | ApiTerms | RuleChange | FundingRound, Field(discriminator="kind")]
# The event models by their `kind`, as the discriminated union `Event` reads them.
EVENT_KINDS = {
    "breakthrough": Breakthrough,
    "open_weights": OpenWeights,
    "api_terms": ApiTerms,
    "rule_change": RuleChange,
    "funding_round": FundingRound,
}
