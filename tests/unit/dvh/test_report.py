"""The QA report is one self-contained HTML page: verdict, facts, constraint table, SVG DVHs."""

from __future__ import annotations

import numpy as np

from radtrial.rt.dvh import Dvh
from radtrial.rt.dvh.report import ReportRow, dvh_svg, render_report


def test_the_report_escapes_names_and_colours_each_verdict() -> None:
    dvh = Dvh.from_samples(np.array([50.0, 55.0, 60.0]), np.full(3, 1.0), np.full(3, 2.5))
    page = render_report(
        title="Plan <QA>",
        generated="2026-02-01T10:00:00+00:00",
        overall="minor",
        rows=[
            ReportRow("ctv_d95", "CTV", "CTV<56>", "D95%", ">=", 53.2, 50.4, "Gy", 51.0, "minor"),
            ReportRow(
                "cord",
                "SpinalCord",
                None,
                "D0.03cc",
                "<=",
                42.8,
                44.1,
                "Gy",
                None,
                "not_evaluated",
                "structure not in the plan",
            ),
        ],
        curves={"CTV & boost": dvh},
        facts=[("Trial", "PROSARC-2")],
        notes=["radiation type: PROTON"],
    )
    assert "Plan &lt;QA&gt;" in page
    assert "CTV&lt;56&gt;" in page
    assert "CTV &amp; boost" in page
    assert "background:#fff2cc" in page
    assert "structure not in the plan" in page
    assert page.count("<tr") == 2 + 1 + 2  # facts + generated, header, rows


def test_the_dvh_plot_starts_at_full_volume_and_ends_at_the_maximum_dose() -> None:
    dvh = Dvh.from_samples(np.array([10.0, 20.0]), np.array([1.0, 1.0]))
    svg = dvh_svg({"A": dvh}, width=400, height=300)
    points = svg.split('points="')[1].split('"')[0].split()
    first_y = float(points[0].split(",")[1])
    last_x = float(points[-1].split(",")[0])
    assert first_y == 16.0  # 100 % at the top of the plot area
    assert last_x <= 400 - 150  # inside the plot area, left of the legend
