"""Benchmark 4: agent-steps per second of our baseline against Mesa's Boltzmann wealth example (the
simplest Mesa model, imported from the mesa package), run in the same process. Target: ratio >= 1.

Our investors are one Mesa agent (InvestorPopulation) holding N investors as NumPy rows. So agent-steps
are counted two ways: "Mesa agents" (each Lab, Chipmaker, Regulator and the one population) and "agents
incl. each investor" (the population counted as its N investors). The target is judged on the second,
the model's own agents; the first is printed beside it so the comparison is not flattered.
"""

from __future__ import annotations

import statistics

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from benchmarks.common import baseline, median_seconds, repeats, stepping_seconds, table, verdict
from simulation.agents import InvestorPopulation
from simulation.model import AIRaceModel

BOLTZMANN_AGENTS, BOLTZMANN_STEPS = 100, 400


def boltzmann_seconds() -> float:
    """Wall time of one Boltzmann wealth run (100 agents on a 10x10 grid, as shipped)."""

    def work() -> None:
        model = BoltzmannWealth(BoltzmannScenario(n=BOLTZMANN_AGENTS, rng=42))
        for _ in range(BOLTZMANN_STEPS):
            model.step()

    return median_seconds(work, n=1)


def main() -> None:
    spec = baseline()
    model = AIRaceModel(spec, spec.seed)
    mesa_agents = len(model.agents)
    with_investors = mesa_agents - len(model.agents_by_type[InvestorPopulation]) + spec.investors.count
    boltzmann, ours = [], []
    for _ in range(repeats()):  # the two take turns, so a change in the machine's load falls on both
        boltzmann.append(boltzmann_seconds())
        ours.append(stepping_seconds(spec, n=1)[0])
    boltzmann_rate = BOLTZMANN_AGENTS * BOLTZMANN_STEPS / statistics.median(boltzmann)
    seconds = statistics.median(ours)
    mesa_rate, investor_rate = mesa_agents * model.n_steps / seconds, with_investors * model.n_steps / seconds
    print(f"Benchmark 4: agent-steps per second, medians of {repeats()} runs, taking turns in one process")
    rows = [
        (f"Boltzmann wealth ({BOLTZMANN_AGENTS} agents)", f"{boltzmann_rate:,.0f}", "1.00x"),
        ("airace, Mesa agents", f"{mesa_rate:,.0f}", f"{mesa_rate / boltzmann_rate:.2f}x"),
        ("airace, agents incl. each investor", f"{investor_rate:,.0f}", f"{investor_rate / boltzmann_rate:.2f}x"),
    ]
    print(table(rows, ("model", "agent-steps/s", "ratio")))
    print(f"target (agents incl. each investor) {verdict(investor_rate >= boltzmann_rate, '>= 1x')}")


if __name__ == "__main__":
    main()
