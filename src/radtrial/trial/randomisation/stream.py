"""A seeded, reproducible stream of random numbers: the only source of chance in allocation.

An allocation list must be regenerated bit for bit from its recorded seed for as long as the
trial's records are kept, whatever numpy version is installed then. NumPy guarantees stable
output for its bit generators and :class:`numpy.random.SeedSequence`, but not for the
algorithms of :class:`numpy.random.Generator`'s methods (``integers``, ``permutation``, …),
which may improve between releases (NEP 19, "Random number generator policy",
https://numpy.org/neps/nep-0019-rng-policy.html). So the stream reads raw 64-bit words from a
PCG64 bit generator (O'Neill 2014, HMC-CS-2014-0905) seeded through ``SeedSequence`` and does
its own arithmetic on them:

* a uniform number in [0, 1) from the top 53 bits of a word;
* an integer below ``n`` by rejection sampling, so every value is exactly equally likely;
* Fisher–Yates shuffling (Durstenfeld's form, Knuth TAOCP vol. 2 §3.4.2, Algorithm P).

Each stream is labelled (for example with the stratum it serves), and the label's SHA-256 is
the ``SeedSequence`` spawn key, so the streams of different strata are independent and a
stratum's list does not depend on which other strata exist.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

import numpy as np

from radtrial.errors import InvalidInput

__all__ = ["STREAM_ALGORITHM", "SeededStream", "seed_sha256"]

#: Recorded with every list so a verifier knows how the stream was made.
STREAM_ALGORITHM = "numpy-pcg64-seedsequence/raw64"

_WORD = 1 << 64
T = TypeVar("T")


def seed_sha256(seed: int) -> str:
    """SHA-256 (hex) of the seed's decimal digits: recorded in the audit trail instead of it."""
    return hashlib.sha256(str(seed).encode("ascii")).hexdigest()


class SeededStream:
    """Random numbers determined entirely by ``seed`` and ``label``."""

    def __init__(self, seed: int, label: str) -> None:
        if seed < 0:
            raise InvalidInput("a seed is a non-negative integer", location="seed")
        digest = hashlib.sha256(label.encode("utf-8")).digest()
        words = tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4))
        self._bits = np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=words))

    def word(self) -> int:
        """The next raw 64-bit word."""
        return int(self._bits.random_raw())

    def uniform(self) -> float:
        """A number in [0, 1) with 53 random bits (every double k·2⁻⁵³ equally likely)."""
        return (self.word() >> 11) * 2.0**-53

    def below(self, n: int) -> int:
        """An integer in [0, n), each exactly equally likely (rejection of the biased tail)."""
        if n < 1:
            raise InvalidInput("the bound must be at least 1", location="n")
        limit = _WORD - _WORD % n
        while True:
            word = self.word()
            if word < limit:
                return word % n

    def shuffle(self, items: list[T]) -> None:
        """Shuffle ``items`` in place, every order equally likely."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
