"""Pure maths of the supplies that get chips past export controls (smugglers, clouds abroad), of a
chipmaker's output from foundry wafers and memory, and of the foundry's packaging (its growth with the
bookings, its split among them): no agents, so they are tested without a model.

A channel past a control is a supply whose price rises with its load: the volume it carries (an
annual rate) against the volume it can carry at that enforcement, `capacity * (1 - enforcement)`.
Enforcement closes routes (shell firms, transhippers, couriers, clouds that will lease to the
bloc): the same volume then loads the routes left open more heavily, so the premium and the chance
of being caught both rise with volume and with enforcement, and a fully enforced rule closes the
channel (infinite load).
"""

from __future__ import annotations

import math

import numpy as np

RETICLE_MM2 = 858.0
"""Largest die a lithography scanner exposes in one field (26 x 33 mm): a chip with more silicon is
made of several dies (the Ascend 910C and the B200 of two)."""

WAFER_DIAMETER_MM = 300.0


def channel_load(volume_per_year: float | np.ndarray, capacity_per_year: float, enforcement: np.ndarray) -> np.ndarray:
    """Load of a channel past a control: volume over the capacity that enforcement leaves open (inf where
    enforcement is 1, so a fully enforced rule closes the channel; 0 where nothing moves)."""
    open_capacity = capacity_per_year * (1.0 - np.asarray(enforcement, dtype=float))
    volume = np.broadcast_to(np.asarray(volume_per_year, dtype=float), open_capacity.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(open_capacity > 0, volume / np.where(open_capacity > 0, open_capacity, 1.0), np.inf)
    return load


def channel_premium(load: np.ndarray, floor: float, slope: float) -> np.ndarray:
    """Premium over the chip's price a channel charges at a load: its floor (the middlemen's margin on a
    trickle) plus `slope` per unit of load (routes get dearer as they fill): a linear supply curve."""
    return floor + slope * load


def seizure_chance(load: np.ndarray, rate: float) -> np.ndarray:
    """Chance that a smuggled chip is seized on its way: `1 - exp(-rate * load)`, about `rate * load` while
    small, rising with volume and enforcement towards 1 (a fully enforced rule seizes all)."""
    with np.errstate(over="ignore"):
        return -np.expm1(-rate * np.asarray(load, dtype=float))


def dies_per_wafer(die_area_mm2: float, diameter_mm: float = WAFER_DIAMETER_MM) -> float:
    """Gross dies of a given area on a round wafer, the usual approximation that counts the partial dies
    lost at the edge: pi r^2 / A - pi d / sqrt(2 A)."""
    radius = diameter_mm / 2
    return max(math.pi * radius**2 / die_area_mm2 - math.pi * diameter_mm / math.sqrt(2 * die_area_mm2), 0.0)


def dies_per_chip(silicon_mm2: float) -> int:
    """Dies a chip of this much logic silicon is made of: at most one reticle each."""
    return max(math.ceil(silicon_mm2 / RETICLE_MM2 - 1e-9), 1)


BOOKED_MAX = 2.0
"""The most a designer books of a foundry's packaging against the chips it is ordered (twice: room to grow
into), and the bookings against its capacity at which the foundry builds at its fastest."""


def booked_growth(max_per_year: float, booked: float, capacity: float) -> float:
    """Log growth a year of a capacity that its customers book `booked` of: the most it can grow while the
    bookings are `BOOKED_MAX` times the capacity or more, in proportion to their excess below that, none once
    the capacity holds them (a foundry builds what is booked and no more)."""
    if capacity <= 0:
        return max_per_year
    return max_per_year * min(max(booked / capacity - 1.0, 0.0) / (BOOKED_MAX - 1.0), 1.0)


def allot(booked: np.ndarray, capacity: float) -> np.ndarray:
    """Each booking's part of a capacity: all of it while the bookings fit, else the same share of each (the
    foundry does not auction its packaging: it splits it by the orders it has, and the designers' scarcity
    shows in their own prices)."""
    total = float(booked.sum())
    return booked * (capacity / total) if total > capacity else booked.copy()
