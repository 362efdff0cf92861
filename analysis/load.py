"""Loading stored results for analysis: a run folder, or a folder of replicate run folders.

The one loader that `airace plot`, `report` and `compare` share. Analysis reads run folders
(or `Results` objects) and never a live model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from analysis import metrics
from simulation.runner import Results
from simulation.scenario import Breakthrough, InputError, Problem, Scenario

# Kinds of logged events worth a vertical line on a time axis: the scripted and policy ones.
# Releases, distillations and funding rounds happen every few weeks and stay in the event log.
MARKED_KINDS = ("rule", "breakthrough", "attention", "open_weights", "api_terms")


class ResultsError(InputError):
    """A path that is not a run folder nor a folder of run folders; the message says which and why.
    An input error like a bad scenario file: the CLI exits 2 with one line naming the path."""

    def __init__(self, path: str | Path, message: str):
        super().__init__([Problem(str(path), "", message)])


@dataclass
class ResultSet:
    """The runs of one scenario: one run, or replicates that differ only in their seed."""

    label: str
    runs: list[Results]
    path: Path | None = None

    @property
    def scenario(self) -> Scenario:
        return self.runs[0].scenario

    @property
    def models(self) -> list[pd.DataFrame]:
        """Each run's model table with its seed as the first column, so tables of several runs can be
        concatenated and still say which run each row is from."""
        return [r.model.assign(seed=r.seed)[["seed", *r.model.columns]] for r in self.runs]

    @property
    def seeds(self) -> list[int]:
        return [r.seed for r in self.runs]

    @property
    def marked_events(self) -> pd.DataFrame:
        """Events to mark on time axes: those of MARKED_KINDS logged alike in every replicate.

        Random breakthroughs differ between replicates, so only what the scenario scripts remains.
        """
        return marked_events([r.events for r in self.runs], self.scenario)

    @property
    def breakthroughs(self) -> pd.DataFrame:
        """Every breakthrough of every run, random ones included, on the day markets met it
        (`analysis.metrics.news`), with the run's seed as the first column."""
        told = self._of_every_run(lambda r: metrics.news(r.events))
        return told[told["kind"] == "breakthrough"].reset_index(drop=True)

    @property
    def releases(self) -> pd.DataFrame:
        """Every model release of every run (date, the lab, its bloc, the capability), with the run's seed
        as the first column."""

        def released(r: Results) -> pd.DataFrame:
            blocs = {lab.id: lab.bloc for lab in r.scenario.labs}
            rows = r.events[r.events["kind"] == "release"]
            return pd.DataFrame(
                {
                    "date": rows["date"],
                    "lab": rows["actor"],
                    "bloc": rows["actor"].map(blocs),
                    "capability": rows["value"],
                }
            )

        return self._of_every_run(released)

    @property
    def fall_causes(self) -> pd.DataFrame:
        """The largest one-step fall of each listed firm in each run and the news behind it
        (`analysis.metrics.fall_causes`), with the run's seed as the first column."""
        return self._of_every_run(lambda r: metrics.fall_causes(r.model, r.events))

    def _of_every_run(self, table: Callable[[Results], pd.DataFrame]) -> pd.DataFrame:
        """One table of each run's `table`, stacked, with the run's seed as the first column."""
        frame = pd.concat([table(r).assign(seed=r.seed) for r in self.runs], ignore_index=True)
        return frame[["seed", *frame.columns.drop("seed")]]

    @property
    def shock_date(self) -> pd.Timestamp | None:
        return shock_date(self.scenario)


def is_run_folder(path: Path) -> bool:
    return (path / "summary.json").is_file()


def load_results(source: str | Path | Results | ResultSet, label: str | None = None) -> ResultSet:
    """A run folder, a folder of run folders (`airace run --replicates`), or Results, as a ResultSet."""
    if isinstance(source, ResultSet):
        return source
    if isinstance(source, Results):
        return ResultSet(label or source.scenario.label, [source])
    path = Path(source)
    if not path.exists():
        raise ResultsError(path, "no such folder (expected a run folder or a folder of run folders)")
    if not path.is_dir():
        raise ResultsError(path, "not a folder (expected a run folder, with summary.json, or a folder of them)")
    folders = [path] if is_run_folder(path) else sorted(p for p in path.iterdir() if p.is_dir() and is_run_folder(p))
    if not folders:
        raise ResultsError(path, "no summary.json in it or its subfolders; is it an --out folder of `airace run`?")
    runs = []
    for folder in folders:
        try:
            runs.append(Results.load(folder))
        except (OSError, ValueError) as exc:
            raise ResultsError(folder, f"cannot read the run ({type(exc).__name__}: {exc})") from exc
    names = {r.scenario.name for r in runs}
    if len(names) > 1:
        raise ResultsError(path, f"holds runs of different scenarios ({', '.join(sorted(names))}); pass them apart")
    unseeded = [r.scenario.model_copy(update={"seed": 0}) for r in runs]
    if any(s != unseeded[0] for s in unseeded[1:]):
        raise ResultsError(
            path,
            "its runs differ in more than their seed (different --set values?), so they are not "
            "replicates; pass each run folder apart",
        )
    runs.sort(key=lambda r: r.seed)
    return ResultSet(label or runs[0].scenario.label, runs, path)


def load_many(sources: Sequence[str | Path | Results | ResultSet]) -> list[ResultSet]:
    """Several results to compare; labelled by scenario name, or by folder where two share a name."""
    sets = [load_results(s) for s in sources]
    names = [s.label for s in sets]
    for s in sets:
        if names.count(s.label) > 1 and s.path is not None:
            s.label = s.path.name if s.path.name not in names else str(s.path)
    return sets


def marked_events(logs: Sequence[pd.DataFrame], scenario: Scenario) -> pd.DataFrame:
    """Events of MARKED_KINDS present (same date, kind and actor) in every log, with a short label in the
    scenario's names (`event_label`). Their other fields and texts may differ between replicates (a
    breakthrough's text gives the capability it reached); those of the first log are kept. A rule that ends
    as its regulator's next rule starts (that day or the next) is left to that rule's mark: one change, one label."""
    keys = ["date", "kind", "actor"]
    common = logs[0][logs[0]["kind"].isin(MARKED_KINDS)]
    for log in logs[1:]:
        common = common.merge(log[keys].drop_duplicates(), on=keys, how="inner")
    common = common.drop_duplicates(subset=keys).sort_values("date", kind="stable").reset_index(drop=True)
    rule = common["kind"] == "rule"
    starts = common.loc[rule & (common["channel"] == "start"), ["date", "actor"]]
    begun = pd.MultiIndex.from_frame(starts)
    replaced = pd.Series(False, index=common.index)
    for lag in (0, 1):  # a rule's end is its last day in force: the next may start that day or the next
        after = common[["date", "actor"]].assign(date=common["date"] + pd.Timedelta(days=lag))
        replaced |= pd.MultiIndex.from_frame(after).isin(begun)
    common = common[~(rule & (common["channel"] == "end") & replaced)].reset_index(drop=True)
    names, dates = short_names(scenario), {r.id: r.date for g in scenario.regulators for r in g.rules}
    fields = ["kind", "actor", "subject", "counterpart", "channel", "value"]
    common["label"] = [event_label(**row, names=names, rule_dates=dates) for row in common[fields].to_dict("records")]
    return common


def short_names(scenario: Scenario) -> dict[str, str]:
    """What a chart calls each lab and regulator: its name up to any parenthesis ("Alibaba (Qwen)" is
    "Alibaba"); a regulator with an id of up to four letters goes by it in capitals ("BIS")."""
    names = {lab.id: lab.name.split(" (")[0] for lab in scenario.labs}
    for r in scenario.regulators:
        names[r.id] = r.id.upper() if len(r.id) <= 4 else r.name.split(" (")[0]
    return names


def event_label(
    kind: str,
    actor: str,
    subject: str = "",
    counterpart: str = "",
    channel: str = "",
    value: float = math.nan,
    names: dict[str, str] | None = None,
    rule_dates: dict[str, date] | None = None,
) -> str:
    """A few words for a mark on a chart, from the event's fields and the scenario's names: "BIS rule of
    Oct 2023", "DeepSeek breakthrough", "investors notice DeepSeek", "Meta closes weights"."""
    names, rule_dates = names or {}, rule_dates or {}
    who = names.get(actor, actor)
    if kind == "rule":
        if channel in ("tighten", "loosen"):
            return f"{who} {channel}s controls"
        day = rule_dates.get(subject)
        rule = f"{who} rule of {day:%b %Y}" if day else f"{who} rule {subject}"
        if channel == "end":
            return f"{rule} ends"
        return f"{rule}: enforcement {value:.0%}" if channel == "enforcement" else rule
    if kind == "open_weights":
        return f"{who} {'opens' if channel == 'open_weights' else 'closes'} weights"
    if kind == "api_terms":
        return f"{who} {'enforces' if value else 'lifts'} API terms"
    if kind == "attention":
        return f"investors notice {names.get(counterpart, counterpart)}".rstrip()
    return f"{who} breakthrough" if kind == "breakthrough" else f"{who} {kind}"


def shock_date(scenario: Scenario) -> pd.Timestamp | None:
    """When markets meet the scenario's first scripted breakthrough: its attention date, else its date."""
    for event in scenario.events:
        if isinstance(event, Breakthrough):
            return pd.Timestamp(event.attention_date or event.date)
    return None
