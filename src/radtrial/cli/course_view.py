"""How the ``rt`` course commands show a course, in Rich or as JSON: the ledger, dose and
BED/EQD2 to date, deviations, moved fractions and gap-compensation options.

Shared by :mod:`radtrial.cli.course`, :mod:`radtrial.cli.fractions` and
:mod:`radtrial.cli.site_closures`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from radtrial.cli.output import console
from radtrial.rt.gaps import CompensationOption, GapAnalysis
from radtrial.services.course import CourseView, Move
from radtrial.store.records import DeviationRecord, FractionRecord

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SEVERITY_STYLE = {"major": "bold red", "minor": "yellow"}


def _print_deviations(deviations: tuple[DeviationRecord, ...], title: str) -> None:
    for deviation in deviations:
        style = _SEVERITY_STYLE.get(deviation.severity, "")
        console.print(
            f"  [{style}]{title} #{deviation.id} {deviation.severity}[/] "
            f"{deviation.code}: {deviation.message}",
            highlight=False,
            soft_wrap=True,
        )


def _print_moves(moves: tuple[Move, ...] | list[Move], prefix: str = "") -> None:
    for move in moves:
        console.print(
            f"  {prefix}fraction {move.number} moved {move.from_day.isoformat()} → "
            f"{move.to_day.isoformat()} ({_WEEKDAYS[move.to_day.weekday()]})",
            highlight=False,
        )


def _dose_text(fraction: FractionRecord, level: str, unit: str) -> str:
    for dose in fraction.doses:
        if dose.dose_level != level:
            continue
        if dose.dose_gy is None:
            return f"[dim]{dose.planned_dose_gy:.2f}[/]"
        text = f"{dose.dose_gy:.2f}"
        if dose.rbe_model is not None and dose.physical_dose_gy is not None:
            text += f" ({dose.physical_dose_gy:.3f} Gy)"
        return text
    return "-"


def _option_rows(gaps: GapAnalysis) -> list[dict[str, Any]]:
    return [_option_json(number, option) for number, option in enumerate(gaps.options, 1)]


def _option_json(number: int, option: CompensationOption) -> dict[str, Any]:
    return {
        "option": number,
        "kind": option.kind,
        "description": option.description,
        "fraction_days": list(option.fraction_days),
        "overall_time_days": option.overall_time_days,
        "within_protocol": option.within_protocol,
        "breaks": list(option.breaks),
        "levels": [
            {
                "dose_level": effect.dose_level,
                "dose_per_fraction_gy": effect.dose_per_fraction_gy,
                "total_dose_gy": effect.total_dose_gy,
                "tumour": _tissue_json(effect.tumour),
                "late": _tissue_json(effect.late),
            }
            for effect in option.levels
        ],
    }


def _tissue_json(effect: Any) -> dict[str, Any]:
    return {
        "tissue": effect.tissue,
        "alpha_beta_gy": effect.alpha_beta_gy,
        "bed_gy": effect.bed_gy,
        "eqd2_gy": effect.eqd2_gy,
        "planned_bed_gy": effect.planned_bed_gy,
        "planned_eqd2_gy": effect.planned_eqd2_gy,
        "bed_change_percent": effect.bed_change_percent,
        "shortfall_bed_gy": effect.shortfall_bed_gy,
        "shortfall_eqd2_gy": effect.shortfall_eqd2_gy,
    }


def _print_gaps(gaps: GapAnalysis, unit: str) -> None:
    missed = ", ".join(day.isoformat() for day in gaps.missed_days)
    console.print(
        f"\n[bold]Gap compensation[/] for {gaps.missed_fractions} missed fraction(s) ({missed}); "
        f"planned overall time {gaps.planned_overall_time_days} days. Accept one with "
        "rt compensate --option N --reason TEXT",
        highlight=False,
        soft_wrap=True,
    )
    for number, option in enumerate(gaps.options, 1):
        status = "[green]within protocol[/]" if option.within_protocol else "[yellow]breaks[/]"
        days = ", ".join(day.isoformat() for day in option.fraction_days)
        console.print(
            f"  [bold]{number}[/] {option.kind}: {option.description}; {status}; "
            f"overall time {option.overall_time_days} days; days {days}",
            highlight=False,
            soft_wrap=True,
        )
        for effect in option.levels:
            tumour, late = effect.tumour, effect.late
            console.print(
                f"      {effect.dose_level}: {effect.dose_per_fraction_gy:.2f} {unit}/fraction, "
                f"total {effect.total_dose_gy:.2f}; tumour ({tumour.tissue}, α/β "
                f"{tumour.alpha_beta_gy:g}) BED {tumour.bed_gy:.2f} EQD2 {tumour.eqd2_gy:.2f} "
                f"({tumour.bed_change_percent:+.1f} % BED); late (α/β {late.alpha_beta_gy:g}) "
                f"BED {late.bed_gy:.2f} EQD2 {late.eqd2_gy:.2f} "
                f"({late.bed_change_percent:+.1f} % BED)"
                + (
                    f"; tumour BED short of the plan by {tumour.shortfall_bed_gy:.2f} Gy "
                    f"(EQD2 {tumour.shortfall_eqd2_gy:.2f} Gy)"
                    if tumour.shortfall_bed_gy > 0.005
                    else ""
                ),
                highlight=False,
                soft_wrap=True,
            )
        for broken in option.breaks:
            console.print(f"      [yellow]breaks[/] {broken}", highlight=False, soft_wrap=True)
    for note in gaps.notes:
        console.print(f"  note: {note}", highlight=False)


def _view_json(view: CourseView) -> dict[str, Any]:
    return {
        "study_id": view.study_id,
        "trial": view.trial_slug,
        "arm": {"code": view.arm_code, "label": view.arm_label},
        "protocol_version": view.protocol_version,
        "protocol_hash": view.protocol_hash,
        "site": view.site_code,
        "timezone": view.timezone,
        "start_date": view.start_date,
        "modality": view.modality,
        "dose_unit": view.dose_unit,
        "rbe_model": view.rbe_model,
        "as_of": view.as_of,
        "summary": {
            "prescribed_fractions": view.prescribed_fractions,
            "delivered_fractions": view.delivered_fractions,
            "cancelled_fractions": view.cancelled_fractions,
            "fractions_remaining": view.fractions_remaining,
            "overall_time_days": view.overall_time_days,
            "projected_overall_time_days": view.projected_overall_time_days,
            "max_overall_time_days": view.max_overall_time_days,
        },
        "fractions": view.fractions,
        "missed": view.missed,
        "dose_to_date": view.levels,
        "projected": view.projected,
        "deviations": [{**_asdict(d), "status": d.status} for d in view.deviations],
        "gap_compensation": None
        if view.gaps is None
        else {
            "missed_days": list(view.gaps.missed_days),
            "remaining_days": list(view.gaps.remaining_days),
            "planned_overall_time_days": view.gaps.planned_overall_time_days,
            "options": _option_rows(view.gaps),
            "notes": list(view.gaps.notes),
        },
    }


def _asdict(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _print_view(view: CourseView, show_resolved: bool) -> None:
    rbe = f", {view.rbe_model}" if view.rbe_model else ""
    console.print(
        f"[bold]{view.trial_acronym} {view.study_id}[/] arm {view.arm_code} ({view.arm_label}); "
        f"{view.modality}, doses in {view.dose_unit}{rbe}",
        highlight=False,
        soft_wrap=True,
    )
    limit = f", limit {view.max_overall_time_days}" if view.max_overall_time_days else ""
    console.print(
        f"protocol {view.protocol_version} (sha256 {view.protocol_hash[:12]}…); treated at "
        f"{view.site_code}; start {view.start_date.isoformat()}; as of {view.as_of.isoformat()}\n"
        f"fractions: {view.delivered_fractions} of {view.prescribed_fractions} delivered, "
        f"{view.fractions_remaining} remaining, {view.cancelled_fractions} cancelled, "
        f"{len(view.missed)} missed; overall time {view.overall_time_days} days (projected "
        f"{view.projected_overall_time_days}{limit})",
        highlight=False,
        soft_wrap=True,
    )
    level_ids = [summary.dose_level for summary in view.levels]
    table = Table(title="Ledger")
    for name in ("#", "planned", "status", "delivered (site time)", "site", "machine"):
        table.add_column(name)
    for level_id in level_ids:
        table.add_column(f"{level_id} ({view.dose_unit})", justify="right")
    table.add_column("note")
    zone = ZoneInfo(view.timezone)
    for fraction in view.fractions:
        given = (
            fraction.delivered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if fraction.delivered_at
            else ""
        )
        note = fraction.reason or ""
        if fraction.optional_fraction:
            note = f"optional {fraction.optional_fraction}" + (f"; {note}" if note else "")
        day = fraction.planned_date
        table.add_row(
            str(fraction.number),
            f"{day.isoformat()} {_WEEKDAYS[day.weekday()]}",
            fraction.status,
            given,
            fraction.site_code or "",
            fraction.machine or "",
            *(_dose_text(fraction, level_id, view.dose_unit) for level_id in level_ids),
            note,
        )
    console.print(table)
    for missed in view.missed:
        moved = f" → {missed.rescheduled_to.isoformat()}" if missed.rescheduled_to else ""
        compensation = f"; compensation: {missed.compensation}" if missed.compensation else ""
        console.print(
            f"  missed fraction {missed.number} on {missed.planned_date.isoformat()}{moved}: "
            f"{missed.reason}{compensation}",
            highlight=False,
            soft_wrap=True,
        )
    doses = Table(title=f"Dose to date ({view.dose_unit}; BED/EQD2 in Gy, LQ sum form)")
    for name in ("level", "fractions", "dose", "physical", "prescribed", "tissue", "α/β"):
        doses.add_column(name, justify="left" if name in ("level", "tissue") else "right")
    for name in ("BED", "EQD2", "BED projected", "EQD2 projected"):
        doses.add_column(name, justify="right")
    projected = {(p.dose_level, p.tissue): p for p in view.projected}
    for level in view.levels:
        for index, tissue in enumerate(level.tissues):
            ahead = projected[(level.dose_level, tissue.tissue)]
            first = index == 0
            doses.add_row(
                level.dose_level if first else "",
                str(level.fractions_delivered) if first else "",
                f"{level.dose_gy:.2f}" if first else "",
                f"{level.physical_dose_gy:.3f}" if first else "",
                f"{level.prescribed_dose_gy:g}" if first else "",
                tissue.tissue,
                f"{tissue.alpha_beta_gy:g}",
                f"{tissue.bed_gy:.2f}",
                f"{tissue.eqd2_gy:.2f}",
                f"{ahead.bed_gy:.2f}",
                f"{ahead.eqd2_gy:.2f}",
            )
    console.print(doses)
    shown = view.deviations if show_resolved else view.open_deviations
    if shown:
        table = Table(title="Deviations")
        for name in ("id", "severity", "status", "code", "fraction", "found", "message"):
            table.add_column(name)
        for deviation in shown:
            style = _SEVERITY_STYLE.get(deviation.severity, "")
            status = deviation.status
            if deviation.acknowledged_by:
                status += f" by {deviation.acknowledged_by}"
            table.add_row(
                str(deviation.id),
                f"[{style}]{deviation.severity}[/]",
                status,
                deviation.code,
                "" if deviation.fraction is None else str(deviation.fraction),
                deviation.detected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                deviation.message,
            )
        console.print(table)
    else:
        console.print("no open deviations")
    if view.gaps is not None and view.gaps.options:
        _print_gaps(view.gaps, view.dose_unit)
