"""Scan-line rasterisation of planar contours: which sample points lie inside.

All contours of a plane are filled together by the even-odd rule, which is the XOR of the
contours' own masks (a contour inside another makes a hole), as dicompyler-core does.

The inside test is the crossing-number test of matplotlib's ``Path.contains_points`` (the
Graphics Gems "pnpoly" variant in ``_path.h``), including its treatment of points exactly on an
edge or level with a vertex: an edge crosses the row ``y = ty`` when one end has ``y >= ty`` and
the other ``y < ty``; the crossing counts for a point ``tx`` when ``tx <= x_cross`` if the edge's
second vertex has ``y >= ty``, and when ``tx < x_cross`` otherwise. ``tps`` mode therefore
reproduces dicompyler-core 0.5.6's voxel masks, ties included.

Instead of testing every point against every edge (O(points x edges)), each edge is intersected
once with the rows it spans; the crossing positions become per-row counts by a histogram and a
running sum (O(points + crossings)). This is the whole cost of ``tps`` mode and why it needs no
compiled code (docs/decisions/0030-dvh-engine.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def edges_of(contours: Sequence[FloatArray]) -> tuple[FloatArray, FloatArray]:
    """Start and end vertices (each (n, 2)) of every edge, closing edges included."""
    starts = [c for c in contours if len(c) >= 2]
    if not starts:
        empty = np.empty((0, 2))
        return empty, empty
    v0 = np.concatenate(starts)
    v1 = np.concatenate([np.concatenate([c[1:], c[:1]]) for c in starts])
    return v0, v1


def rasterise(contours: Sequence[FloatArray], xs: FloatArray, ys: FloatArray) -> BoolArray:
    """Mask ``(len(ys), len(xs))``: is the point ``(xs[j], ys[i])`` inside the contours?

    ``xs`` and ys`` must be increasing. Contours combine by the even-odd rule.
    """
    mask: BoolArray = rasterise_planes([contours], xs, ys)[0]
    return mask


def rasterise_planes(
    planes: Sequence[Sequence[FloatArray]], xs: FloatArray, ys: FloatArray
) -> BoolArray:
    """Masks ``(len(planes), len(ys), len(xs))`` of several planes' contours in one pass."""
    shape = (len(planes), ys.size, xs.size)
    mask = np.zeros(int(np.prod(shape)), dtype=bool)
    line, start, length = inside_runs(planes, xs, ys)
    mask[expand_runs(line * xs.size + start, length)] = True
    out: BoolArray = mask.reshape(shape)
    return out


def expand_runs(first: NDArray[np.int64], length: NDArray[np.int64]) -> NDArray[np.int64]:
    """``first[i], first[i] + 1, ..., first[i] + length[i] - 1`` for every run, concatenated."""
    keep = length > 0
    if not np.all(keep):
        first, length = first[keep], length[keep]
    total = int(length.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # A running sum of steps: 1 inside a run, and at each run's start the jump from the end of
    # the previous run (one pass over the output instead of gathers by run number).
    steps = np.ones(total, dtype=np.int64)
    starts = np.cumsum(length[:-1])
    steps[0] = first[0]
    steps[starts] = first[1:] - (first[:-1] + length[:-1] - 1)
    out: NDArray[np.int64] = np.cumsum(steps, out=steps)
    return out


def inside_runs(
    planes: Sequence[Sequence[FloatArray]], xs: FloatArray, ys: FloatArray
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Runs of inside points: (line = plane * len(ys) + row, first column, length).

    A point is inside when an odd number of crossings count for it. Each crossing counts for
    the columns below its threshold, so with a row's thresholds sorted ``t1 <= t2 <= ...``
    (always an even number: every contour is closed) the inside columns are the runs
    ``[t1, t2), [t3, t4), ...``; they are listed directly, without a dense pass over the grid.
    """
    n_rows, n_cols = ys.size, xs.size
    pieces = [(index, *edges_of(contours)) for index, contours in enumerate(planes)]
    pieces = [(i, v0, v1) for i, v0, v1 in pieces if v0.shape[0]]
    none = np.zeros(0, dtype=np.int64)
    empty = (none, none, none)
    if not pieces or n_rows == 0 or n_cols == 0:
        return empty
    plane = np.concatenate([np.full(v0.shape[0], i) for i, v0, _ in pieces])
    v0 = np.concatenate([v0 for _, v0, _ in pieces])
    v1 = np.concatenate([v1 for _, _, v1 in pieces])
    y0, y1 = v0[:, 1], v1[:, 1]
    # Rows with y_low < ty <= y_high: one vertex >= ty and the other < ty.
    first = np.searchsorted(ys, np.minimum(y0, y1), side="right")
    counts = np.searchsorted(ys, np.maximum(y0, y1), side="right") - first
    keep = counts > 0
    if not np.any(keep):
        return empty
    first, counts, plane = first[keep], counts[keep], plane[keep]
    x0, x1, y0, y1 = v0[keep, 0], v1[keep, 0], y0[keep], y1[keep]
    total = int(counts.sum())
    edge = np.repeat(np.arange(counts.size), counts)
    offsets = np.cumsum(counts) - counts
    rows = first[edge] + (np.arange(total) - offsets[edge])
    ty = ys[rows]
    ex1, ey1 = x1[edge], y1[edge]
    x_cross = ex1 + (ty - ey1) * (x0[edge] - ex1) / (y0[edge] - ey1)
    inclusive = ey1 >= ty
    # Number of columns the crossing counts for: tx < x_cross, or tx <= x_cross if inclusive.
    columns = np.searchsorted(xs, x_cross, side="left")
    columns[inclusive] = np.searchsorted(xs, x_cross[inclusive], side="right")
    # Where a sample lies within rounding of the crossing, decide by matplotlib's own
    # cross-product test so ties resolve bit for bit as in dicompyler-core.
    slack = 1e-9 * (1.0 + np.abs(x_cross))
    low = np.searchsorted(xs, x_cross - slack, side="left")
    high = np.searchsorted(xs, x_cross + slack, side="right")
    for k in np.nonzero(high > low)[0]:
        e = edge[k]
        vx0, vy0, vx1, vy1, y = x0[e], y0[e], x1[e], y1[e], ty[k]
        near = xs[low[k] : high[k]]
        counted = ((vy1 - y) * (vx0 - vx1) >= (vx1 - near) * (vy0 - vy1)) == (vy1 >= y)
        columns[k] = low[k] + int(np.count_nonzero(counted))
    line = plane[edge] * n_rows + rows
    order = np.lexsort((columns, line))
    line, columns = line[order], columns[order]
    # Pairs (t1, t2), (t3, t4), ... of each row: rows hold even counts, so pairs never straddle.
    starts, stops, run_line = columns[0::2], columns[1::2], line[0::2]
    lengths = stops - starts
    run = lengths > 0
    return run_line[run], starts[run], lengths[run]


def boundary_points(contours: Sequence[FloatArray], spacing_mm: float) -> FloatArray:
    """Points along every edge, at most ``spacing_mm`` apart (vertices included)."""
    v0, v1 = edges_of(contours)
    if v0.shape[0] == 0:
        return np.empty((0, 2))
    length = np.hypot(*(v1 - v0).T)
    pieces = np.maximum(np.ceil(length / spacing_mm).astype(np.int64), 1)
    edge = np.repeat(np.arange(pieces.size), pieces)
    offsets = np.cumsum(pieces) - pieces
    t = (np.arange(int(pieces.sum())) - offsets[edge]) / pieces[edge]
    out: FloatArray = v0[edge] + (v1[edge] - v0[edge]) * t[:, None]
    return out
