"""The content an investigator signs, laid out for people.

A signable record's page shows exactly what :func:`radtrial.services.signatures.record_content`
hashes: the record type (``entity``) and every field of the record, a baseline's lesions and
RECIST rules and a follow-up's measurements included. :func:`present_record` turns that content
into sections of labelled rows and tables, with translated labels and values: yes/no for
booleans, – for nothing, sizes in mm and percentages to one decimal, RECIST responses,
non-target statuses, attributions, outcomes and seriousness criteria by name, system organ
classes by their printed MedDRA name, and times as ``YYYY-MM-DD HH:MM UTC``.

A field this module does not know is still shown, under "Other fields" with a generic format,
so no signed value can be hidden; :attr:`RecordView.keys` names every content path shown and
:func:`content_paths` every path the content has (a test checks the first covers the second,
and that every field of the stored records has a label in every language).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from radtrial.clinical.ctcae import Soc

__all__ = [
    "DASH",
    "RecordView",
    "Row",
    "Section",
    "Table",
    "Translate",
    "content_paths",
    "present_record",
    "response_name",
    "utc_minute",
]

#: ``t(key, **values)``: the page language's text of a catalogue key.
Translate = Callable[..., str]

#: Shown for nothing: None, an empty list.
DASH = "–"


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled value; ``key`` is its content path (``record.onset_on``), ``code`` asks for a
    monospace font (hashes)."""

    key: str
    label: str
    value: str
    code: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A list of the content (lesions, measurements): column headings and rows of text; the
    first cell of a row names it."""

    key: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with labelled rows or with a table."""

    id: str
    heading: str
    rows: tuple[Row, ...] = ()
    table: Table | None = None


@dataclass(frozen=True, slots=True)
class RecordView:
    """The record's sections and the content paths they show."""

    sections: tuple[Section, ...]
    keys: frozenset[str]


# -- what is shown where ---------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: The sections of each kind of record, each with the record fields it shows, in order.
_LAYOUT: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "adverse_events": (
        (
            "event",
            _names(
                "term specify soc ctcae_version grade onset_on resolved_on outcome attribution "
                "related"
            ),
        ),
        (
            "seriousness",
            _names(
                "serious seriousness_criteria expected susar expedited_report "
                "investigator_aware_at report_due_at susar_report_due_at"
            ),
        ),
    ),
    "tumour_baselines": (
        ("assessment", _names("assessed_on visit_id recist_version sum_mm")),
        ("lesions", ("lesions",)),
        ("rules", ("rules",)),
    ),
    "tumour_follow_ups": (
        ("assessment", _names("assessed_on visit_id")),
        ("measurements", ("measurements",)),
        ("findings", _names("non_target new_lesions")),
        (
            "evaluation",
            _names(
                "sum_mm nadir_mm change_from_baseline_percent change_from_nadir_mm "
                "target_response overall_response local_progression distant_progression "
                "index_mm index_nadir_mm"
            ),
        ),
    ),
}
#: Who recorded what under which protocol: last on every record.
_RECORD_FIELDS = _names(
    "id study_id visit_id protocol_version_id protocol_hash recorded_by recorded_at"
)
#: A baseline lesion's columns, in order.
_LESION_FIELDS = _names(
    "lesion_id role organ nodal modality slice_thickness_mm baseline_mm irradiated_index "
    "previously_irradiated progressed_after_irradiation"
)
#: What None means for a field, when it means more than "nothing".
_NONE_KEYS = {
    "expected": "record.none.expected",
    "non_target": "record.none.non_target",
    "sum_mm": "record.none.sum",
    "change_from_baseline_percent": "record.none.sum",
    "change_from_nadir_mm": "record.none.sum",
    "target_response": "record.none.target_response",
    "local_progression": "record.none.progression",
    "distant_progression": "record.none.progression",
    "index_mm": "record.none.index",
    "index_nadir_mm": "record.none.index",
}


# -- values ----------------------------------------------------------------------------------


def utc_minute(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM UTC`` (a naive time is taken as UTC, as the store keeps it)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def _mm(value: float) -> str:
    return f"{value:.1f} mm"


def _coded(t: Translate, prefix: str, code: object) -> str:
    """The translation of ``prefix.code``, else the code with spaces for underscores."""
    key = f"{prefix}.{code}"
    word = t(key)
    return str(code).replace("_", " ") if word == key else word


def response_name(t: Translate, code: str | None) -> str:
    """A RECIST response with its name: ``PR (partial response)``; – for none."""
    if code is None:
        return DASH
    key = f"record.response.{code}"
    name = t(key)
    return code if name == key else f"{code} ({name})"


def _soc(code: str) -> str:
    try:
        return Soc(code).printed_name
    except ValueError:
        return code.replace("_", " ")


def _grade(t: Translate, grade: object) -> str:
    key = f"record.grade.{grade}"
    meaning = t(key)
    return str(grade) if meaning == key else f"{grade} ({meaning})"


def _plain(t: Translate, value: Any) -> str:
    """Any value as text, for fields without a format of their own."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, datetime):
        return utc_minute(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(t, v)}" for k, v in value.items()) or DASH
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_plain(t, v) for v in value) or DASH
    return str(value)


_FORMATS: Mapping[str, Callable[[Translate, Any], str]] = {
    "entity": lambda t, v: _coded(t, "record.entity", v),
    "soc": lambda t, v: _soc(v),
    "grade": _grade,
    "attribution": lambda t, v: _coded(t, "outcomes.attribution", v),
    "outcome": lambda t, v: _coded(t, "outcomes.ae_outcome", v),
    "seriousness_criteria": lambda t, v: (
        ", ".join(_coded(t, "outcomes.seriousness", c) for c in v) or t("record.none.criteria")
    ),
    "non_target": lambda t, v: _coded(t, "outcomes.non_target", v),
    "target_response": response_name,
    "overall_response": response_name,
    "change_from_baseline_percent": lambda t, v: f"{v:+.1f}%",
    "change_from_nadir_mm": lambda t, v: f"{v:+.1f} mm",
    "role": lambda t, v: _coded(t, "record.role", v),
    "modality": lambda t, v: _coded(t, "record.modality", v),
    "recist_version": lambda t, v: f"RECIST {v}",
    "ctcae_version": lambda t, v: f"CTCAE v{v}",
}


def _value(t: Translate, name: str, value: Any) -> str:
    if value is None:
        return t(_NONE_KEYS[name]) if name in _NONE_KEYS else DASH
    shown = _FORMATS.get(name)
    if shown is not None:
        return shown(t, value)
    if name.endswith("_mm") and isinstance(value, int | float) and not isinstance(value, bool):
        return _mm(value)
    if name.endswith("_days") and isinstance(value, int) and not isinstance(value, bool):
        return t("record.days", n=value)
    return _plain(t, value)


# -- content paths ---------------------------------------------------------------------------


def _paths(prefix: str, value: Any) -> set[str]:
    """``prefix`` and the paths inside ``value``: ``prefix.key`` of a mapping, and
    ``prefix[].key`` of a list of mappings."""
    out = {prefix}
    if isinstance(value, Mapping):
        for key, inner in value.items():
            out |= _paths(f"{prefix}.{key}", inner)
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, Mapping):
                for key, inner in item.items():
                    out |= _paths(f"{prefix}[].{key}", inner)
    return out


def content_paths(content: Mapping[str, Any]) -> frozenset[str]:
    """Every path of a signed record's content (``entity``, ``record.<field>``,
    ``record.rules.<rule>``, ``record.lesions[].<field>``, ``record.measurements.<lesion>``)."""
    out: set[str] = set()
    for key, value in content.items():
        out |= _paths(key, value)
    return frozenset(out)


# -- sections --------------------------------------------------------------------------------


def _row(t: Translate, name: str, value: Any) -> Row:
    return Row(
        key=f"record.{name}",
        label=t(f"record.field.{name}"),
        value=_value(t, name, value),
        code=name == "protocol_hash",
    )


def _lesions(t: Translate, lesions: Iterable[Mapping[str, Any]]) -> tuple[Table, set[str]]:
    items = list(lesions)
    extra = [k for item in items for k in item if k not in _LESION_FIELDS]
    columns = [*_LESION_FIELDS, *dict.fromkeys(extra)]
    rows = []
    for item in items:
        cells = []
        for name in columns:
            value = item.get(name)
            text = _value(t, name, value)
            if name == "baseline_mm" and value is not None:
                axis = "record.short_axis" if item.get("nodal") else "record.longest_diameter"
                text = f"{text} ({t(axis)})"
            cells.append(text)
        rows.append(tuple(cells))
    table = Table(
        key="record.lesions",
        columns=tuple(t(f"record.lesion.{name}") for name in columns),
        rows=tuple(rows),
    )
    return table, _paths("record.lesions", items)


def _measurements(t: Translate, sizes: Mapping[str, Any]) -> tuple[Table, set[str]]:
    rows = tuple(
        (str(lesion), t("record.not_evaluated") if size is None else _mm(size))
        for lesion, size in sizes.items()
    )
    table = Table(
        key="record.measurements",
        columns=(t("record.measurement.lesion"), t("record.measurement.size")),
        rows=rows,
    )
    return table, _paths("record.measurements", sizes)


def _rules(t: Translate, rules: Mapping[str, Any]) -> tuple[tuple[Row, ...], set[str]]:
    rows = tuple(
        Row(key=f"record.rules.{name}", label=t(f"record.rule.{name}"), value=_value(t, name, v))
        for name, v in rules.items()
    )
    return rows, _paths("record.rules", rules)


def present_record(t: Translate, content: Mapping[str, Any]) -> RecordView:
    """The sections of a signed record's ``content`` (``{"entity": …, "record": {…}}``, as
    :func:`radtrial.services.signatures.record_content` gives it) in the page language."""
    entity = str(content.get("entity", ""))
    record: Mapping[str, Any] = content.get("record") or {}
    sections: list[Section] = []
    keys: set[str] = {"record"}
    shown: set[str] = set()
    for section, names in _LAYOUT.get(entity, ()):
        heading = t(f"record.section.{section}")
        present = [name for name in names if name in record and name not in shown]
        shown.update(present)
        if names == ("lesions",) and present:
            table, paths = _lesions(t, record["lesions"] or ())
            sections.append(Section(section, heading, table=table))
            keys |= paths
        elif names == ("measurements",) and present:
            table, paths = _measurements(t, record["measurements"] or {})
            sections.append(Section(section, heading, table=table))
            keys |= paths
        elif names == ("rules",) and present:
            rules, paths = _rules(t, record["rules"] or {})
            sections.append(Section(section, heading, rows=rules))
            keys |= paths
        elif present:
            sections.append(
                Section(section, heading, rows=tuple(_row(t, n, record[n]) for n in present))
            )
            keys |= {f"record.{name}" for name in present}
    other = [name for name in record if name not in shown and name not in _RECORD_FIELDS]
    if other:
        sections.append(
            Section(
                "other",
                t("record.section.other"),
                rows=tuple(_row(t, name, record[name]) for name in other),
            )
        )
        for name in other:
            keys |= _paths(f"record.{name}", record[name])
    admin = [Row("entity", t("record.field.entity"), _value(t, "entity", entity))]
    admin.extend(_row(t, n, record[n]) for n in _RECORD_FIELDS if n in record and n not in shown)
    keys.add("entity")
    keys |= {row.key for row in admin}
    sections.append(Section("record", t("record.section.record"), rows=tuple(admin)))
    extra = [key for key in content if key not in {"entity", "record"}]
    if extra:
        sections.append(
            Section(
                "content",
                t("record.section.other"),
                rows=tuple(
                    Row(key, t(f"record.field.{key}"), _plain(t, content[key])) for key in extra
                ),
            )
        )
        for key in extra:
            keys |= _paths(key, content[key])
    return RecordView(tuple(sections), frozenset(keys))
