"""The whole-course dose from RT Doses of each summation type (DICOM PS3.3 C.8.8.3.1): a
per-session dose is multiplied by the fractions planned, beam and fraction-group doses are
added on one grid, and every mismatch is a located DICOM error."""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.errors import DicomError
from radtrial.rt.dvh import Beam, DoseGrid, FractionGroup, Plan, course_dose

AXIS = np.arange(-5.0, 5.1, 2.5)


def grid(
    value: float | np.ndarray,
    summation: str,
    *,
    group: int | None = None,
    beams: tuple[int, ...] = (),
    source: str = "RD.dcm",
    axis: np.ndarray = AXIS,
    frame: str = "1.2.3",
    dose_type: str = "PHYSICAL",
) -> DoseGrid:
    shape = (axis.size, axis.size, axis.size)
    dose = np.broadcast_to(np.asarray(value, dtype=float), shape).copy()
    return DoseGrid(axis, axis, axis, dose, frame, summation, dose_type, source, (), group, beams)


def plan(groups: tuple[tuple[int, int, tuple[int, ...]], ...] = ((1, 16, (1, 2)),)) -> Plan:
    beams = tuple(
        Beam(number, f"F{number}", "PROTON") for _, _, numbers in groups for number in numbers
    )
    return Plan(
        label="P",
        frame_of_reference_uid="1.2.3",
        beams=beams,
        fraction_groups=tuple(
            FractionGroup(n, fractions, tuple((b, 1.0) for b in numbers))
            for n, fractions, numbers in groups
        ),
        source="RP.dcm",
    )


def test_a_plan_dose_is_the_course_dose_as_it_is() -> None:
    dose = grid(56.0, "PLAN")
    course = course_dose([dose], plan())
    assert course.dose is dose
    assert course.notes == ()


@pytest.mark.parametrize("kind", ["FRACTION_SESSION", "BEAM_SESSION"])
def test_a_per_session_dose_is_multiplied_by_the_fractions_planned(kind: str) -> None:
    beams = (1, 2) if kind == "BEAM_SESSION" else ()
    course = course_dose([grid(3.5, kind, group=1, beams=beams)], plan())
    np.testing.assert_allclose(course.dose.dose_gy, 56.0)
    assert course.dose.summation_type == "PLAN"
    assert course.notes[0] == (
        f"RD.dcm: a {kind} dose (one session) x 16 fractions planned in fraction group 1 = the "
        "course dose"
    )


def test_a_session_dose_of_a_plan_with_one_group_needs_no_group_reference() -> None:
    course = course_dose([grid(3.5, "FRACTION_SESSION")], plan())
    np.testing.assert_allclose(course.dose.dose_gy, 56.0)


def test_a_fraction_dose_holds_its_whole_group_and_is_not_multiplied() -> None:
    # PS3.3 C.8.8.3.1: FRACTION is the entire delivery of one fraction group.
    course = course_dose([grid(56.0, "FRACTION", group=1)], plan())
    np.testing.assert_allclose(course.dose.dose_gy, 56.0)


def test_fraction_doses_of_every_group_add_up_and_a_missing_group_is_an_error() -> None:
    two = plan(((1, 16, (1,)), (2, 4, (2,))))
    course = course_dose(
        [grid(56.0, "FRACTION", group=1, source="a"), grid(20.0, "FRACTION", group=2, source="b")],
        two,
    )
    np.testing.assert_allclose(course.dose.dose_gy, 76.0)
    assert course.dose.source == "a + b"
    with pytest.raises(DicomError, match=r"no RT Dose is given for \[2\]") as caught:
        course_dose([grid(56.0, "FRACTION", group=1)], two)
    assert caught.value.detail["attribute"] == "ReferencedFractionGroupNumber"
    # A session dose of one of several groups, with no group named, cannot be scaled.
    with pytest.raises(DicomError, match="names no fraction group"):
        course_dose([grid(3.5, "FRACTION_SESSION")], two)


def test_beam_doses_on_one_grid_are_added() -> None:
    doses = [
        grid(30.0, "BEAM", beams=(1,), source="RD1.dcm"),
        grid(26.0, "BEAM", beams=(2,), source="RD2.dcm"),
    ]
    course = course_dose(doses, plan())
    np.testing.assert_allclose(course.dose.dose_gy, 56.0)
    assert course.notes == ("the course dose is the sum of 2 BEAM doses on one grid",)
    # Per-session beam doses: each scaled, then added.
    sessions = [
        grid(2.0, "BEAM_SESSION", group=1, beams=(1,)),
        grid(1.5, "BEAM_SESSION", group=1, beams=(2,)),
    ]
    np.testing.assert_allclose(course_dose(sessions, plan()).dose.dose_gy, 56.0)


def test_a_missing_or_repeated_beam_is_an_error() -> None:
    with pytest.raises(DicomError, match=r"treatment beams \[2\] have no RT Dose"):
        course_dose([grid(30.0, "BEAM", beams=(1,))], plan())
    with pytest.raises(DicomError, match="beam 1 is given twice"):
        course_dose([grid(30.0, "BEAM", beams=(1,)), grid(30.0, "BEAM", beams=(1, 2))], plan())


def test_beam_doses_without_beam_references_are_added_with_a_note() -> None:
    course = course_dose([grid(30.0, "BEAM"), grid(26.0, "BEAM", source="RD2.dcm")], plan())
    np.testing.assert_allclose(course.dose.dose_gy, 56.0)
    assert "could not be checked" in course.notes[0]


@pytest.mark.parametrize(
    ("other", "attribute"),
    [
        (
            lambda: grid(26.0, "BEAM", beams=(2,), axis=AXIS + 1.0),
            "ImagePositionPatient/PixelSpacing",
        ),
        (
            lambda: grid(26.0, "BEAM", beams=(2,), axis=AXIS[:-1]),
            "ImagePositionPatient/PixelSpacing",
        ),
        (lambda: grid(26.0, "BEAM", beams=(2,), frame="9.9"), "FrameOfReferenceUID"),
        (lambda: grid(26.0, "BEAM", beams=(2,), dose_type="EFFECTIVE"), "DoseType"),
    ],
    ids=["shifted", "smaller", "frame", "dose_type"],
)
def test_doses_that_do_not_share_a_grid_cannot_be_added(other: object, attribute: str) -> None:
    second = other()  # type: ignore[operator]
    with pytest.raises(DicomError) as caught:
        course_dose([grid(30.0, "BEAM", beams=(1,)), second], plan())
    assert caught.value.detail["attribute"] == attribute
    assert caught.value.location == "RD.dcm"


def test_a_plan_dose_cannot_be_added_to_anything_nor_beams_to_groups() -> None:
    with pytest.raises(DicomError, match="give it alone"):
        course_dose([grid(56.0, "PLAN"), grid(1.0, "BEAM", beams=(1,))], plan())
    with pytest.raises(DicomError, match="cannot add RT Doses of summation types BEAM, FRACTION"):
        course_dose([grid(1.0, "BEAM", beams=(1,)), grid(1.0, "FRACTION", group=1)], plan())


def test_a_session_dose_without_the_plan_is_an_error() -> None:
    with pytest.raises(DicomError, match="give the RT Plan"):
        course_dose([grid(3.5, "FRACTION_SESSION")], None)
