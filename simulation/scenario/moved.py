"""Keys that moved: a scenario file, an override or a sweep file written for an older schema is refused
with the new key named, not with a bare "unknown key".

`MOVED` is the one table of old dotted keys and the keys that replaced them. Loading consults it
where it reports an unknown key: a file's key or table (`simulation.scenario.load`, so `airace
validate` and `airace run`, `extends` chains included), and an override (`apply_overrides`: `--set`,
a sweep file's `set` and `parameters`).
"""

from __future__ import annotations

from typing import Any

# [markets] held 21 numbers read by five parts of the model; each went to the table of the part that reads it.
MOVED: dict[str, str] = {
    "markets.services_cost_share": "services.cost_share",
    "markets.services_capability_sensitivity": "services.capability_sensitivity",
    "markets.services_price_elasticity": "services.price_elasticity",
    "markets.capex_horizon_years": "capex.horizon_years",
    "markets.capex_adjust_per_year": "capex.adjust_per_year",
    "markets.capex_growth_memory_years": "capex.growth_memory_years",
    "markets.ai_capex_chip_share": "capex.chip_share",
    "markets.owner_net_debt_max_years": "capex.net_debt_max_years",
    "markets.chip_price_adjust_per_year": "chipmaking.price_adjust_per_year",
    "markets.chip_markup_max": "chipmaking.markup_max",
    "markets.chip_markup_min": "chipmaking.markup_min",
    "markets.capacity_q_elasticity": "chipmaking.q_elasticity",
    "markets.capacity_q_memory_days": "chipmaking.q_memory_days",
    "markets.leak_price_premium": "chip_market.leak_price_premium",
    "markets.rental_premium": "chip_market.rental_premium",
    "markets.rental_reach": "chip_market.rental_reach",
    "markets.leak_delay_days": "chip_market.leak_delay_days",
    "markets.chip_choice_sensitivity": "chip_market.choice_sensitivity",
    "markets.funding_interval_days": "funding.interval_days",
    "markets.funding_capability_sensitivity": "funding.capability_sensitivity",
    "markets.prestart_frontier_growth_per_year": "measures.prestart_frontier_growth_per_year",
}

# Keys that are gone, and what took their place: a table's field (of any entry of a list of tables, as
# `blocs.<id>.capital_usd_per_year`), and whole tables.
_CAPITAL = "the other buyers of AI chips are owners with no lab, whose capex answers the demand for compute"
_ROUNDS = 'labs raise named funding rounds: [[events]] of kind "funding_round"'
_SMUGGLING = (
    "smuggling is a supply whose premium and seizures rise with volume and enforcement: "
    "chip_market.smuggling_premium, smuggling_premium_slope, smuggling_capacity_chips_per_year, seizure_rate"
)
_RENTALS = (
    "rentals abroad are a supply whose premium rises with volume and with a rule covering rentals: "
    "chip_market.rental_premium, rental_premium_slope, rental_capacity_chips_per_year"
)
REMOVED_FIELDS: dict[tuple[str, str], str] = {
    ("blocs", "capital_usd_per_year"): _CAPITAL,
    ("blocs", "capital_growth_per_year"): _CAPITAL,
    ("chip_market", "leak_price_premium"): _SMUGGLING,
    ("chip_market", "rental_reach"): _RENTALS,
}
REMOVED_TABLES: dict[str, str] = {"funding": _ROUNDS}


def removed_message(key: str) -> str | None:
    """Why an unknown dotted key is refused if an older schema had it and it is gone; None otherwise."""
    parts = key.split(".")
    why = REMOVED_TABLES.get(parts[0]) or REMOVED_FIELDS.get((parts[0], parts[-1]))
    return f"this key was removed: {why}" if why else None


def moved_message(key: str) -> str | None:
    """What to say of an unknown dotted key that an older schema had: the key it moved to, or why it was
    removed; for a table that is gone (`markets`), or a key under it that it never held, the tables its
    keys went to. None for any other key."""
    if key in MOVED:
        new = MOVED[key]
        gone = removed_message(new)
        return f"this key moved to {new}" + (
            f", since removed: {gone.removeprefix('this key was removed: ')}" if gone else ""
        )
    gone = removed_message(key)
    if gone:
        return gone
    table = key.partition(".")[0]
    went = [new.partition(".")[0] for old, new in MOVED.items() if old.partition(".")[0] == table]
    if not went:
        return None
    return f"the [{table}] table was split into " + ", ".join(f"[{t}]" for t in dict.fromkeys(went))


def moved_keys(key: str, value: Any) -> list[tuple[str, str]]:
    """(old key, message) for an unknown key of a file and the value it holds: a whole old table (a
    `[markets]` of several keys) gives one for each key inside it, naming its new key. Empty when the
    key is not one an older schema had."""
    if isinstance(value, dict) and value and key not in MOVED:
        inside = [found for name, item in value.items() for found in moved_keys(f"{key}.{name}", item)]
        if inside:
            return inside
    message = moved_message(key)
    return [(key, message)] if message else []
