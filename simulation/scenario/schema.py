"""The schema of a scenario file: one pydantic model per section, in the order of a file.

A scenario is a TOML file validated by these models (``extra="forbid"``, so a misspelt key is an
error, not a silent default). The schema is the single registry of parameters: every number in it
has a dotted name, a unit and a plausible range (`num`), and the CLI's ``--set``, sweeps and the
docs read them from here (`simulation.scenario.registry`). Only definitions live here; what the
rules do (which chips a rule controls, say) belongs to the agents and markets.

The sections are defined in modules along the seams of a file, and every name is importable from
here: `base` (identifiers, `num`, the closed tables), `actors` (blocs, chips and the agents' tables),
`timeline` (regulators and scripted events) and `mechanisms` (the tables of the model's
mechanisms: tech, services, capex, chipmaking, chip_market, measures). This module holds
`Time` and `Scenario`, the file as a whole.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, model_validator

from simulation.scenario.actors import Bloc, Chip, Chipmaker, Index, Investors, Lab, Owner, Supplier
from simulation.scenario.base import Closed as Closed
from simulation.scenario.base import Id, Strict, num
from simulation.scenario.mechanisms import Capex, Chipmaking, ChipMarket, Measures, Services, SupplyChain, Tech
from simulation.scenario.timeline import EVENT_KINDS as EVENT_KINDS
from simulation.scenario.timeline import ApiTerms as ApiTerms
from simulation.scenario.timeline import Breakthrough as Breakthrough
from simulation.scenario.timeline import Dated as Dated
from simulation.scenario.timeline import DistillationControl as DistillationControl
from simulation.scenario.timeline import EquipmentControl as EquipmentControl
from simulation.scenario.timeline import Event, Regulator
from simulation.scenario.timeline import FundingRound as FundingRound
from simulation.scenario.timeline import OpenWeights as OpenWeights
from simulation.scenario.timeline import Policy as Policy
from simulation.scenario.timeline import Reaction as Reaction
from simulation.scenario.timeline import Rule as Rule
from simulation.scenario.timeline import RuleChange as RuleChange


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
    services: Services = Field(default_factory=Services)
    capex: Capex = Field(default_factory=Capex)
    chipmaking: Chipmaking = Field(default_factory=Chipmaking)
    chip_market: ChipMarket = Field(default_factory=ChipMarket)
    supply_chain: SupplyChain = Field(default_factory=SupplyChain)
    measures: Measures = Field(default_factory=Measures)
    investors: Investors = Field(default_factory=Investors)
    blocs: list[Bloc]
    chips: list[Chip]
    chipmakers: list[Chipmaker]
    owners: list[Owner]
    labs: list[Lab]
    suppliers: list[Supplier] = Field(
        default_factory=list, description="the supply chain's firms (none: its flows go to firms outside the model)"
    )
    regulators: list[Regulator] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    indices: list[Index] | None = Field(
        None,
        description="cap-weighted indices recorded besides `ai_index` (every listed firm), each a column named by "
        "its id; none: `ai_index` alone",
    )

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
