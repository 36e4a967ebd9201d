"""Allocation lists: generated from a seed, served slot by slot, verified against what was used.

A list is a pure function of its design and seed: per stratum, the permuted-block slots; for
minimisation, the sequence of random draws. Nothing of it needs to be stored to be served or
checked, which is what keeps it concealed: the store keeps the seed (never shown to staff and
never written to the audit trail, which records its SHA-256) and the *used* slots.

* :func:`list_sha256` fingerprints the whole list, so a stored list can be shown to be the one
  generated, without revealing it.
* :func:`allocate` gives the arm of the next slot of a stratum.
* :func:`verify` regenerates the list and checks the used slots against it: every used slot
  holds the arm the list has there, the used slots of each stratum are exactly 1…n (no gap, no
  repeat), no participant is allocated twice, and each participant's recorded factor levels
  lead to the stratum they were allocated in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from radtrial.errors import AllocationListExhausted, InvalidInput
from radtrial.trial.randomisation.blocks import Slot, permuted_blocks
from radtrial.trial.randomisation.design import AllocationDesign
from radtrial.trial.randomisation.minimisation import MinimisationTally, minimisation_draws

__all__ = [
    "Allocation",
    "UsedSlot",
    "VerificationProblem",
    "VerificationReport",
    "allocate",
    "list_content",
    "list_sha256",
    "verify",
]


@lru_cache(maxsize=512)
def _stratum_slots(design: AllocationDesign, seed: int, stratum: str) -> tuple[Slot, ...]:
    return permuted_blocks(design, seed, stratum)


@lru_cache(maxsize=32)
def _draws(design: AllocationDesign, seed: int) -> tuple[float, ...]:
    return minimisation_draws(seed, design.slots_per_stratum)


def list_content(design: AllocationDesign, seed: int) -> dict[str, Any]:
    """The whole list as JSON-ready data (for the unblinded statistician's export)."""
    content: dict[str, Any] = {"algorithm": design.algorithm, "design": design.to_json()}
    if design.method == "minimisation":
        content["draws"] = list(_draws(design, seed))
    else:
        content["strata"] = {
            stratum: [slot.to_json() for slot in _stratum_slots(design, seed, stratum)]
            for stratum in design.strata()
        }
    return content


def list_sha256(design: AllocationDesign, seed: int) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`list_content`."""
    text = json.dumps(list_content(design, seed), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class UsedSlot:
    """A slot as recorded when it was used: who got it, their factor levels and the arm."""

    participant: str
    stratum: str
    sequence: int
    arm: str
    levels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Allocation:
    """The arm of a stratum's next slot, and what to record about how it was chosen."""

    stratum: str
    sequence: int
    arm: str
    detail: Mapping[str, Any]


def allocate(
    design: AllocationDesign,
    seed: int,
    stratum: str,
    sequence: int,
    levels: Mapping[str, str],
    history: Sequence[UsedSlot] = (),
) -> Allocation:
    """The arm at ``sequence`` (from 1) of ``stratum``, for a participant with ``levels``.

    ``history`` is needed for minimisation only: the used slots 1…``sequence``-1 in order.
    Raises :class:`AllocationListExhausted` past the end of the stratum's list.
    """
    if sequence < 1:
        raise InvalidInput("slot numbers start at 1", location="sequence")
    if design.method == "minimisation":
        draws = _draws(design, seed)
        if sequence > len(draws):
            raise _exhausted(stratum, len(draws))
        if len(history) != sequence - 1:
            raise InvalidInput(
                f"minimisation needs all {sequence - 1} earlier allocations, got {len(history)}",
                location="history",
            )
        tally = MinimisationTally(design)
        for used in history:
            tally.add(used.levels, used.arm)
        choice = tally.choose(levels, draws[sequence - 1])
        return Allocation(stratum, sequence, choice.arm, choice.to_json())
    if stratum not in design.strata():
        raise InvalidInput(f"no stratum {stratum!r} in the list", location="stratum")
    slots = _stratum_slots(design, seed, stratum)
    if sequence > len(slots):
        raise _exhausted(stratum, len(slots))
    slot = slots[sequence - 1]
    return Allocation(
        stratum,
        sequence,
        slot.arm,
        {"block": slot.block, "block_size": slot.block_size, "position": slot.position},
    )


def _exhausted(stratum: str, size: int) -> AllocationListExhausted:
    return AllocationListExhausted(
        f"all {size} slots of stratum {stratum!r} are used; the allocation list must be "
        "extended before anyone else in this stratum can be randomised",
        location="stratum",
        detail={"stratum": stratum, "slots": size},
    )


@dataclass(frozen=True, slots=True)
class VerificationProblem:
    """One disagreement between the used slots and the regenerated list."""

    kind: str
    stratum: str | None
    sequence: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "stratum": self.stratum,
            "sequence": self.sequence,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The outcome of regenerating a list and checking its used slots."""

    list_sha256: str
    recorded_sha256: str
    used: int
    strata_used: int
    problems: tuple[VerificationProblem, ...] = ()
    used_per_stratum: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the list regenerates to the recorded fingerprint and every check passes."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (reveals no unused slot)."""
        return {
            "ok": self.ok,
            "list_sha256": self.list_sha256,
            "recorded_sha256": self.recorded_sha256,
            "used": self.used,
            "strata_used": self.strata_used,
            "used_per_stratum": dict(self.used_per_stratum),
            "problems": [p.to_json() for p in self.problems],
        }


def verify(
    design: AllocationDesign, seed: int, recorded_sha256: str, used: Sequence[UsedSlot]
) -> VerificationReport:
    """Regenerate the list of ``design`` and ``seed`` and check ``used`` against it."""
    problems: list[VerificationProblem] = []
    actual = list_sha256(design, seed)
    if actual != recorded_sha256:
        problems.append(
            VerificationProblem(
                "fingerprint",
                None,
                None,
                f"the list regenerated from the seed has SHA-256 {actual}, not the recorded "
                f"{recorded_sha256}",
            )
        )
    repeats = [p for p, n in Counter(u.participant for u in used).items() if n > 1]
    problems += [
        VerificationProblem("double_allocation", None, None, f"{p} is allocated more than once")
        for p in sorted(repeats)
    ]
    by_stratum: dict[str, list[UsedSlot]] = defaultdict(list)
    for slot in used:
        by_stratum[slot.stratum].append(slot)
    known = set(design.strata())
    for stratum in sorted(by_stratum):
        slots = sorted(by_stratum[stratum], key=lambda u: u.sequence)
        if stratum not in known:
            problems.append(
                VerificationProblem("stratum", stratum, None, "not a stratum of the list")
            )
            continue
        problems += _check_stratum(design, seed, stratum, slots)
    return VerificationReport(
        list_sha256=actual,
        recorded_sha256=recorded_sha256,
        used=len(used),
        strata_used=len(by_stratum),
        problems=tuple(problems),
        used_per_stratum={s: len(v) for s, v in sorted(by_stratum.items())},
    )


def _check_stratum(
    design: AllocationDesign, seed: int, stratum: str, slots: list[UsedSlot]
) -> list[VerificationProblem]:
    problems: list[VerificationProblem] = []
    sequences = [slot.sequence for slot in slots]
    if sequences != list(range(1, len(slots) + 1)):
        problems.append(
            VerificationProblem(
                "not_gap_free",
                stratum,
                None,
                f"used slots are {_runs(sequences)}, not the prefix 1–{len(slots)}",
            )
        )
        return problems
    if design.method == "minimisation":
        return problems + _check_minimisation(design, seed, stratum, slots)
    for slot in slots:
        try:
            expected_stratum = design.stratum_of(slot.levels)
        except KeyError as missing:
            problems.append(
                VerificationProblem(
                    "levels", stratum, slot.sequence, f"no recorded level for factor {missing}"
                )
            )
            continue
        if expected_stratum != stratum:
            problems.append(
                VerificationProblem(
                    "stratum",
                    stratum,
                    slot.sequence,
                    f"{slot.participant}'s recorded levels lead to stratum {expected_stratum!r}",
                )
            )
        try:
            expected = allocate(design, seed, stratum, slot.sequence, slot.levels)
        except AllocationListExhausted:
            problems.append(
                VerificationProblem("beyond_list", stratum, slot.sequence, "past the list's end")
            )
            break
        if expected.arm != slot.arm:
            problems.append(_wrong_arm(stratum, slot, expected.arm))
    return problems


def _wrong_arm(stratum: str, slot: UsedSlot, expected: str) -> VerificationProblem:
    return VerificationProblem(
        "arm",
        stratum,
        slot.sequence,
        f"{slot.participant} got arm {slot.arm}, the list has {expected}",
    )


def _check_minimisation(
    design: AllocationDesign, seed: int, stratum: str, slots: list[UsedSlot]
) -> list[VerificationProblem]:
    """Replay the allocations in order with one running tally (linear, not quadratic)."""
    problems: list[VerificationProblem] = []
    draws = _draws(design, seed)
    tally = MinimisationTally(design)
    for slot in slots:
        if slot.sequence > len(draws):
            problems.append(
                VerificationProblem("beyond_list", stratum, slot.sequence, "past the list's end")
            )
            break
        try:
            expected = tally.choose(slot.levels, draws[slot.sequence - 1]).arm
        except KeyError as missing:
            problems.append(
                VerificationProblem(
                    "levels", stratum, slot.sequence, f"no recorded level for factor {missing}"
                )
            )
            break
        if expected != slot.arm:
            problems.append(_wrong_arm(stratum, slot, expected))
        # The trial went on with the arm actually given, so the replay does too.
        tally.add(slot.levels, slot.arm)
    return problems


def _runs(numbers: Sequence[int]) -> str:
    if len(numbers) > 12:
        return ", ".join(map(str, numbers[:12])) + ", …"
    return ", ".join(map(str, numbers))
