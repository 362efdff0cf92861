"""The links between sections of a scenario that the schema alone cannot check: every id a table
names (a lab's bloc and owner, a chip's maker, a rule's destinations) exists, ids are unique, dated
entries are ordered; and the dated entries that fall after the scenario's end.

Each check gives (dotted key, message); loading (`simulation.scenario.load`) finds the key's file
and line.
"""

from __future__ import annotations

import difflib

from simulation.scenario.schema import ApiTerms, Breakthrough, FundingRound, OpenWeights, RuleChange, Scenario


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Links between sections that the schema alone cannot check, as (dotted key, message)."""
    problems: list[tuple[str, str]] = []
    blocs = [b.id for b in s.blocs]
    chips = [c.id for c in s.chips]
    makers = [m.id for m in s.chipmakers]
    labs = [lab.id for lab in s.labs]
    owners = [o.id for o in s.owners]
    regulators = {r.id: r for r in s.regulators}

    def unknown(key: str, value: str, known: list[str], what: str) -> None:
        if value not in known:
            hint = difflib.get_close_matches(value, known, n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else f"; known {what}: {', '.join(known)}"
            problems.append((key, f"unknown {what[:-1]} '{value}'{more}"))

    for section in ("blocs", "chips", "chipmakers", "owners", "labs", "suppliers", "regulators", "events"):
        ids = [item.id for item in getattr(s, section)]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append((f"{section}.{dup}", "id used more than once"))
    first_in: dict[str, str] = {}  # one namespace: the agents table and `stream` know an agent by its id
    for section in ("chipmakers", "labs", "owners", "suppliers"):
        for agent in dict.fromkeys(item.id for item in getattr(s, section)):
            other = first_in.setdefault(agent, section)
            if other != section:
                problems.append((f"{section}.{agent}", f"id also used in {other}: agents need ids of their own"))
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
        for owner in c.made_for:
            unknown(f"chips.{c.id}.made_for", owner, owners, "owners")
        if c.unit_cost_usd >= c.price_usd:
            problems.append((f"chips.{c.id}.unit_cost_usd", f"{c.unit_cost_usd} must be below price_usd {c.price_usd}"))
        if c.foundry_cost_share + c.hbm_cost_share > 1.0:
            problems.append(
                (
                    f"chips.{c.id}.foundry_cost_share",
                    f"foundry_cost_share {c.foundry_cost_share} + hbm_cost_share {c.hbm_cost_share} must be at most "
                    "1: both are parts of its unit cost",
                )
            )
    labelled: dict[str, str] = {}  # the firms' columns share prefixes (`revenue_ai_usd_<LABEL>`): one label each
    for section in ("chipmakers", "owners", "suppliers"):
        for firm in getattr(s, section):
            other = labelled.setdefault(firm.label, f"{section}.{firm.id}")
            if other != f"{section}.{firm.id}":
                key = f"{section}.{firm.id}.ticker" if firm.ticker else f"{section}.{firm.id}"
                problems.append((key, f"'{firm.label}' already names {other} in the results (a ticker, or an id)"))
    suppliers = [supplier.id for supplier in s.suppliers]
    for m in s.chipmakers:
        unknown(f"chipmakers.{m.id}.bloc", m.bloc, blocs, "blocs")
        if m.division_of is not None:
            unknown(f"chipmakers.{m.id}.division_of", m.division_of, suppliers, "suppliers")
    for o in s.owners:
        unknown(f"owners.{o.id}.bloc", o.bloc, blocs, "blocs")
        for chip_id in o.installed:
            unknown(f"owners.{o.id}.installed.{chip_id}", chip_id, chips, "chips")
    leased = 0.0
    for o in s.owners:
        leased += o.rentals_abroad_share
        if leased > 1.0 + 1e-9:
            problems.append(
                (
                    f"owners.{o.id}.rentals_abroad_share",
                    f"the owners' shares of the rental channel add up to {leased:.3g}: they must be at most 1",
                )
            )
    shares: dict[tuple[str, str], float] = {}  # a segment's shares of what each bloc's payers pay it
    for supplier in s.suppliers:
        unknown(f"suppliers.{supplier.id}.bloc", supplier.bloc, blocs, "blocs")
        for bloc in supplier.sells_to:
            unknown(f"suppliers.{supplier.id}.sells_to", bloc, blocs, "blocs")
        if supplier.sales_bloc is not None:
            unknown(f"suppliers.{supplier.id}.sales_bloc", supplier.sales_bloc, blocs, "blocs")
        for bloc in supplier.sells_to or blocs:
            key = (supplier.segment, bloc)
            shares[key] = shares.get(key, 0.0) + supplier.market_share
            if shares[key] > 1.0 + 1e-9:
                problems.append(
                    (
                        f"suppliers.{supplier.id}.market_share",
                        f"the {supplier.segment} segment's market shares in {bloc} add up to {shares[key]:.3g}: "
                        "they must be at most 1",
                    )
                )
                break
    packagers = [supplier.id for supplier in s.suppliers if supplier.packaging is not None]
    for extra in packagers[1:]:
        problems.append(
            (f"suppliers.{extra}.packaging", f"{packagers[0]} already packages the chips: one foundry packages them")
        )
    if packagers:  # the chips of a maker with no supply of its own are packaged there
        packaged = {m.id for m in s.chipmakers if m.supply is None}
        for c in s.chips:
            if c.maker in packaged and c.packages_per_wafer is None:
                problems.append(
                    (
                        f"chips.{c.id}.packages_per_wafer",
                        f"missing: {packagers[0]} packages {c.maker}'s chips, so each needs the chips a "
                        "packaging wafer holds (a number above 0)",
                    )
                )
    for lab in s.labs:
        unknown(f"labs.{lab.id}.bloc", lab.bloc, blocs, "blocs")
        unknown(f"labs.{lab.id}.owner", lab.owner, owners, "owners")
        owner_bloc = next((o.bloc for o in s.owners if o.id == lab.owner), lab.bloc)
        if owner_bloc != lab.bloc and lab.bloc in blocs:  # an unknown bloc is told once, above
            problems.append(
                (
                    f"labs.{lab.id}.owner",
                    f"its owner {lab.owner} is in bloc {owner_bloc}, the lab in {lab.bloc}: "
                    "a lab's compute is its owner's, installed in the owner's bloc",
                )
            )
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
        if isinstance(e, Breakthrough | OpenWeights | ApiTerms | FundingRound):
            unknown(f"{key}.lab", e.lab, labs, "labs")
        if isinstance(e, Breakthrough) and e.attention_date is not None and e.attention_date < e.date:
            problems.append((f"{key}.attention_date", f"{e.attention_date} is before the event's date {e.date}"))
        if isinstance(e, RuleChange):
            unknown(f"{key}.regulator", e.regulator, list(regulators), "regulators")
            if e.regulator in regulators:
                unknown(f"{key}.rule", e.rule, [r.id for r in regulators[e.regulator].rules], "rules")
    listed = [firm.id for firm in s.listed_firms]
    index_ids = [index.id for index in s.indices or []]
    for index in s.indices or []:
        key = f"indices.{index.id}"
        if not index.id.endswith("_index") or index.id == "ai_index" or index_ids.count(index.id) > 1:
            problems.append((key, "an index needs an id of its own ending in '_index' (its column), not 'ai_index'"))
        if not index.members:
            problems.append((f"{key}.members", "an index needs at least one listed firm"))
        for member in index.members:
            unknown(f"{key}.members", member, listed, "listed firms")
    return problems


def after_the_end(s: Scenario) -> list[tuple[str, str]]:
    """Dated entries (events, and regulators' rules, tool controls, policies and distillation controls)
    that fall after the scenario's end, as (dotted key, message): valid, but they will not happen."""
    end = s.time.end
    dated = [(f"events.{e.id}.date", e.date) for e in s.events]
    for r in s.regulators:
        for section in ("rules", "equipment_controls", "policies", "distillation_controls"):
            dated += [(f"regulators.{r.id}.{section}.{x.id}.date", x.date) for x in getattr(r, section)]
    return [
        (key, f"{day} is after the scenario's end ({end}): it will not happen in this run")
        for key, day in dated
        if day > end
    ]
