"""Benchmark 4: agent-steps per second of our baseline against Mesa's Boltzmann wealth example (the
simplest Mesa model, imported from the mesa package), run in the same process. Target: ratio >= 1.

Our investors are one Mesa agent (InvestorPopulation) holding N investors as NumPy rows. So agent-steps
are counted two ways: "Mesa agents" (each Lab, Chipmaker, Regulator and the one population) and "agents
incl. each investor" (the population counted as its N investors). The target is judged on the second,
the model's own agents; the first is printed beside it so the comparison is not flattered.
"""

from __future__ import annotations

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from benchmarks.common import baseline, median_seconds, repeats, stepping_seconds, table, verdict
from simulation.agents import InvestorPopulation
from simulation.model import AIRaceModel

BOLTZMANN_AGENTS, BOLTZMANN_STEPS = 100, 400


def boltzmann_rate() -> float:
    """Agent-steps per second of the Boltzmann wealth model (100 agents on a 10x10 grid, as shipped)."""

    def work() -> None:
        model = BoltzmannWealth(BoltzmannScenario(n=BOLTZMANN_AGENTS, rng=42))
        for _ in range(BOLTZMANN_STEPS):
            model.step()

    return BOLTZMANN_AGENTS * BOLTZMANN_STEPS / median_seconds(work)


def our_rates() -> tuple[float, float]:
    """(Mesa agents, agents incl. each investor) agent-steps per second of a baseline run, stepping only."""
    spec = baseline()
    seconds, _ = stepping_seconds(spec)
    model = AIRaceModel(spec, spec.seed)
    mesa_agents = len(model.agents)
    with_investors = mesa_agents - len(model.agents_by_type[InvestorPopulation]) + spec.investors.count
    return mesa_agents * model.n_steps / seconds, with_investors * model.n_steps / seconds


def main() -> None:
    boltzmann = boltzmann_rate()
    mesa_agents, with_investors = our_rates()
    print(f"Benchmark 4: agent-steps per second, medians of {repeats()} runs, same process")
    rows = [
        (f"Boltzmann wealth ({BOLTZMANN_AGENTS} agents)", f"{boltzmann:,.0f}", "1.00x"),
        ("airace baseline, Mesa agents", f"{mesa_agents:,.0f}", f"{mesa_agents / boltzmann:.2f}x"),
        ("airace baseline, agents incl. each investor", f"{with_investors:,.0f}", f"{with_investors / boltzmann:.2f}x"),
    ]
    print(table(rows, ("model", "agent-steps/s", "ratio")))
    print(f"target (agents incl. each investor) {verdict(with_investors >= boltzmann, '>= 1x')}")


if __name__ == "__main__":
    main()
