"""The DICOM adapter reads RT Structure Sets, RT Doses and RT Plans into value objects, and
turns every malformed or mismatched input into a DicomError naming the file and attribute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence

from radtrial.dicom import read_dose, read_plan, read_structure_set
from radtrial.errors import DicomError, InvalidInput
from radtrial.rt.dvh import compute_dvh, compute_dvhs
from tests.dicom import writer


def square(z: float, half: float, centre: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    cx, cy = centre
    xy = [
        (cx - half, cy - half),
        (cx + half, cy - half),
        (cx + half, cy + half),
        (cx - half, cy + half),
    ]
    return np.array([(x, y, z) for x, y in xy])


def linear_dose(frames: int = 5, size: int = 9, spacing: float = 2.0) -> np.ndarray:
    z, y, x = np.meshgrid(np.arange(frames), np.arange(size), np.arange(size), indexing="ij")
    return 10.0 + x + 2.0 * y + 3.0 * z


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rois = [
        (1, "Ring", [square(0.0, 6.0), square(0.0, 2.0), square(2.0, 6.0)]),
        (2, "Pair", [square(0.0, 1.0, (-4, 0)), square(0.0, 1.0, (4, 0))]),
        (3, "Empty", []),
    ]
    rs = writer.write(
        tmp_path / "RS.dcm", writer.structure_set(rois, points=[(1, np.array([[0.0, 0.0, 0.0]]))])
    )
    rd = writer.write(
        tmp_path / "RD.dcm",
        writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2)),
    )
    rp = writer.write(tmp_path / "RP.dcm", writer.plan())
    return {"rs": rs, "rd": rd, "rp": rp, "dir": tmp_path}


def test_a_structure_set_keeps_every_closed_contour_of_a_plane_and_ignores_points(
    files: dict[str, Path],
) -> None:
    structure_set = read_structure_set(files["rs"])
    ring = structure_set.structure(1)
    assert [p.z_mm for p in ring.planes] == [0.0, 2.0]
    assert len(ring.planes[0].contours) == 2
    assert ring.planes[0].contours[0].shape == (4, 2)
    assert structure_set.by_name("Pair").planes[0].contours[1][0, 0] == 3.0
    assert structure_set.structure(3).is_empty
    assert structure_set.frame_of_reference_uid == writer.FRAME_OF_REFERENCE


def test_a_contour_inside_another_is_a_hole_by_the_even_odd_rule(files: dict[str, Path]) -> None:
    plane = read_structure_set(files["rs"]).structure(1).planes[0]
    assert plane.area_mm2() == pytest.approx(12.0**2 - 4.0**2)


def test_a_multi_frame_dose_is_scaled_to_gray_on_increasing_axes(files: dict[str, Path]) -> None:
    dose = read_dose(files["rd"])
    assert dose.dose_gy.shape == (5, 9, 9)
    assert dose.x_mm[0] == -8
    assert dose.y_mm[-1] == 8
    assert list(dose.z_mm) == [-4, -2, 0, 2, 4]
    assert dose.dose_gy[1, 2, 3] == pytest.approx(10.0 + 3 + 4 + 3, abs=1e-5)
    assert dose.summation_type == "PLAN"
    assert dose.spacing_mm == (2.0, 2.0, 2.0)


def test_absolute_frame_offsets_give_the_same_grid_as_relative_ones(tmp_path: Path) -> None:
    relative = writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2))
    absolute = writer.dose(
        linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2), absolute_offsets=True
    )
    a = read_dose(writer.write(tmp_path / "a.dcm", relative))
    b = read_dose(writer.write(tmp_path / "b.dcm", absolute))
    assert np.array_equal(a.z_mm, b.z_mm)
    assert np.array_equal(a.dose_gy, b.dose_gy)


def test_a_feet_first_dose_grid_is_flipped_to_increasing_coordinates(tmp_path: Path) -> None:
    ds = writer.dose(
        linear_dose(), origin_mm=(8, -8, 4), spacing_mm=(2, 2, 2), orientation=(-1, 0, 0, 0, 1, 0)
    )
    dose = read_dose(writer.write(tmp_path / "ffs.dcm", ds))
    assert list(dose.x_mm) == list(np.arange(-8.0, 9.0, 2.0))
    assert list(dose.z_mm) == [-4, -2, 0, 2, 4]
    # Column 0 of the file is x = +8 mm: after the flip it is the last column.
    assert dose.dose_gy[-1, 0, -1] == pytest.approx(10.0)


def test_beam_and_fraction_summation_types_are_recorded(tmp_path: Path) -> None:
    ds = writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2), summation="BEAM")
    assert read_dose(writer.write(tmp_path / "beam.dcm", ds)).summation_type == "BEAM"


def test_an_ion_plan_gives_prescription_fractions_beams_and_radiation_type(
    files: dict[str, Path],
) -> None:
    plan = read_plan(files["rp"])
    assert plan.is_proton
    assert plan.radiation_types == ("PROTON",)
    assert plan.fractions_planned == 16
    assert plan.prescription_dose_gy == 56.0
    assert plan.fraction_groups[0].dose_per_fraction_gy == pytest.approx(3.5)
    assert [b.name for b in plan.beams] == ["F1", "F2"]


def test_a_photon_plan_is_not_a_proton_plan(tmp_path: Path) -> None:
    path = writer.write(tmp_path / "RP.dcm", writer.plan(radiation_type="PHOTON", fractions=7))
    plan = read_plan(path)
    assert plan.radiation_types == ("PHOTON",)
    assert not plan.is_proton


def test_pydicoms_bundled_rt_files_parse(tmp_path: Path) -> None:
    plan = read_plan(get_testdata_file("rtplan.dcm"))
    assert plan.fractions_planned == 30
    assert plan.prescription_dose_gy == pytest.approx(30.826203)
    structures = read_structure_set(get_testdata_file("rtstruct.dcm"))
    assert [s.name for s in structures.structures if not s.is_empty] == ["patient"]
    assert structures.structure(1).kind == "EXTERNAL"


def test_a_relative_dose_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(DicomError) as error:
        read_dose(get_testdata_file("rtdose.dcm"))
    assert error.value.detail["attribute"] == "DoseUnits"


def test_a_file_that_is_not_dicom_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.dcm"
    path.write_text("this is a text file, not DICOM\n" * 20)
    with pytest.raises(DicomError) as error:
        read_structure_set(path)
    assert error.value.location == str(path)
    assert "not a DICOM file" in error.value.message
    assert isinstance(error.value, InvalidInput)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DicomError, match="no such file"):
        read_dose(tmp_path / "absent.dcm")


def test_a_file_of_another_modality_is_refused(files: dict[str, Path]) -> None:
    with pytest.raises(DicomError) as error:
        read_structure_set(files["rd"])
    assert error.value.detail == {
        "attribute": "Modality",
        "expected": "RTSTRUCT",
        "found": "RTDOSE",
    }


def test_a_missing_attribute_is_named(tmp_path: Path) -> None:
    ds = writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2))
    del ds.DoseGridScaling
    with pytest.raises(DicomError) as error:
        read_dose(writer.write(tmp_path / "RD.dcm", ds))
    assert error.value.detail["attribute"] == "DoseGridScaling"


def test_frame_offsets_that_are_neither_relative_nor_absolute_are_refused(tmp_path: Path) -> None:
    ds = writer.dose(
        linear_dose(),
        origin_mm=(-8, -8, -4),
        spacing_mm=(2, 2, 2),
        frame_offsets_mm=[1, 3, 5, 7, 9],
    )
    with pytest.raises(DicomError) as error:
        read_dose(writer.write(tmp_path / "RD.dcm", ds))
    assert error.value.detail["attribute"] == "GridFrameOffsetVector"


def test_a_contour_referring_to_an_undefined_roi_is_refused(tmp_path: Path) -> None:
    ds = writer.structure_set([(1, "Box", [square(0.0, 2.0)])])
    ds.ROIContourSequence[0].ReferencedROINumber = 7
    with pytest.raises(DicomError) as error:
        read_structure_set(writer.write(tmp_path / "RS.dcm", ds))
    assert error.value.detail == {"attribute": "ReferencedROINumber", "roi_number": 7}


def test_a_malformed_contour_is_refused(tmp_path: Path) -> None:
    ds = writer.structure_set([(1, "Box", [square(0.0, 2.0)])])
    ds.ROIContourSequence[0].ContourSequence[0].ContourData = ["1", "2", "3", "4"]
    with pytest.raises(DicomError, match="triplets"):
        read_structure_set(writer.write(tmp_path / "RS.dcm", ds))


def test_an_unknown_roi_number_or_name_lists_the_known_ones(files: dict[str, Path]) -> None:
    structure_set = read_structure_set(files["rs"])
    with pytest.raises(DicomError, match=r"ROIs: \[1, 2, 3\]"):
        structure_set.structure(9)
    with pytest.raises(DicomError, match="Ring"):
        structure_set.by_name("Liver")


def test_a_dose_in_another_frame_of_reference_is_refused(files: dict[str, Path]) -> None:
    ds = writer.dose(
        linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2), frame_of_reference="1.2.3"
    )
    dose = read_dose(writer.write(files["dir"] / "other.dcm", ds))
    with pytest.raises(DicomError) as error:
        compute_dvhs(read_structure_set(files["rs"]), dose)
    assert error.value.detail["attribute"] == "FrameOfReferenceUID"


def test_a_dose_grid_that_does_not_cover_the_structure_is_refused(files: dict[str, Path]) -> None:
    far = writer.structure_set([(1, "Far", [square(0.0, 2.0, (30.0, 0.0))])])
    structure = read_structure_set(writer.write(files["dir"] / "far.dcm", far)).structure(1)
    with pytest.raises(DicomError) as error:
        compute_dvh(structure, read_dose(files["rd"]))
    assert error.value.detail["axis"] == "x"
    assert error.value.detail["structure"] == "Far"
    assert "does not cover" in error.value.message


def test_an_oblique_dose_grid_is_refused(tmp_path: Path) -> None:
    ds = writer.dose(
        linear_dose(),
        origin_mm=(-8, -8, -4),
        spacing_mm=(2, 2, 2),
        orientation=(0.7071, 0.7071, 0, -0.7071, 0.7071, 0),
    )
    with pytest.raises(DicomError, match="not axial"):
        read_dose(writer.write(tmp_path / "RD.dcm", ds))


def test_a_structure_set_without_roi_sequence_names_the_attribute(tmp_path: Path) -> None:
    ds = writer.structure_set([(1, "Box", [square(0.0, 2.0)])])
    del ds.StructureSetROISequence
    with pytest.raises(DicomError) as error:
        read_structure_set(writer.write(tmp_path / "RS.dcm", ds))
    assert error.value.detail["attribute"] == "StructureSetROISequence"


def test_the_planning_systems_cumulative_dvh_is_read_from_the_dose(tmp_path: Path) -> None:
    ds = writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2))
    item = Dataset()
    referenced = Dataset()
    referenced.ReferencedROINumber = 1
    item.DVHReferencedROISequence = DicomSequence([referenced])
    item.DVHType = "CUMULATIVE"
    item.DoseUnits = "GY"
    item.DoseType = "PHYSICAL"
    item.DVHDoseScaling = "1"
    item.DVHVolumeUnits = "CM3"
    item.DVHNumberOfBins = 3
    item.DVHData = ["0.5", "10", "0.5", "8", "0.5", "1"]
    ds.DVHSequence = DicomSequence([item])
    dose = read_dose(writer.write(tmp_path / "RD.dcm", ds))
    tps = dose.tps_dvh(1)
    assert tps is not None
    assert list(tps.dose_gy) == [0.0, 0.5, 1.0]
    assert tps.volume == 10.0
    assert dose.tps_dvh(2) is None


def _corrupt(path: Path, tag: tuple[int, int], vr: bytes, old: bytes, new: bytes) -> Path:
    """Replace one explicit-VR little-endian element's value by bytes of the same length."""
    assert len(old) == len(new)
    header = tag[0].to_bytes(2, "little") + tag[1].to_bytes(2, "little") + vr
    header += len(old).to_bytes(2, "little")
    data = path.read_bytes()
    assert data.count(header + old) == 1, (header + old, data.count(header + old))
    path.write_bytes(data.replace(header + old, header + new))
    return path


@pytest.mark.parametrize(
    ("tag", "vr", "old", "new", "attribute"),
    [
        ((0x300A, 0x0078), b"IS", b"16", b"x6", "NumberOfFractionsPlanned"),
        ((0x300A, 0x0084), b"DS", b"3.5 ", b"3.x ", "BeamDose"),
        ((0x300A, 0x0026), b"DS", b"56.0", b"5e.0", "TargetPrescriptionDose"),
        ((0x300A, 0x00C0), b"IS", b"1 ", b"? ", "BeamNumber"),
        ((0x300A, 0x0071), b"IS", b"1 ", b"I ", "FractionGroupNumber"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_corrupted_number_in_a_plan_is_a_dicom_error_naming_file_and_attribute(
    tmp_path: Path, tag: tuple[int, int], vr: bytes, old: bytes, new: bytes, attribute: str
) -> None:
    path = writer.write(tmp_path / "RP.dcm", writer.plan(beams=1))
    _corrupt(path, tag, vr, old, new)
    with pytest.raises(DicomError) as caught:
        read_plan(path)
    assert caught.value.location == str(path)
    assert caught.value.detail["attribute"] == attribute
    assert attribute in caught.value.message
    assert "not a" in caught.value.message


def test_a_corrupted_dose_grid_scaling_is_a_dicom_error(tmp_path: Path) -> None:
    path = writer.write(
        tmp_path / "RD.dcm",
        writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2)),
    )
    _corrupt(path, (0x3004, 0x000E), b"DS", b"1e-05 ", b"1x-05 ")
    with pytest.raises(DicomError) as caught:
        read_dose(path)
    assert caught.value.detail == {"attribute": "DoseGridScaling", "found": "1x-05"}


def test_the_fraction_group_and_beams_a_dose_was_calculated_for_are_read(tmp_path: Path) -> None:
    path = writer.write(
        tmp_path / "RD.dcm",
        writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2),
                    summation="BEAM", fraction_group=2, beams=[3, 1]),
    )  # fmt: skip
    dose = read_dose(path)
    assert dose.summation_type == "BEAM"
    assert dose.referenced_fraction_group == 2
    assert dose.referenced_beams == (3, 1)
    assert all(type(b) is int for b in dose.referenced_beams)
    plain = read_dose(
        writer.write(
            tmp_path / "RD2.dcm",
            writer.dose(linear_dose(), origin_mm=(-8, -8, -4), spacing_mm=(2, 2, 2)),
        )
    )
    assert plain.referenced_fraction_group is None
    assert plain.referenced_beams == ()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"-2\\-2\\0\\2", b"-2\\-2\\0\\x", "not a number"),
        # numpy's one-pass parser would read a blank value as -1: it must not get through.
        (b"-2\\-2\\0\\2", b"-2\\-2\\0\\ ", "not a number"),
        (b"-2\\-2\\0\\2", b"-2\\-2\\0\\N", "not a number"),
        (b"-2\\-2\\0\\2\\-2\\0", b"-2\\-2\\0\\2\\-2\\9", "not axial"),
    ],
    ids=["letter", "blank", "truncated", "not_axial"],
)
def test_corrupted_contour_data_is_a_located_error(
    tmp_path: Path, old: bytes, new: bytes, message: str
) -> None:
    # ContourData of the square: -2\-2\0\2\-2\0\2\2\0\-2\2\0 (patched byte for byte).
    path = writer.write(tmp_path / "RS.dcm", writer.structure_set([(1, "Box", [square(0.0, 2.0)])]))
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    with pytest.raises(DicomError, match=message) as caught:
        read_structure_set(path)
    assert caught.value.detail["attribute"] == "ContourData"
    assert caught.value.location == str(path)


def test_contour_data_parsed_in_one_pass_equals_the_value_by_value_parse(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    contours = [
        np.column_stack([rng.uniform(-200, 200, 40), rng.uniform(-200, 200, 40), np.full(40, z)])
        for z in (-12.5, 0.0, 3.0, 3.004)
    ]
    path = writer.write(tmp_path / "RS.dcm", writer.structure_set([(1, "Blob", contours)]))
    structure = read_structure_set(path).structure(1)
    assert [p.z_mm for p in structure.planes] == [-12.5, 0.0, 3.0]
    texts = [writer.ds_values(c[:, :2]) for c in contours]
    expected = [np.array([float(t) for t in text]).reshape(-1, 2) for text in texts]
    got = [c for p in structure.planes for c in p.contours]
    assert len(got) == 4
    for ours, theirs in zip(got, expected, strict=True):
        assert np.array_equal(ours, theirs)
