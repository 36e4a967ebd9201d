"""Eligibility text -> single criteria, and machine-evaluable rules where the text is clear.

The registry's eligibility text is Markdown: an "Inclusion Criteria:" and an "Exclusion
Criteria:" heading, each over a bullet (``* ``) or numbered (``1. ``) list. Lines that carry no
marker continue the item above; indented items are sub-items and stay part of their parent.

Recognition is deliberately narrow: a rule is written only where the wording leaves no doubt
(``≥18 years of age``, ``ECOG performance status 0-3``). Everything else, and every criterion
with a condition ("For patients with metastatic disease ..."), becomes a ``confirm`` rule the
investigator answers. Every rule states what must hold for the person to be *eligible*, for
exclusion criteria too: exclusion "pacemaker" is the rule ``pacemaker_or_icd`` is false.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from radtrial.protocol.registry.record import unescape

Group = Literal["inclusion", "exclusion"]

#: Screening fields a recognised rule may read, in the order they are declared.
SCREENING_FIELDS: dict[str, dict[str, Any]] = {
    "age_years": {"type": "integer", "label": "Age at consent", "unit": "years"},
    "ecog": {"type": "integer", "label": "ECOG performance status"},
    "target_symptom_nrs": {
        "type": "integer",
        "label": "Patient-reported severity of the target symptom (NRS 0-10)",
        "unit": "points",
    },
    "expected_survival_weeks": {"type": "number", "label": "Expected survival", "unit": "weeks"},
    "expected_survival_months": {"type": "number", "label": "Expected survival", "unit": "months"},
    "last_systemic_therapy_date": {
        "type": "date",
        "label": "Date of last systemic cancer treatment (empty if none)",
    },
    "planned_first_fraction_date": {
        "type": "date",
        "label": "Planned date of the first radiotherapy fraction",
    },
    "prior_rt_to_tumour_site": {
        "type": "boolean",
        "label": "Previous radiotherapy to the tumour site",
    },
    "pacemaker_or_icd": {
        "type": "boolean",
        "label": "Pacemaker or implanted defibrillator",
    },
    "measurable_recist": {
        "type": "boolean",
        "label": "Measurable disease according to RECIST 1.1",
    },
}


@dataclass(frozen=True)
class CriterionDraft:
    """One criterion: verbatim text, its rule (protocol data) and what was recognised."""

    group: Group
    text: str
    rule: dict[str, Any]
    recognised: str = "confirm"

    @property
    def fields(self) -> tuple[str, ...]:
        """Screening fields the rule reads."""
        return _rule_fields(self.rule)

    @property
    def machine_evaluable(self) -> bool:
        """The rule is evaluated from screening data, not confirmed by the investigator."""
        return bool(self.rule["kind"] != "confirm")


def _rule_fields(rule: dict[str, Any]) -> tuple[str, ...]:
    if rule["kind"] == "all":
        return tuple(f for inner in rule["rules"] for f in _rule_fields(inner))
    names = [rule[key] for key in ("field", "reference") if key in rule]
    return tuple(names)


# -- splitting ------------------------------------------------------------------------------

_SECTION = re.compile(
    r"^[#*_\s]*(?:key\s+|main\s+|major\s+)?(inclusion|exclusion)\s+criteria"
    r"(?:\s*\([^)]*\))?\s*:?[*_\s]*$",
    re.IGNORECASE,
)
_ITEM = re.compile(
    r"^(?P<indent>\s*)(?P<marker>[*\-+•●▪◦·]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)]|\([a-z]\))\s+"
    r"(?P<text>\S.*)$"
)


def split_criteria(text: str) -> dict[Group, list[str]]:
    """The inclusion and exclusion criteria of a registry's eligibility text, verbatim.

    Text before any section heading counts as inclusion criteria.
    """
    found: dict[Group, list[list[str]]] = {"inclusion": [], "exclusion": []}
    group: Group = "inclusion"
    current: list[str] | None = None
    base_indent = 0
    base_lettered = False
    after_blank = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            after_blank = True
            continue
        section = _SECTION.match(line)
        if section:
            group = "exclusion" if section.group(1).lower() == "exclusion" else "inclusion"
            current, after_blank = None, False
            continue
        item = _ITEM.match(line)
        indent = len(line) - len(line.lstrip())
        if item:
            lettered = item.group("marker").strip("()")[0].isalpha()
            if current is None:
                base_indent, base_lettered = indent, lettered
            if current is not None and (indent > base_indent or (lettered and not base_lettered)):
                current.append("\n" + line.strip())
            else:
                current = [item.group("text").strip()]
                found[group].append(current)
        elif current is not None and (not after_blank or indent > base_indent):
            current.append(" " + line.strip())
        else:
            current = [line.strip()]
            found[group].append(current)
        after_blank = False
    return {name: [j for parts in items if (j := _join(parts))] for name, items in found.items()}


def _join(parts: list[str]) -> str:
    text = unescape("".join(parts))
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")).strip()


# -- recognition ----------------------------------------------------------------------------

_CONDITIONAL = re.compile(
    r"^(?:for|in)\s+(?:patients|participants|subjects|women|men|those)\b|^if\b|"
    r"^women of child[- ]?bearing|^wocbp\b",
    re.IGNORECASE,
)
_GE = r"(?:≥|>=|=>|⩾|at least|greater than or equal to)"
_GT = r"(?:>|greater than|more than|over|exceeding)"
_LE = r"(?:≤|<=|=<|⩽|at most|less than or equal to)"
_LT = r"(?:<|less than|under|below)"
_COMPARATOR = rf"(?P<op>{_GE}|{_LE}|{_GT}|{_LT})"


def _op(text: str) -> str:
    """One of ``>=``, ``>``, ``<=``, ``<`` for a matched comparator."""
    lowered = text.lower()
    for pattern, name in ((_GE, ">="), (_LE, "<="), (_GT, ">"), (_LT, "<")):
        if re.fullmatch(pattern, lowered):
            return name
    raise ValueError(text)  # pragma: no cover - the patterns above are the only alternatives


def _bound(field_name: str, op: str, value: float, group: Group) -> dict[str, Any]:
    """A range rule for "field op value" holding (inclusion) or not holding (exclusion)."""
    if group == "exclusion":
        op = {">=": "<", ">": "<=", "<=": ">", "<": ">="}[op]
    rule: dict[str, Any] = {"kind": "range", "field": field_name}
    if op in (">=", ">"):
        rule["min"] = _number(value)
        if op == ">":
            rule["min_exclusive"] = True
    else:
        rule["max"] = _number(value)
        if op == "<":
            rule["max_exclusive"] = True
    return rule


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _age(text: str, group: Group) -> dict[str, Any] | None:
    if not re.search(r"\b(?:age|aged|old|older)\b", text, re.IGNORECASE):
        return None
    match = re.search(
        rf"(?:\bage[d]?\s*(?:of\s*)?)?{_COMPARATOR}\s*(?P<n>\d{{1,3}})\s*(?:years|yrs|y\b)",
        text,
        re.IGNORECASE,
    ) or re.search(rf"\bage[d]?\s*{_COMPARATOR}\s*(?P<n>\d{{1,3}})\b", text, re.IGNORECASE)
    if match:
        return _bound("age_years", _op(match.group("op")), float(match.group("n")), group)
    match = re.search(
        r"(?P<n>\d{1,3})\s*years\s*(?:of\s+age\s*)?(?:or|and)\s*(?:older|above|over)",
        text,
        re.IGNORECASE,
    )
    if match:
        return _bound("age_years", ">=", float(match.group("n")), group)
    return None


def _ecog(text: str, group: Group) -> dict[str, Any] | None:
    match = re.search(r"\bECOG\b|\bWHO\b|(?i:performance status)", text)
    if match is None or re.search(r"karnofsky|\bKPS\b", text, re.IGNORECASE):
        return None
    tail = text[match.end() :]
    span = re.match(r"\D{0,60}?\b([0-5])\s*(?:[-–]|to)\s*([0-5])\b", tail)
    if span and group == "inclusion":
        low, high = int(span.group(1)), int(span.group(2))
        if low <= high:
            return {"kind": "range", "field": "ecog", "min": low, "max": high}
    listed = re.match(r"\D{0,60}?\b([0-5](?:\s*,\s*[0-5])*\s*,?\s*(?:or|and)\s*[0-5])\b", tail)
    if listed and group == "inclusion":
        values = sorted(int(v) for v in re.findall(r"[0-5]", listed.group(1)))
        if values == list(range(values[0], values[-1] + 1)):
            return {"kind": "range", "field": "ecog", "min": values[0], "max": values[-1]}
    compared = re.match(rf"\D{{0,60}}?{_COMPARATOR}\s*([0-5])\b", tail, re.IGNORECASE)
    if compared:
        op, value = _op(compared.group("op")), int(compared.group(2))
        if group == "exclusion":
            op = {">=": "<", ">": "<=", "<=": ">", "<": ">="}[op]
        if op in ("<=", "<"):
            return {"kind": "range", "field": "ecog", "min": 0, "max": value - (op == "<")}
        return {"kind": "range", "field": "ecog", "min": value + (op == ">"), "max": 5}
    return None


def _nrs(text: str, group: Group) -> dict[str, Any] | None:
    if group != "inclusion" or not re.search(r"\bNRS\b|numeric(?:al)? rating scale", text, re.I):
        return None
    match = re.search(rf"{_COMPARATOR}\s*(\d{{1,2}})\b", text, re.IGNORECASE)
    if match is None:
        return None
    op, value = _op(match.group("op")), int(match.group(2))
    if op not in (">=", ">"):
        return None
    scale = re.search(r"\b0\s*[-–]\s*(\d{1,2})\b", text)
    top = int(scale.group(1)) if scale else 10
    low = value if op == ">=" else value + 1
    return {"kind": "range", "field": "target_symptom_nrs", "min": low, "max": top}


def _survival(text: str, group: Group) -> dict[str, Any] | None:
    match = re.search(
        rf"\b(?:expected survival|life[- ]expectancy|expected to live)\s*(?:of\s*|is\s*)?"
        rf"{_COMPARATOR}\s*(\d+(?:\.\d+)?)\s*(weeks?|months?)\b",
        text,
        re.IGNORECASE,
    )
    if match is None:
        return None
    unit = "weeks" if match.group(3).lower().startswith("week") else "months"
    return _bound(f"expected_survival_{unit}", _op(match.group("op")), float(match.group(2)), group)


def _systemic(text: str, group: Group) -> dict[str, Any] | None:
    match = re.search(
        r"\bsystemic\b.*?\b(?:therap|treatment|chemotherap).*?\bwithin\s+(?:the\s+(?:last|past)\s+)?"
        r"(\d+)\s+(days?|weeks?)\s+(?:prior to|before|of)\s+(?:the\s+)?"
        r"(?:first\s+(?:radiotherapy\s+)?fraction|start\s+of\s+(?:radio|radiation\s+)?therapy|"
        r"(?:radiotherapy|radiation)\s+start)",
        text,
        re.IGNORECASE | re.DOTALL,
    )
    if match is None:
        return None
    if group == "inclusion" and not re.match(r"^\s*no\b", text, re.IGNORECASE):
        return None
    days = int(match.group(1)) * (7 if match.group(2).lower().startswith("week") else 1)
    return {
        "kind": "days_before",
        "field": "last_systemic_therapy_date",
        "reference": "planned_first_fraction_date",
        "min_days": days,
    }


_PRIOR_RT = re.compile(
    r"\b(?:previous|prior)\s+(?:radiotherapy|radiation(?:\s+therapy)?|irradiation|RT)\s+"
    r"(?:to|of|in)\s+the\s+(?:tumou?r(?:\s+(?:site|area|region))?|same\s+(?:site|area|region)|"
    r"target(?:\s+(?:site|area|region))?|treatment\s+(?:site|area|field))\b",
    re.IGNORECASE,
)
_PACEMAKER = re.compile(
    r"^(?:patients?\s+with\s+|presence\s+of\s+(?:an?\s+)?|having\s+(?:an?\s+)?)?(?:an?\s+)?"
    r"(?:cardiac\s+)?pacemakers?(?:\s*(?:and/or|or|and)\s+(?:an?\s+)?implant\w*\s+"
    r"(?:cardioverter[- ])?defibrillators?(?:\s*\(ICDs?\))?)?\.?$",
    re.IGNORECASE,
)
_RECIST = re.compile(
    r"\bmeasurable\s+disease\s+(?:according\s+to|per|by|as\s+defined\s+by)\s+RECIST\b",
    re.IGNORECASE,
)


def _negated(text: str) -> bool:
    return re.match(r"^\s*(?:no|without|absence\s+of)\b", text, re.IGNORECASE) is not None


def _prior_rt(text: str, group: Group) -> dict[str, Any] | None:
    if _PRIOR_RT.search(text) is None or (group == "inclusion" and not _negated(text)):
        return None
    return {"kind": "flag", "field": "prior_rt_to_tumour_site", "required": False}


def _pacemaker(text: str, group: Group) -> dict[str, Any] | None:
    if group != "exclusion" or _PACEMAKER.match(text.strip()) is None:
        return None
    return {"kind": "flag", "field": "pacemaker_or_icd", "required": False}


def _recist(text: str, group: Group) -> dict[str, Any] | None:
    if _RECIST.search(text) is None:
        return None
    # exclusion "no measurable disease ..." and inclusion "measurable disease ..." alike
    # require measurable disease; exclusion "measurable disease" would be contradictory.
    if group == "exclusion" and not _negated(text):
        return None
    if group == "inclusion" and _negated(text):
        return None
    return {"kind": "flag", "field": "measurable_recist", "required": True}


Recogniser = Callable[[str, Group], dict[str, Any] | None]

#: Tried in order; the first rule found wins.
RECOGNISERS: tuple[tuple[str, Recogniser], ...] = (
    ("systemic_therapy", _systemic),
    ("prior_rt", _prior_rt),
    ("pacemaker", _pacemaker),
    ("measurable_recist", _recist),
    ("expected_survival", _survival),
    ("target_symptom_nrs", _nrs),
    ("ecog", _ecog),
    ("age", _age),
)
_HISTOLOGY = re.compile(r"\b(?:histolog|cytolog|patholog)", re.IGNORECASE)


def confirm_prompt(text: str, group: Group) -> str:
    """The investigator's prompt: the criterion, stated as what must hold to be eligible."""
    if group == "exclusion":
        return f"This exclusion criterion does not apply to the patient: {text}"
    return text


def recognise(text: str, group: Group) -> CriterionDraft:
    """The rule for one criterion: a machine-evaluable one if the text is clear, else confirm."""
    if not _CONDITIONAL.search(text):
        for name, recogniser in RECOGNISERS:
            rule = recogniser(text, group)
            if rule is not None:
                return CriterionDraft(group, text, rule, name)
    kind = "histology" if _HISTOLOGY.search(text) else "confirm"
    rule = {"kind": "confirm", "prompt": confirm_prompt(text, group)}
    return CriterionDraft(group, text, rule, kind)


def minimum_age_rule(minimum_age: str) -> dict[str, Any] | None:
    """A range rule from the registry's minimum-age field ("18 Years"), if in years."""
    match = re.match(r"^\s*(\d+)\s*years?\s*$", minimum_age, re.IGNORECASE)
    if match is None:
        return None
    return {"kind": "range", "field": "age_years", "min": int(match.group(1))}


def draft_criteria(text: str) -> list[CriterionDraft]:
    """Every criterion of an eligibility text with its rule, inclusion first."""
    groups = split_criteria(text)
    return [recognise(c, group) for group in ("inclusion", "exclusion") for c in groups[group]]


def fields_for(criteria: list[CriterionDraft]) -> list[dict[str, Any]]:
    """The screening-field declarations the criteria's rules read, in catalogue order."""
    used = {name for criterion in criteria for name in criterion.fields}
    return [{"name": name, **spec} for name, spec in SCREENING_FIELDS.items() if name in used]
