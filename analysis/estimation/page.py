"""The report page of an estimation folder: the estimate, identifiability, the fit, the figures and what the
intervals mean, read from the files `airace estimate` wrote (never from today's estimation file)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis import plots
from analysis.estimation.identify import SIGNIFICANCE, TRADE_OFF, trade_offs
from analysis.estimation.search import CUT
from analysis.load import ResultsError
from analysis.report import _e, html_figure, html_table

WIDE = 0.5  # a width ratio from which a parameter is said not to be pinned down by the targets


def estimation_body(folder: str | Path) -> tuple[str, list[str]]:
    """The title and the HTML parts of an estimation folder's page."""
    folder = Path(folder)
    if not (folder / "estimate.csv").is_file():
        raise ResultsError(folder, "an estimation that has not finished (no estimate.csv); rerun it with --resume")
    spec = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["estimation"]
    estimate = pd.read_csv(folder / "estimate.csv")
    evaluations = pd.read_parquet(folder / "evaluations.parquet")
    fit = pd.read_csv(folder / "fit.csv", keep_default_na=False, na_values=[""])
    searched = (  # the parameters screened out have no interval and no evaluations of their own
        estimate[~estimate["screened_out"].astype(bool)] if "screened_out" in estimate else estimate
    )
    pairs = (
        pd.read_csv(folder / "identify.csv")
        if (folder / "identify.csv").is_file()
        else trade_offs(evaluations, searched)
    )
    logs = {name: bool(prior.get("log")) for name, prior in spec["parameters"].items()}
    title = f"AI Race Simulator: estimation {spec['name']}"
    fitted = fit[fit["sample"] == "in-sample"]["target"].tolist()
    base = spec.get("scenario") or spec.get("function")
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(base)}; Optuna {_e(spec["method"].upper())}, {len(evaluations)} evaluations of '
        f"{spec['seeds']} seed{'s' if spec['seeds'] > 1 else ''} each (the first at the base point); "
        f"cutoff {_e(spec.get('cutoff') or 'none')}: {len(fitted)} target{'s' if len(fitted) != 1 else ''} "
        f"fitted, {len(fit) - len(fitted)} predicted. Runs in {_e(folder)}.</p>",
        "<h2>The estimate</h2>",
        html_table(estimate, index=False),
        "<h2>What the intervals mean</h2>",
        "<p>The distance of a point is the weighted sum of its fitted targets' squared misses, each in units of "
        "the target's scale. An interval is the range of the evaluated points whose distance lies within 3.84 "
        "(the chi-square 95% quantile, one degree of freedom) of the best: a profile-likelihood interval, which "
        "holds 95% of the time when the scales are the figures' standard errors and the model is right. It is "
        "read off the points the search happened to evaluate, so the true interval is at least as wide. "
        "<code>width_ratio</code> is the interval's width against the prior's (in logs for a log-uniform "
        f"prior): from {WIDE} up, the targets do not pin the parameter down.</p>",
        *_screening(folder),
        "<h2>Identifiability</h2>",
        *_identifiability(searched, pairs),
        "<h2>The fit</h2>",
        "<p>Each target's band, the model at the base point (before) and at the best point (after), each the "
        "mean over the seeds, and their misses in the target's scale. Out-of-sample targets are dated past the "
        "cutoff: they were not fitted, so their misses are predictions' errors. A target measured on another "
        "scenario than the base (column <code>scenario</code>) was run there at the base point and at the "
        "estimate only.</p>",
        html_table(fit, index=False),
        "<h2>Figures</h2>",
        *(html_figure(name, f) for name, f in plots.estimation_figures(evaluations, searched, fit, CUT, logs).items()),
    ]
    return title, parts


def _screening(folder: Path) -> list[str]:
    """The Morris screening's table, when the estimation screened its parameters first."""
    if not (folder / "screening.csv").is_file():
        return []
    table = pd.read_csv(folder / "screening.csv")
    dropped = table[~table["kept"].astype(bool)]["parameter"].tolist()
    return [
        "<h2>Screening</h2>",
        "<p>Before the search, Morris elementary effects of each parameter on the distance: mu* (with its 95% "
        "confidence half-width) and sigma. A parameter whose mu* is small against the largest was left out of "
        f"the search at its base value: {_e(', '.join(dropped)) if dropped else 'none was'}.</p>",
        html_table(table, index=False),
    ]


def _identifiability(estimate: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    trading = pairs[pairs["trades_off"].astype(bool)][["parameter", "other", "correlation"]]
    wide = estimate[estimate["width_ratio"] >= WIDE][["parameter", "width_ratio"]]
    lines = [f"{a} and {b} trade off (rank correlation {rho:+.2f})" for a, b, rho in trading.itertuples(index=False)]
    lines += [
        f"{name} is not pinned down: its interval spans {ratio:.0%} of its prior"
        for name, ratio in wide.itertuples(index=False)
    ]
    parts = [
        "<p>Two parameters trade off when, among the points the data cannot tell apart (within the interval's "
        "cut), raising one is made up for by moving the other: their rank correlation over those points is at "
        f"least {TRADE_OFF} in size with a p-value under {SIGNIFICANCE}. The targets then pin down a combination "
        "of the two, not each.</p>",
        "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"
        if lines
        else "<p>Every parameter is pinned down by the targets and no pair trades off.</p>",
    ]
    if len(pairs):
        parts.append(html_table(pairs, index=False, counts=("points",)))
    return parts
