"""Pocock–Simon minimisation with a random element.

For a new participant, each arm ``k`` is scored by the imbalance the trial would have if the
participant joined ``k``: for every minimisation factor, take the numbers already allocated to
each arm at the participant's level of that factor, add the participant to ``k``, divide each
number by its arm's allocation weight, and measure the spread (range: max − min; variance: the
population variance). ``G_k`` is the sum over factors (Pocock & Simon, Biometrics
1975;31:103–115, doi:10.2307/2529712, §3 with equal factor weights).

The arm(s) with the smallest ``G`` are *preferred*. One random draw ``u`` in [0, 1) decides:

* if every arm scores the same, ``u`` picks an arm with probability proportional to its weight;
* else, with probability ``p_preferred`` (``u < p``) a preferred arm is taken (ties split
  evenly), otherwise one of the others (split evenly).

The draws are the allocation list of a minimisation trial: draw ``n`` is the ``n``-th number of
a seeded stream, so replaying the allocations in order with the same draws reproduces every
arm, which is how a minimisation list is verified. Scores are computed in exact rational
arithmetic so that ties are ties on every machine. Weights other than 1:1 use the counts divided
by the weights, the usual extension; note that it does not preserve the allocation ratio exactly
(Kuznetsova & Tymofyeyev, Stat Med 2012;31:701–723, doi:10.1002/sim.4447).

Bound: with ``p_preferred = 1`` and one factor at 1:1, the two arms never differ by more than
one participant at any level of the factor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from radtrial.errors import InvalidInput
from radtrial.trial.randomisation.design import AllocationDesign, MinimisationDesign
from radtrial.trial.randomisation.stream import SeededStream

__all__ = ["MinimisationChoice", "MinimisationTally", "minimisation_draws"]


def minimisation_draws(seed: int, count: int) -> tuple[float, ...]:
    """The first ``count`` draws of a minimisation list."""
    stream = SeededStream(seed, "minimisation/all")
    return tuple(stream.uniform() for _ in range(count))


@dataclass(frozen=True, slots=True)
class MinimisationChoice:
    """One allocation by minimisation: the arm, every arm's score and the preferred arms."""

    arm: str
    scores: Mapping[str, Fraction]
    preferred: tuple[str, ...]
    draw: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready detail, stored with the allocation."""
        return {
            "draw": self.draw,
            "scores": {arm: str(score) for arm, score in self.scores.items()},
            "preferred": list(self.preferred),
        }


def _spread(values: list[Fraction], imbalance: str) -> Fraction:
    if imbalance == "range":
        return max(values) - min(values)
    mean = sum(values, Fraction(0)) / len(values)
    return sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)


@dataclass
class MinimisationTally:
    """Allocation counts per factor level and arm, built up allocation by allocation."""

    design: AllocationDesign
    counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    @property
    def _parameters(self) -> MinimisationDesign:
        if self.design.minimisation is None:
            raise InvalidInput("the design is not minimisation", location="method")
        return self.design.minimisation

    def add(self, levels: Mapping[str, str], arm: str) -> None:
        """Count one allocation of a participant with ``levels`` to ``arm``."""
        for factor in self._parameters.factors:
            self.counts.setdefault((factor.name, levels[factor.name]), Counter())[arm] += 1

    def scores(self, levels: Mapping[str, str]) -> dict[str, Fraction]:
        """``G_k`` for every arm ``k`` if the participant with ``levels`` joined it."""
        parameters = self._parameters
        weights = self.design.weights
        out: dict[str, Fraction] = {}
        for candidate in self.design.arms:
            total = Fraction(0)
            for factor in parameters.factors:
                counts = self.counts.get((factor.name, levels[factor.name]), Counter())
                adjusted = [
                    Fraction(counts[arm] + (arm == candidate), weights[arm])
                    for arm in self.design.arms
                ]
                total += _spread(adjusted, parameters.imbalance)
            out[candidate] = total
        return out

    def choose(self, levels: Mapping[str, str], draw: float) -> MinimisationChoice:
        """The arm for a participant with ``levels``, given the list's draw ``draw``."""
        if not 0.0 <= draw < 1.0:
            raise InvalidInput("a draw lies in [0, 1)", location="draw")
        scores = self.scores(levels)
        best = min(scores.values())
        preferred = tuple(arm for arm in self.design.arms if scores[arm] == best)
        others = tuple(arm for arm in self.design.arms if scores[arm] != best)
        if not others:
            weights = self.design.weights
            point = draw * sum(weights.values())
            cumulative = 0
            arm = preferred[-1]
            for candidate in preferred:
                cumulative += weights[candidate]
                if point < cumulative:
                    arm = candidate
                    break
        else:
            p = self._parameters.p_preferred
            if draw < p:
                arm = preferred[min(int(draw / p * len(preferred)), len(preferred) - 1)]
            else:
                share = (draw - p) / (1.0 - p)
                arm = others[min(int(share * len(others)), len(others) - 1)]
        return MinimisationChoice(arm, scores, preferred, draw)
