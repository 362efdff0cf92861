"""Firms: the base of every company in the model (books, an optional listing), the base business that owners
and suppliers run beside AI, and the ledger of payments."""

from simulation.firms.base_business import FirmWithBaseBusiness
from simulation.firms.firm import Books, BooksDoNotClose, Firm, Listing
from simulation.firms.ledger import OUTSIDE, Ledger, Payment

__all__ = ["OUTSIDE", "Books", "BooksDoNotClose", "Firm", "FirmWithBaseBusiness", "Ledger", "Listing", "Payment"]
