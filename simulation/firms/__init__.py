"""Firms: the base of every company in the model (books, an optional listing) and the ledger of payments."""

from simulation.firms.firm import Books, BooksDoNotClose, Firm, Listing
from simulation.firms.ledger import OUTSIDE, Ledger, Payment

__all__ = ["OUTSIDE", "Books", "BooksDoNotClose", "Firm", "Ledger", "Listing", "Payment"]
