"""The six kinds of agent in the race."""

from simulation.agents.chipmaker import Chipmaker
from simulation.agents.investor import InvestorPopulation
from simulation.agents.lab import Lab
from simulation.agents.owner import Owner
from simulation.agents.regulator import Regulator
from simulation.agents.supplier import Supplier

__all__ = ["Chipmaker", "InvestorPopulation", "Lab", "Owner", "Regulator", "Supplier"]
