"""The plan-QA report: one self-contained HTML page with the constraint table and a DVH plot.

A pure function of the check's results: no files, no clock (the caller passes the time), no
plotting library (the cumulative DVHs are drawn as inline SVG polylines), so the same page can
be stored with the participant, audited and shown by the web UI.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from radtrial.rt.dvh.histogram import Dvh

_COLOURS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
)  # fmt: skip
_VERDICT_STYLE = {
    "pass": "background:#d9f2d9",
    "minor": "background:#fff2cc",
    "major": "background:#f8d0d0",
    "not_evaluated": "color:#777",
}


@dataclass(frozen=True)
class ReportRow:
    """One constraint row as the report shows it."""

    id: str
    structure: str
    local_name: str | None
    metric: str
    comparison: str
    limit: float | None
    minor_limit: float | None
    unit: str
    value: float | None
    verdict: str
    note: str = ""


def dvh_svg(curves: Mapping[str, Dvh], *, width: int = 640, height: int = 360) -> str:
    """Cumulative DVHs (volume in % of each structure against dose) as an SVG element."""
    left, right, top, bottom = 56, 150, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    max_dose = max((d.max_gy for d in curves.values() if not d.is_empty), default=1.0) or 1.0
    step = _nice_step(max_dose)
    x_max = step * float(np.ceil(max_dose / step))

    def x(dose: float) -> float:
        return left + plot_w * dose / x_max

    def y(percent: float) -> float:
        return top + plot_h * (1 - percent / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#444"/>',
    ]
    for tick in np.arange(0, x_max + step / 2, step):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{top + plot_h}" '
            'stroke="#ddd"/>'
            f'<text x="{x(tick):.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
            f"{tick:g}</text>"
        )
    for percent in range(0, 101, 20):
        parts.append(
            f'<line x1="{left}" y1="{y(percent):.1f}" x2="{left + plot_w}" y2="{y(percent):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(percent) + 4:.1f}" text-anchor="end">{percent}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">Dose (Gy)</text>'
        f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">Volume (%)</text>'
    )
    for index, (name, dvh) in enumerate(curves.items()):
        if dvh.is_empty:
            continue
        colour = _COLOURS[index % len(_COLOURS)]
        doses = np.linspace(0.0, dvh.max_gy, 200)
        percents = 100 * dvh.volume_at_dose(doses) / dvh.volume_cc
        points = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in zip(doses, percents, strict=True))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'
        )
        legend_y = top + 14 * index + 8
        parts.append(
            f'<line x1="{left + plot_w + 10}" y1="{legend_y}" x2="{left + plot_w + 26}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left + plot_w + 30}" y="{legend_y + 4}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(maximum: float) -> float:
    raw = maximum / 8
    magnitude = 10 ** np.floor(np.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def render_report(
    *,
    title: str,
    generated: str,
    overall: str,
    rows: Sequence[ReportRow],
    curves: Mapping[str, Dvh],
    facts: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    indices: Mapping[str, Mapping[str, float]] | None = None,
) -> str:
    """The report page: verdict, facts (plan, mode, dose unit), constraint table, target
    indices (HI, CI), DVH plot."""
    e = html.escape
    table_rows = []
    for r in rows:
        value = "–" if r.value is None else f"{r.value:.2f}"
        structure = e(r.structure) + (
            f" <small>({e(r.local_name)})</small>"
            if r.local_name and r.local_name != r.structure
            else ""
        )
        table_rows.append(
            f'<tr style="{_VERDICT_STYLE.get(r.verdict, "")}"><td>{e(r.id)}</td>'
            f"<td>{structure}</td><td>{e(r.metric)}</td><td>{value}</td>"
            f"<td>{e(r.comparison)} {_number(r.limit)}</td><td>{_number(r.minor_limit)}</td>"
            f"<td>{e(r.unit)}</td><td><b>{e(r.verdict)}</b></td><td>{e(r.note)}</td></tr>"
        )
    fact_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    note_items = "".join(f"<li>{e(n)}</li>" for n in notes)
    index_rows = "".join(
        f"<tr><td>{e(name)}</td><td>{_index(values, 'HI')}</td><td>{_index(values, 'CI')}</td>"
        f"<td>{_index(values, 'PIV_cc', '.1f')}</td></tr>"
        for name, values in (indices or {}).items()
    )
    index_table = (
        "<h2>Target indices</h2><table><tr><th>Target</th><th>HI (ICRU 83)</th>"
        f"<th>CI (Paddick)</th><th>PIV (cc)</th></tr>{index_rows}</table>"
        if index_rows
        else ""
    )
    colour = {"pass": "#1a7f1a", "minor": "#a07000"}.get(overall, "#b00020")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        "<style>body{font-family:sans-serif;margin:2em;max-width:1000px}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
        f"<h1>{e(title)}</h1>"
        f'<p>Overall verdict: <b style="color:{colour}">{e(overall)}</b></p>'
        f"<table>{fact_rows}<tr><th>Generated</th><td>{e(generated)}</td></tr></table>"
        "<h2>Dose constraints</h2><table><tr><th>Constraint</th><th>Structure</th>"
        "<th>Metric</th><th>Value</th><th>Limit</th><th>Minor up to</th><th>Unit</th>"
        f"<th>Verdict</th><th>Note</th></tr>{''.join(table_rows)}</table>"
        f"{index_table}"
        f"<h2>Cumulative DVHs</h2>{dvh_svg(curves)}"
        + (f"<h2>Notes</h2><ul>{note_items}</ul>" if note_items else "")
        + "</body></html>\n"
    )


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _index(values: Mapping[str, float], key: str, spec: str = ".3f") -> str:
    value = values.get(key)
    return "–" if value is None else format(value, spec)
