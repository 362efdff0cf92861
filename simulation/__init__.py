"""AI Race Simulator: an agent-based model of the global AI race, built on Mesa.

from simulation import load_scenario, run
results = run("deepseek_shock", seed=1, overrides={"investors.jevons_belief_mean": 0.3})
"""

__version__ = "0.1.0"  # the one place of the version: pyproject.toml reads it from here

from simulation.model import AIRaceModel
from simulation.runner import Results, run, run_replicates
from simulation.scenario import Scenario, ScenarioError, load_scenario, parameters

__all__ = [
    "AIRaceModel",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "parameters",
    "run",
    "run_replicates",
]
