"""The protocol's course sections: labelled assumptions, and located errors when they are wrong."""

from __future__ import annotations

from typing import Any

import pytest

from radtrial.errors import ProtocolError
from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.course import Repopulation


def problems_of(text: str) -> list[dict[str, Any]]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "broken.toml")
    assert caught.value.location == "broken.toml"
    found: list[dict[str, Any]] = caught.value.detail["problems"]
    return found


def line_of(text: str, snippet: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(snippet, start)) + 1


def replace_once(text: str, old: str, new: str, after: str = "") -> str:
    start = text.index(after) if after else 0
    position = text.index(old, start)
    return text[:position] + new + text[position + len(old) :]


def test_prosarc2_radiobiology_is_sarcoma_4_late_3_acute_10(prosarc2: Protocol) -> None:
    assert prosarc2.course is not None
    biology = prosarc2.course.radiobiology
    assert {t.id: t.alpha_beta_gy for t in biology.tissues} == {
        "sarcoma": 4.0,
        "late": 3.0,
        "acute": 10.0,
    }
    assert (biology.tumour_tissue, biology.late_tissue) == ("sarcoma", "late")
    assert biology.repopulation is None
    assert prosarc2.course.calendar.annual_closures() == ((12, 24), (12, 31))


def test_prosarc2_course_rules(prosarc2: Protocol) -> None:
    course = prosarc2.arm("A").prescription.course
    assert course is not None
    assert course.rescheduling == "free_day_in_week_else_append"
    assert not course.twice_daily_allowed
    rules = course.deviations
    limit = rules.limit_for("boost")
    assert limit is not None
    assert (limit.max_dose_per_fraction_gy, limit.severity) == (5.0, "major")
    assert rules.limit_for("target") is None
    assert (rules.total_dose_minor_percent, rules.total_dose_major_percent) == (5.0, 10.0)
    assert rules.missed_fraction == "minor"


def test_pallsoft_arms_append_missed_fractions_and_guard_the_second_8_gy(
    pallsoft: Protocol,
) -> None:
    assert pallsoft.course is not None
    assert pallsoft.course.radiobiology.tumour_tissue == "carcinoma"
    arm_a = pallsoft.arm("A").prescription.course
    arm_b = pallsoft.arm("B").prescription.course
    assert arm_a is not None
    assert arm_b is not None
    assert (arm_a.rescheduling, arm_b.rescheduling) == ("append", "append")
    assert arm_a.deviations.optional_fraction_without_decision == "major"
    assert arm_b.deviations.wrong_arm_schedule == "major"
    assert pallsoft.arm("B").prescription.max_fractions_per_week == 5


@pytest.mark.parametrize("name", ["pallsoft", "prosarc2"])
def test_every_course_value_not_in_the_record_is_a_labelled_assumption(
    name: str, pallsoft: Protocol, prosarc2: Protocol
) -> None:
    protocol = {"pallsoft": pallsoft, "prosarc2": prosarc2}[name]
    marked = {mark.path for mark in protocol.assumption_marks()}
    for tissue in ("late", "acute"):
        assert f"course.radiobiology.tissues[{tissue}]" in marked
    assert "course.radiobiology.repopulation" in marked
    assert "course.calendar.closure_days" in marked
    for arm in protocol.arms:
        prefix = f"arms[{arm.code}].prescription.course"
        assert f"{prefix}.rescheduling" in marked
        for rule in ("total_dose", "dose_per_fraction"):
            assert f"{prefix}.deviations.{rule}_minor_percent" in marked
            assert f"{prefix}.deviations.{rule}_major_percent" in marked
        assert f"{prefix}.deviations.overall_time_minor_days" in marked
        assert f"{prefix}.deviations.missed_fraction" in marked


def test_the_sarcoma_alpha_beta_is_labelled_with_its_sources(prosarc2: Protocol) -> None:
    marks = {m.path: m for m in prosarc2.assumption_marks()}
    mark = marks["course.radiobiology.tissues[sarcoma]"]
    assert "consensus" in mark.reason
    assert mark.value["alpha_beta_gy"] == 4.0


def test_a_major_threshold_below_the_minor_one_is_located(prosarc2_text: str) -> None:
    text = replace_once(
        prosarc2_text, "total_dose_major_percent = 10.0", "total_dose_major_percent = 3.0"
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[0].prescription.course.deviations.total_dose_major_percent"
    assert "3 must exceed total_dose_minor_percent 5" in problem["message"]
    assert problem["line"] == line_of(text, "total_dose_major_percent = 3.0")


def test_a_percent_threshold_above_100_is_located(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text,
        "dose_per_fraction_major_percent = 10.0",
        "dose_per_fraction_major_percent = 150.0",
    )
    (problem,) = problems_of(text)
    assert (
        problem["path"] == "arms[0].prescription.course.deviations.dose_per_fraction_major_percent"
    )
    assert "100" in problem["message"]
    assert problem["line"] == line_of(text, "dose_per_fraction_major_percent = 150.0")


def test_a_negative_threshold_is_located(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text,
        "overall_time_minor_days = 4",
        "overall_time_minor_days = -1",
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[1].prescription.course.deviations.overall_time_minor_days"
    assert problem["line"] == line_of(text, "overall_time_minor_days = -1")


def test_a_per_fraction_limit_on_an_unknown_dose_level_is_located(prosarc2_text: str) -> None:
    text = replace_once(prosarc2_text, 'dose_level = "boost"', 'dose_level = "bost"')
    (problem,) = problems_of(text)
    path = "arms[0].prescription.course.deviations.dose_per_fraction_limits[0].dose_level"
    assert problem["path"] == path
    assert "'bost' is not one of the dose levels ['target', 'boost']" in problem["message"]
    assert problem["line"] == line_of(text, 'dose_level = "bost"')


def test_a_per_fraction_limit_below_the_prescribed_dose_is_located(prosarc2_text: str) -> None:
    text = replace_once(
        prosarc2_text, "max_dose_per_fraction_gy = 5.0", "max_dose_per_fraction_gy = 4.0"
    )
    (problem,) = problems_of(text)
    assert problem["path"].endswith("dose_per_fraction_limits[0].max_dose_per_fraction_gy")
    assert "4 is below the prescribed 5 per fraction" in problem["message"]
    assert problem["line"] == line_of(text, "max_dose_per_fraction_gy = 4.0")


def test_an_unknown_rescheduling_policy_is_located(prosarc2_text: str) -> None:
    text = replace_once(
        prosarc2_text, 'rescheduling = "free_day_in_week_else_append"', 'rescheduling = "weekend"'
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[0].prescription.course.rescheduling"
    assert "free_day_in_week_else_append" in problem["message"]
    assert problem["line"] == line_of(text, 'rescheduling = "weekend"')


def test_an_alpha_beta_of_zero_is_located(prosarc2_text: str) -> None:
    text = replace_once(prosarc2_text, "alpha_beta_gy = 4.0", "alpha_beta_gy = 0.0")
    (problem,) = problems_of(text)
    assert problem["path"] == "course.radiobiology.tissues[0].alpha_beta_gy"
    assert "greater than 0" in problem["message"]
    assert problem["line"] == line_of(text, "alpha_beta_gy = 0.0")


def test_a_tumour_tissue_that_is_not_listed_is_located(prosarc2_text: str) -> None:
    text = replace_once(prosarc2_text, 'tumour_tissue = "sarcoma"', 'tumour_tissue = "sarcomma"')
    (problem,) = problems_of(text)
    assert problem["path"] == "course.radiobiology.tumour_tissue"
    assert "'sarcomma' is not one of the tissues" in problem["message"]
    assert problem["line"] == line_of(text, 'tumour_tissue = "sarcomma"')


def test_a_closure_day_that_is_no_date_is_located(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text, 'closure_days = ["12-24", "12-31"]', 'closure_days = ["12-24", "02-30"]'
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "course.calendar.closure_days[1]"
    assert "'02-30' is not a month-day" in problem["message"]
    assert problem["line"] == line_of(text, 'closure_days = ["12-24", "02-30"]')


def test_a_weekly_maximum_below_the_prescribed_rhythm_is_located(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text,
        "weekly_excess_minor_fractions = 1\n",
        "weekly_excess_minor_fractions = 1\nmax_fractions_per_week = 3\n",
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[1].prescription.course.deviations.max_fractions_per_week"
    assert problem["line"] == line_of(text, "max_fractions_per_week = 3")


def test_a_repopulation_table_gives_one_form_of_the_time_factor(prosarc2_text: str) -> None:
    table = (
        "\n[course.radiobiology.repopulation]\n"
        'tissue = "sarcoma"\nkickoff_days = 21\ndose_prolif_gy_per_day = 0.5\n'
    )
    protocol = parse_protocol(prosarc2_text + table)
    assert protocol.course is not None
    assert protocol.course.radiobiology.repopulation == Repopulation(
        tissue="sarcoma", kickoff_days=21, dose_prolif_gy_per_day=0.5
    )
    both = table + "potential_doubling_days = 3.0\nalpha_per_gy = 0.3\n"
    (problem,) = problems_of(prosarc2_text + both)
    assert problem["path"] == "course.radiobiology.repopulation.dose_prolif_gy_per_day"
    half = table.replace("dose_prolif_gy_per_day = 0.5", "potential_doubling_days = 3.0")
    (problem,) = problems_of(prosarc2_text + half)
    assert problem["path"] == "course.radiobiology.repopulation.alpha_per_gy"
    wrong = table.replace('tissue = "sarcoma"', 'tissue = "tumour"')
    (problem,) = problems_of(prosarc2_text + wrong)
    assert problem["path"] == "course.radiobiology.repopulation.tissue"


def test_protocols_without_course_sections_still_load(prosarc2_text: str) -> None:
    start = prosarc2_text.index("# Radiobiology and the treatment calendar")
    text = prosarc2_text[:start]
    start = text.index("# How the course is run.")
    end = text.index("[eligibility]")
    protocol = parse_protocol(text[:start] + text[end:])
    assert protocol.course is None
    assert protocol.arm("A").prescription.course is None
    assert protocol.arm("A").prescription.max_fractions_per_week == 4
