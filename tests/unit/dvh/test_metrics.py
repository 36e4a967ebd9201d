"""DVH metrics use TG-263 names, report their units and read exact values off the DVH."""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.errors import InvalidInput
from radtrial.rt.dvh import STANDARD_METRICS, Dvh, MetricContext, evaluate, metric_unit
from radtrial.rt.dvh.metrics import homogeneity_index, paddick_conformity_index, standard

# 100 cells of 0.1 cc at 0.5, 1.5, ..., 99.5 Gy, each spread ±0.5 Gy: uniform on [0, 100] Gy.
UNIFORM = Dvh.from_samples(np.arange(100) + 0.5, np.full(100, 0.1), np.full(100, 0.5))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Dmean", 50.0),
        ("Dmin", 0.0),
        ("Dmax", 100.0),
        ("D95%", 5.0),
        ("D2%", 98.0),
        ("D95%[Gy]", 5.0),
        ("D0.03cc", 99.7),
        ("D2cc", 80.0),
        ("V20Gy", 8.0),
        ("V20Gy[cc]", 8.0),
        ("V20Gy[%]", 80.0),
        ("V99.5Gy[%]", 0.5),
    ],
)
def test_a_tg263_metric_reads_the_exact_distribution(name: str, value: float) -> None:
    assert evaluate(UNIFORM, name) == pytest.approx(value)


def test_units_follow_the_metric_name() -> None:
    assert [metric_unit(n) for n in ("D95%", "D0.03cc", "V20Gy", "V20Gy[%]", "HI", "Dmean")] == [
        "Gy", "Gy", "cc", "%", "1", "Gy",
    ]  # fmt: skip


def test_an_unknown_metric_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidInput) as error:
        evaluate(UNIFORM, "D95")
    assert error.value.location == "D95"


def test_the_standard_set_has_every_reported_metric() -> None:
    assert list(standard(UNIFORM)) == list(STANDARD_METRICS)


def test_the_icru_83_homogeneity_index_is_d2_minus_d98_over_d50() -> None:
    assert homogeneity_index(UNIFORM) == pytest.approx((98 - 2) / 50)
    assert evaluate(UNIFORM, "HI") == pytest.approx(1.92)


def test_the_paddick_index_is_one_for_a_perfectly_conformal_dose() -> None:
    target = Dvh.from_samples(np.full(10, 60.0), np.full(10, 1.0))
    assert paddick_conformity_index(target, 56.0, piv_cc=10.0) == 1.0
    # Half the target covered and an isodose twice the target: 5² / (10 × 20).
    half = Dvh.from_samples(np.array([60.0] * 5 + [50.0] * 5), np.full(10, 1.0))
    context = MetricContext(prescription_gy=56.0, prescription_isodose_volume_cc=20.0)
    assert evaluate(half, "CI", context) == pytest.approx(25 / 200)


def test_ci_without_a_prescription_is_refused() -> None:
    with pytest.raises(InvalidInput, match="prescription"):
        evaluate(UNIFORM, "CI")
