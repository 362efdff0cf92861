"""News as a record: what the real side publishes and the equity side reads.

A lab's breakthrough publishes a `News` record (which lab, the efficiency gain, its reach, the day
investors can see it) on the model's `NewsWire`; investors subscribe to the wire and act on each
record after their own attention lag. The lab knows nothing of investors, and investors nothing of
labs: the record is the whole of what passes between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class News:
    """An efficiency gain as markets learn of it: `reach` is the share of the world's compute it applies
    to (1 for open weights, which every lab can adopt), `visible_day` the model day investors can see it."""

    source: str
    gain: float
    reach: float
    visible_day: float


def reach(open_weights: bool, own_flops: float, world_flops: float) -> float:
    """Open weights spread a gain to every lab; closed, it cuts only the compute its own lab needs, so it
    reaches that lab's share of the world's compute."""
    return 1.0 if open_weights or world_flops <= 0 else own_flops / world_flops


class NewsWire:
    """The records published in a run, in order, handed to each reader as they come out."""

    def __init__(self) -> None:
        self.records: list[News] = []
        self._readers: list[Callable[[News], None]] = []

    def subscribe(self, reader: Callable[[News], None]) -> None:
        self._readers.append(reader)

    def publish(self, news: News) -> None:
        self.records.append(news)
        for reader in self._readers:
            reader(news)
