"""Evaluating a protocol version's eligibility criteria against one person's screening data.

Each criterion gets one of four results, with the reasons (one per rule it combines):

* **met**: the data satisfy the rule, the investigator confirmed it, or a ``when`` guard says
  the criterion does not apply to this person;
* **not met**: the data contradict the rule;
* **missing data**: a field the rule (or its guard) reads has no value;
* **needs confirmation**: the rule is clinical judgement and no investigator has confirmed it.

Rules state what must hold for the person to be *eligible*, for inclusion and exclusion
criteria alike (see :mod:`radtrial.protocol.eligibility`), so both are evaluated the same way.
A person is eligible only when every criterion is met (confirmed counts as met). An ``all``
rule combines its parts with the order not met > missing data > needs confirmation > met, so a
person who fails one part is "not met" even while another part lacks data.

Screening data are a mapping from screening-field name to value. A key that is absent means
"not collected" (missing data); a key present with ``None`` means "explicitly empty", which for
a ``days_before`` rule with ``absent_is_met`` means the event never happened (no systemic
therapy at all) and for every other rule is missing data.

Pure: no clock, no I/O. :func:`parse_screening_data` checks the values against the protocol's
field types first, so evaluation never sees a value of the wrong type.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeAlias

from radtrial.errors import InvalidInput
from radtrial.protocol.eligibility import (
    AllRule,
    ConfirmRule,
    Criterion,
    DaysBeforeRule,
    Eligibility,
    FlagRule,
    NoneOfRule,
    OneOfRule,
    RangeRule,
    Rule,
    ScreeningField,
)

__all__ = [
    "CriterionResult",
    "EligibilityResult",
    "Outcome",
    "ScreeningData",
    "ScreeningStatus",
    "ScreeningValue",
    "confirmable_criteria",
    "evaluate",
    "parse_screening_data",
    "screening_data_to_json",
]

ScreeningValue: TypeAlias = int | float | bool | date | str | None
ScreeningData: TypeAlias = Mapping[str, ScreeningValue]

_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})


class Outcome(StrEnum):
    """The result of one criterion."""

    MET = "met"
    NOT_MET = "not_met"
    MISSING_DATA = "missing_data"
    NEEDS_CONFIRMATION = "needs_confirmation"


#: Combination order of an ``all`` rule and of the overall status: the first present wins.
_PRECEDENCE = (Outcome.NOT_MET, Outcome.MISSING_DATA, Outcome.NEEDS_CONFIRMATION, Outcome.MET)


class ScreeningStatus(StrEnum):
    """The overall result of one evaluation."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"
    AWAITING_CONFIRMATION = "awaiting_confirmation"


_STATUS = {
    Outcome.NOT_MET: ScreeningStatus.INELIGIBLE,
    Outcome.MISSING_DATA: ScreeningStatus.INCOMPLETE,
    Outcome.NEEDS_CONFIRMATION: ScreeningStatus.AWAITING_CONFIRMATION,
    Outcome.MET: ScreeningStatus.ELIGIBLE,
}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's result: ``applies`` is False when its ``when`` guard excluded it;
    ``confirmed`` is True when an investigator's confirmation made it met."""

    criterion_id: str
    group: str
    outcome: Outcome
    reasons: tuple[str, ...]
    applies: bool = True
    confirmed: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, as stored with the evaluation."""
        return {
            "criterion": self.criterion_id,
            "group": self.group,
            "outcome": self.outcome.value,
            "reasons": list(self.reasons),
            "applies": self.applies,
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CriterionResult:
        """The result stored by :meth:`to_json`."""
        return cls(
            criterion_id=str(data["criterion"]),
            group=str(data["group"]),
            outcome=Outcome(data["outcome"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            applies=bool(data["applies"]),
            confirmed=bool(data["confirmed"]),
        )


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """Every criterion's result, in protocol order, and the overall status."""

    results: tuple[CriterionResult, ...]

    @property
    def status(self) -> ScreeningStatus:
        """Ineligible if any criterion is not met, else incomplete if any lacks data, else
        awaiting confirmation if any needs it, else eligible."""
        return _STATUS[_combine(r.outcome for r in self.results)]

    @property
    def eligible(self) -> bool:
        """True only when every criterion is met or confirmed."""
        return self.status is ScreeningStatus.ELIGIBLE

    def with_outcome(self, outcome: Outcome) -> tuple[CriterionResult, ...]:
        """The criteria with this outcome, in protocol order."""
        return tuple(r for r in self.results if r.outcome is outcome)

    def blocking(self) -> tuple[CriterionResult, ...]:
        """Every criterion that is not met, lacks data or awaits confirmation."""
        return tuple(r for r in self.results if r.outcome is not Outcome.MET)

    def to_json(self) -> list[dict[str, Any]]:
        """JSON-ready form, as stored with the evaluation."""
        return [r.to_json() for r in self.results]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]]) -> EligibilityResult:
        """The result stored by :meth:`to_json`."""
        return cls(tuple(CriterionResult.from_json(item) for item in data))


def _combine(outcomes: Iterable[Outcome]) -> Outcome:
    present = set(outcomes)
    for outcome in _PRECEDENCE:
        if outcome in present:
            return outcome
    return Outcome.MET


# -- reading screening data -------------------------------------------------------------------


def _parse_value(spec: ScreeningField, raw: object) -> ScreeningValue:
    """``raw`` (from JSON or a ``field=value`` string) as the field's type; None stays None."""
    where = f"data.{spec.name}"
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            return None
    kind = spec.type
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise InvalidInput(f"{raw!r} is not yes or no", location=where)
    if kind == "integer":
        if isinstance(raw, bool):
            raise InvalidInput(f"{raw!r} is not a whole number", location=where)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str):
            try:
                return int(raw)
            except ValueError:
                pass
        raise InvalidInput(f"{raw!r} is not a whole number", location=where)
    if kind == "number":
        if isinstance(raw, bool):
            raise InvalidInput(f"{raw!r} is not a number", location=where)
        if isinstance(raw, int | float):
            value = float(raw)
        elif isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                raise InvalidInput(f"{raw!r} is not a number", location=where) from None
        else:
            raise InvalidInput(f"{raw!r} is not a number", location=where)
        if not math.isfinite(value):
            raise InvalidInput(f"{raw!r} is not a finite number", location=where)
        return value
    if kind == "date":
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        raise InvalidInput(f"{raw!r} is not a date (YYYY-MM-DD)", location=where)
    if not isinstance(raw, str):
        raise InvalidInput(f"{raw!r} is not text", location=where)
    if kind == "choice" and raw not in spec.choices:
        raise InvalidInput(
            f"{raw!r} is not one of the choices {', '.join(spec.choices)}", location=where
        )
    return raw


def parse_screening_data(eligibility: Eligibility, raw: Mapping[str, object]) -> dict[str, Any]:
    """``raw`` checked against the protocol's screening fields and converted to their types.

    Booleans accept yes/no, true/false and 1/0; dates ISO 8601 (``YYYY-MM-DD``); an empty
    string or None is kept as "explicitly empty" (None). Raises :class:`InvalidInput` located
    at ``data.<field>`` for an unknown field or a value of the wrong type.
    """
    fields = {spec.name: spec for spec in eligibility.fields}
    out: dict[str, ScreeningValue] = {}
    for name, value in raw.items():
        spec = fields.get(name)
        if spec is None:
            raise InvalidInput(
                f"{name!r} is not a screening field of this protocol; fields: {', '.join(fields)}",
                location=f"data.{name}",
            )
        out[name] = _parse_value(spec, value)
    return out


def screening_data_to_json(data: ScreeningData) -> dict[str, Any]:
    """JSON-ready screening data: dates as ISO strings, keys sorted."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in sorted(data.items())
    }


# -- evaluation -------------------------------------------------------------------------------


def _shown(value: ScreeningValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class _Leaf:
    outcome: Outcome
    reason: str


def _missing(name: str) -> _Leaf:
    return _Leaf(Outcome.MISSING_DATA, f"{name}: no value")


def _bounds(rule: RangeRule) -> str:
    parts = []
    if (
        rule.min is not None
        and rule.max is not None
        and not (rule.min_exclusive or rule.max_exclusive)
    ):
        return f"{rule.min:g}–{rule.max:g}"
    if rule.min is not None:
        parts.append(f"{'>' if rule.min_exclusive else '≥'} {rule.min:g}")
    if rule.max is not None:
        parts.append(f"{'<' if rule.max_exclusive else '≤'} {rule.max:g}")
    return " and ".join(parts)


def _range(rule: RangeRule, data: ScreeningData) -> _Leaf:
    value = data.get(rule.field)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return _missing(rule.field)
    ok = True
    if rule.min is not None:
        ok &= value > rule.min if rule.min_exclusive else value >= rule.min
    if rule.max is not None:
        ok &= value < rule.max if rule.max_exclusive else value <= rule.max
    verdict = "" if ok else f", needs {_bounds(rule)}"
    return _Leaf(Outcome.MET if ok else Outcome.NOT_MET, f"{rule.field} = {_shown(value)}{verdict}")


def _choice(rule: OneOfRule | NoneOfRule, data: ScreeningData) -> _Leaf:
    value = data.get(rule.field)
    if value is None:
        return _missing(rule.field)
    inside = value in rule.values
    ok = inside if isinstance(rule, OneOfRule) else not inside
    wanted = "one of" if isinstance(rule, OneOfRule) else "none of"
    verdict = "" if ok else f", needs {wanted} {', '.join(rule.values)}"
    return _Leaf(Outcome.MET if ok else Outcome.NOT_MET, f"{rule.field} = {value}{verdict}")


def _flag(rule: FlagRule, data: ScreeningData) -> _Leaf:
    value = data.get(rule.field)
    if value is None or not isinstance(value, bool):
        return _missing(rule.field)
    ok = value is rule.required
    verdict = "" if ok else f", needs {_shown(rule.required)}"
    return _Leaf(Outcome.MET if ok else Outcome.NOT_MET, f"{rule.field} = {_shown(value)}{verdict}")


def _days_before(rule: DaysBeforeRule, data: ScreeningData) -> _Leaf:
    if rule.field not in data:
        return _missing(rule.field)
    event = data[rule.field]
    if event is None:
        if rule.absent_is_met:
            return _Leaf(Outcome.MET, f"{rule.field}: none (never)")
        return _missing(rule.field)
    reference = data.get(rule.reference)
    if not isinstance(reference, date):
        return _missing(rule.reference)
    if not isinstance(event, date):
        return _missing(rule.field)
    days = (reference - event).days
    ok = days >= rule.min_days
    if days >= 0:
        relation = f"{days} day{'s' if days != 1 else ''} before {rule.reference}"
    else:
        relation = f"{-days} day{'s' if days != -1 else ''} after {rule.reference}"
    verdict = "" if ok else f", needs ≥ {rule.min_days} days before"
    return _Leaf(
        Outcome.MET if ok else Outcome.NOT_MET,
        f"{rule.field} {event.isoformat()} is {relation} {reference.isoformat()}{verdict}",
    )


def _leaves(rule: Rule, data: ScreeningData, confirmed: bool) -> list[_Leaf]:
    if isinstance(rule, AllRule):
        return [leaf for inner in rule.rules for leaf in _leaves(inner, data, confirmed)]
    if isinstance(rule, ConfirmRule):
        if confirmed:
            return [_Leaf(Outcome.MET, f"confirmed by the investigator: {rule.prompt}")]
        return [_Leaf(Outcome.NEEDS_CONFIRMATION, f"investigator to confirm: {rule.prompt}")]
    if isinstance(rule, RangeRule):
        return [_range(rule, data)]
    if isinstance(rule, OneOfRule | NoneOfRule):
        return [_choice(rule, data)]
    if isinstance(rule, FlagRule):
        return [_flag(rule, data)]
    return [_days_before(rule, data)]


def _has_confirm(rule: Rule) -> bool:
    if isinstance(rule, ConfirmRule):
        return True
    if isinstance(rule, AllRule):
        return any(_has_confirm(inner) for inner in rule.rules)
    return False


def confirmable_criteria(eligibility: Eligibility) -> frozenset[str]:
    """The ids of the criteria whose rule has a part the investigator confirms."""
    return frozenset(c.id for c in eligibility.criteria() if _has_confirm(c.rule))


def _criterion(
    criterion: Criterion, group: str, data: ScreeningData, confirmed: bool
) -> CriterionResult:
    guard = criterion.when
    if guard is not None:
        value = data.get(guard.field)
        if value is None:
            return CriterionResult(
                criterion.id,
                group,
                Outcome.MISSING_DATA,
                (f"{guard.field}: no value, so it is unknown whether {criterion.id} applies",),
            )
        if value != guard.equals or isinstance(value, bool) != isinstance(guard.equals, bool):
            return CriterionResult(
                criterion.id,
                group,
                Outcome.MET,
                (f"does not apply: {guard.field} = {_shown(value)}",),
                applies=False,
            )
    leaves = _leaves(criterion.rule, data, confirmed)
    outcome = _combine(leaf.outcome for leaf in leaves)
    used_confirmation = confirmed and _has_confirm(criterion.rule)
    return CriterionResult(
        criterion.id,
        group,
        outcome,
        tuple(leaf.reason for leaf in leaves),
        confirmed=used_confirmation and outcome is Outcome.MET,
    )


def evaluate(
    eligibility: Eligibility, data: ScreeningData, confirmed: Collection[str] = ()
) -> EligibilityResult:
    """Evaluate every criterion of ``eligibility`` over ``data``.

    ``confirmed`` holds the ids of criteria an investigator has confirmed; a confirmation
    satisfies only the criterion's ``confirm`` rules, never a data rule it is combined with.
    Raises :class:`InvalidInput` located at ``confirm`` for an id that is not a criterion or
    whose rule needs no confirmation.
    """
    criteria = {c.id: c for c in eligibility.criteria()}
    for criterion_id in confirmed:
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(
                f"{criterion_id!r} is not a criterion; criteria are {', '.join(criteria)}",
                location="confirm",
            )
        if not _has_confirm(criterion.rule):
            raise InvalidInput(
                f"{criterion_id} needs no investigator confirmation: its rule is "
                f"{criterion.describe()}",
                location="confirm",
            )
    results = [
        _criterion(c, "inclusion", data, c.id in confirmed) for c in eligibility.inclusion
    ] + [_criterion(c, "exclusion", data, c.id in confirmed) for c in eligibility.exclusion]
    return EligibilityResult(tuple(results))
