"""Checks shared by the survival estimators: every bad argument becomes an ``InvalidInput``.

Each check names the offending argument in ``location`` so the CLI and the API can point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from radtrial.errors import InvalidInput

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


def numeric(values: ArrayLike, location: str, ndim: int) -> FloatArray:
    """A finite float array of the given dimension, not empty."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be numeric", location=location) from exc
    if array.ndim != ndim:
        raise InvalidInput(f"must be a {ndim}-D array, got {array.ndim}-D", location=location)
    if array.size == 0:
        raise InvalidInput("must not be empty", location=location)
    if not np.all(np.isfinite(array)):
        raise InvalidInput("must be finite (no NaN or infinity)", location=location)
    return array


def durations(values: ArrayLike, location: str = "durations", ndim: int = 1) -> FloatArray:
    """Finite, non-negative follow-up times."""
    array = numeric(values, location, ndim)
    if np.any(array < 0):
        raise InvalidInput("must not be negative", location=location)
    return array


def events(values: ArrayLike, shape: tuple[int, ...], location: str = "events") -> BoolArray:
    """Event indicators coded 0/1 (or False/True), of the same shape as the durations."""
    array = numeric(values, location, len(shape))
    if array.shape != shape:
        raise InvalidInput(
            f"has shape {array.shape} but the durations have shape {shape}", location=location
        )
    if not np.all((array == 0) | (array == 1)):
        raise InvalidInput("must be coded 0 (censored) or 1 (event)", location=location)
    return np.asarray(array == 1, dtype=np.bool_)


def weights(values: ArrayLike | None, n: int, location: str = "weights") -> FloatArray | None:
    """Optional non-negative case weights, one per row; ``None`` means all ones."""
    if values is None:
        return None
    array = numeric(values, location, 1)
    if array.shape != (n,):
        raise InvalidInput(f"has length {array.size} but there are {n} rows", location=location)
    if np.any(array < 0):
        raise InvalidInput("must not be negative", location=location)
    if not np.any(array > 0):
        raise InvalidInput("must have at least one positive weight", location=location)
    return array


def labels(values: ArrayLike, n: int, location: str) -> tuple[IntArray, tuple[Any, ...]]:
    """Group or stratum labels: integer codes 0..k-1 in sorted label order, and the labels."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInput(f"must be a 1-D array, got {array.ndim}-D", location=location)
    if array.shape != (n,):
        raise InvalidInput(f"has length {array.size} but there are {n} rows", location=location)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise InvalidInput("must not contain NaN or infinity", location=location)
    if array.dtype.kind == "O" and any(value is None for value in array.tolist()):
        raise InvalidInput("must not contain missing values", location=location)
    try:
        unique, codes = np.unique(array, return_inverse=True)
    except TypeError as exc:
        raise InvalidInput("labels must be mutually comparable", location=location) from exc
    return codes.astype(np.intp).reshape(n), tuple(unique.tolist())


def probability(value: float, location: str, *, open_interval: bool = True) -> float:
    """A probability strictly inside (0, 1), or inside [0, 1] when ``open_interval`` is false."""
    number = float(value)
    inside = 0 < number < 1 if open_interval else 0 <= number <= 1
    if not inside:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InvalidInput(f"must lie in {interval}, got {value!r}", location=location)
    return number


def choice(value: str, allowed: Sequence[str], location: str) -> str:
    """One of a fixed set of option strings."""
    if value not in allowed:
        raise InvalidInput(f"must be one of {', '.join(allowed)}; got {value!r}", location=location)
    return value
