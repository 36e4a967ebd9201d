"""Permuted blocks with random block sizes: one concealed list per stratum.

Each block holds every arm in proportion to the allocation ratio (a block of 6 at 1:1 holds three
A and three B) in a random order, and each block's size is drawn at random from the configured
sizes, so that staff who know the last allocations cannot tell where a block ends (Schulz &
Grimes, Lancet 2002;359:515–519, doi:10.1016/S0140-6736(02)07683-3; ICH E9 §2.3.1). Hence:

* every completed block is exactly balanced to the ratio;
* inside an unfinished block no arm exceeds its share of that block, so at 1:1 the two arms
  differ by at most half the block size.

A stratum's list depends only on the seed, the design and the stratum's key, through a stream
labelled with the key (:class:`~radtrial.trial.randomisation.stream.SeededStream`). The list is
generated in whole blocks until it has at least ``slots_per_stratum`` slots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from radtrial.errors import InvalidInput
from radtrial.trial.randomisation.design import AllocationDesign
from radtrial.trial.randomisation.stream import SeededStream

__all__ = ["Slot", "block_counts", "permuted_blocks"]


@dataclass(frozen=True, slots=True)
class Slot:
    """One position of a stratum's list: its sequence number (from 1), arm and block."""

    sequence: int
    arm: str
    block: int
    block_size: int
    position: int

    def to_json(self) -> list[object]:
        """Compact JSON form: ``[sequence, arm, block, block_size, position]``."""
        return [self.sequence, self.arm, self.block, self.block_size, self.position]


def permuted_blocks(design: AllocationDesign, seed: int, stratum: str) -> tuple[Slot, ...]:
    """The list of ``stratum`` under ``design`` and ``seed``."""
    if design.method != "permuted_blocks":
        raise InvalidInput("the design is not permuted blocks", location="method")
    unit = [arm for arm, weight in design.ratio for _ in range(weight)]
    sizes = design.block_sizes
    bad = [size for size in sizes if size % len(unit)]
    if not sizes or bad:
        raise InvalidInput(
            f"block sizes {list(sizes)} must be multiples of the ratio's total weight {len(unit)}",
            location="block_sizes",
        )
    stream = SeededStream(seed, f"permuted_blocks/{stratum}")
    slots: list[Slot] = []
    block = 0
    while len(slots) < design.slots_per_stratum:
        size = sizes[stream.below(len(sizes))]
        content = unit * (size // len(unit))
        stream.shuffle(content)
        block += 1
        start = len(slots)
        slots.extend(
            Slot(start + position, arm, block, size, position)
            for position, arm in enumerate(content, start=1)
        )
    return tuple(slots)


def block_counts(slots: Sequence[Slot], arms: Iterable[str]) -> dict[int, Counter[str]]:
    """Arm counts per block among ``slots`` (used slots, say), every arm present."""
    names = tuple(arms)
    out: dict[int, Counter[str]] = {}
    for slot in slots:
        counts = out.setdefault(slot.block, Counter(dict.fromkeys(names, 0)))
        counts[slot.arm] += 1
    return out
