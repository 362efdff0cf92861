"""The installed base: every accelerator in the race, held by its owner in a cluster that exists.

An owner (a platform's cloud, a rental cloud, a private owner, a bloc's other buyers) holds its chips in
clusters. A cluster is built at one site over `tech.cluster_build_days`: the chips its owner buys for one
pool (the work of one of its labs, or its own: serving users and cloud customers) go into the pool's
cluster under construction until the build window closes or the site's power is used up
(`tech.site_power_mw`, which grows at `tech.site_power_growth_per_year`); then a new one is begun, on the
day the last window closed if chips kept coming (a delivery stands for the step before its day), so that the
windows fall on the same days whatever the step length. A
cluster is ready when its window closes: a frontier run can start on it only then. Its vintage is the day
it was begun, and its chips wear out at `tech.depreciation_per_year` like every chip.

A lab's compute is its pool: the clusters its owner built for its work (its own fleet, or its parent's
cloud). Compute by bloc is what the owners of the bloc have installed, and the largest cluster a lab can
use bounds its largest run (`Lab.train`).

Everything is held in arrays, one row a cluster, so that totals by pool are one matrix product a step.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.sums import dot
from simulation.tech import DAYS_PER_YEAR

GROW = 64
"""Rows added to the arrays when they are full (clusters are begun a few times a year per pool)."""


class Clusters:
    """The clusters of every owner, as rows of arrays; pools are the work the clusters serve."""

    def __init__(
        self,
        pool_owner: list[str],
        per_unit: np.ndarray,
        kw_per_unit: np.ndarray,
        build_days: float,
        site_power_mw: float,
        site_power_growth_per_year: float,
        site_overhead: float,
        step_days: float = 0.0,
    ):
        """`pool_owner`: the owner of each pool (one pool per lab and one per owner); `per_unit`, peak FLOP/s,
        effective FLOP/s and list price of one unit of each chip (rows, as the chip market keeps them);
        `kw_per_unit`, each chip's board power; a site draws `site_overhead` times its chips' board power;
        `step_days`, the days a delivery stands for (the chips came over the step before its day)."""
        self.pool_owner = pool_owner
        owners = list(dict.fromkeys(pool_owner))
        self.owner_index = {owner: i for i, owner in enumerate(owners)}
        self._owner_of_pool = np.array([self.owner_index[owner] for owner in pool_owner], dtype=int)
        self.per_unit = per_unit
        self.kw_per_unit = kw_per_unit
        self.build_days = build_days
        self.step_days = step_days
        self.site_power_mw = site_power_mw
        self.site_power_growth_per_year = site_power_growth_per_year
        self.site_overhead = site_overhead
        self.count = 0
        rows = GROW
        self.units = np.zeros((rows, per_unit.shape[1]))
        """Units of each chip (column) in each cluster (row)."""
        self.pool = np.zeros(rows, dtype=int)
        self.kw = np.zeros(rows)
        """Board power of each cluster's chips (kW), kept as chips come and wear."""
        self.begun_day = np.zeros(rows)
        self.ready_day = np.zeros(rows)
        self.building = np.full(len(pool_owner), -1)
        """The cluster each pool is building (-1: none)."""
        self.installed_total = 0.0  # units installed since the start (the accounting check: delivered = installed)
        self._totals: np.ndarray | None = None
        self._pools: np.ndarray | None = None
        self._owners: np.ndarray | None = None
        self._power: np.ndarray | None = None
        self.version = 0
        """Counts the changes to the clusters: a reader may keep what it worked out from them until it moves."""
        self._site = (math.nan, 0.0)  # the day and the power a site could draw that day

    # -- the catalogue -----------------------------------------------------------------------------

    def add_chip(self, per_unit: np.ndarray, kw_per_unit: np.ndarray) -> None:
        """A chip was designed: a new (empty) column, and the catalogue's per-unit figures as they are now."""
        self.units = np.column_stack([self.units, np.zeros(len(self.units))])
        self.per_unit, self.kw_per_unit = per_unit, kw_per_unit
        self._changed()

    # -- building ------------------------------------------------------------------------------------

    def site_power_kw(self, day: float) -> float:
        """The most power one site can draw `day` days after the start (kW)."""
        if self._site[0] != day:
            self._site = (
                day,
                self.site_power_mw * 1e3 * math.exp(math.log1p(self.site_power_growth_per_year) * day / DAYS_PER_YEAR),
            )
        return self._site[1]

    def begin(self, pool: int, day: float, ready_day: float | None = None) -> int:
        """Begin a cluster for `pool` on `day`, ready `tech.cluster_build_days` later (or on `ready_day`)."""
        if self.count == len(self.pool):
            extra = GROW
            self.units = np.vstack([self.units, np.zeros((extra, self.units.shape[1]))])
            self.pool = np.append(self.pool, np.zeros(extra, dtype=int))
            self.kw = np.append(self.kw, np.zeros(extra))
            self.begun_day = np.append(self.begun_day, np.zeros(extra))
            self.ready_day = np.append(self.ready_day, np.zeros(extra))
        k = self.count
        self.count += 1
        self.pool[k] = pool
        self.begun_day[k] = day
        self.ready_day[k] = day + self.build_days if ready_day is None else ready_day
        self.building[pool] = k
        return k

    def install(self, pool: int, units: np.ndarray, day: float, kw: float | None = None) -> None:
        """Chips delivered for `pool` on `day` (`kw`: their board power, if the caller has it) go into the
        cluster it is building: a new one is begun when none is open, its build window has closed, or the
        site's power is used up (what does not fit goes into the next)."""
        self._changed()
        self.installed_total += float(units.sum())
        cap = self.site_power_kw(day) / self.site_overhead
        left, need = units, float(dot(units, self.kw_per_unit)) if kw is None else kw
        while True:
            k = int(self.building[pool])
            if k < 0 or day >= self.ready_day[k]:
                # The chips came over the step before `day`: the next cluster begins when that step began, or,
                # if the last window closed within it, when it closed (not on `day`, which would start every
                # window up to a step late and let the windows drift later the longer the step).
                closed = float(self.ready_day[k]) if k >= 0 else -math.inf
                k = self.begin(pool, max(closed, day - self.step_days))
            held = self.kw[k]
            if need <= cap - held or held == 0:  # an empty site takes a delivery whatever its size
                self.units[k] += left
                self.kw[k] += need
                return
            part = max(cap - held, 0.0) / need
            self.units[k] += left * part
            self.kw[k] += need * part
            left, need = left * (1.0 - part), need * (1.0 - part)
            self.building[pool] = -1  # the site is full: the rest starts the next

    def wear(self, keep: float) -> None:
        """Every cluster keeps a share `keep` of its chips (the rest wear out)."""
        self.units[: self.count] *= keep
        self.kw[: self.count] *= keep
        self._changed()

    def _changed(self) -> None:
        """The chips or their per-unit figures changed: the totals are worked out again when next read."""
        self._totals = self._pools = self._owners = self._power = None
        self.version += 1

    # -- reading -------------------------------------------------------------------------------------

    def totals(self) -> np.ndarray:
        """Peak FLOP/s, effective FLOP/s and list value (columns) of each cluster (rows), kept until a change."""
        if self._totals is None:
            self._totals = dot(self.units[: self.count], self.per_unit.T)
        return self._totals

    def pool_totals(self) -> np.ndarray:
        """Peak FLOP/s, effective FLOP/s and list value (columns) of each pool (rows), kept until a change."""
        if self._pools is None:
            pool, totals, n = self.pool[: self.count], self.totals(), len(self.pool_owner)
            self._pools = np.column_stack([np.bincount(pool, totals[:, j], minlength=n) for j in range(3)])
        return self._pools

    def owner_totals(self) -> np.ndarray:
        """Peak FLOP/s, effective FLOP/s and list value (columns) each owner holds (rows, as `owner_index`)."""
        if self._owners is None:
            pools, n = self.pool_totals(), len(self.owner_index)
            self._owners = np.column_stack(
                [np.bincount(self._owner_of_pool, pools[:, j], minlength=n) for j in range(3)]
            )
        return self._owners

    def owner_power_kw(self, owner: str) -> float:
        """Board power (kW) of the chips `owner` holds, in every pool it owns."""
        if self._power is None:
            pools = np.bincount(self.pool[: self.count], self.kw[: self.count], minlength=len(self.pool_owner))
            self._power = np.bincount(self._owner_of_pool, pools, minlength=len(self.owner_index))
        return float(self._power[self.owner_index[owner]])

    def units_of(self, pool: int) -> np.ndarray:
        """Units of each chip in the pool's clusters."""
        return self.units[: self.count][self.pool[: self.count] == pool].sum(axis=0)

    def largest_ready(self, pools: list[int] | np.ndarray, day: float) -> int:
        """The ready cluster of the most effective FLOP/s among `pools` (-1: none is ready)."""
        n = self.count
        among = np.zeros(len(self.pool_owner), dtype=bool)
        among[pools] = True
        ok = among[self.pool[:n]] & (self.ready_day[:n] <= day)
        if not ok.any():
            return -1
        return int(np.flatnonzero(ok)[np.argmax(self.totals()[ok, 1])])

    def largest_chips(self, pools: list[int] | np.ndarray, day: float) -> tuple[float, float]:
        """Peak FLOP/s and units of the largest ready cluster among `pools` (zeros: none)."""
        k = self.largest_ready(pools, day)
        if k < 0:
            return 0.0, 0.0
        return float(self.totals()[k, 0]), float(self.units[k].sum())
