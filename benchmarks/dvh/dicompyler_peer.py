"""Run dicompyler-core 0.5.6 on an RT Structure Set + RT Dose and print JSON (the peer).

This script runs *inside dicompyler-core's own virtual environment* (it needs ``pydicom<3``, so
it cannot share radtrial's), created by :mod:`benchmarks.dvh.peer`. It imports nothing from
radtrial. For each ROI with contours it calls ``dvhcalc.get_dvh`` and reports the volume, the
statistics and the D-metrics exactly as dicompyler-core computes them (nearest 1 cGy bin), plus
the wall time and the CPU time (``time.process_time``) of the whole pass (parse, rasterise,
histogram, metrics).

Usage (inside the peer venv)::

    python dicompyler_peer.py RS.dcm RD.dcm [--resolution MM] [--segments N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

METRICS = ("D100", "D98", "D95", "D50", "D2", "D0.03cc", "D2cc")


def run(rtss_path: str, rtdose_path: str, resolution: float | None, segments: int) -> dict:
    import pydicom
    from dicompylercore import dvhcalc

    start = time.perf_counter()
    cpu_start = time.process_time()
    rtss = pydicom.dcmread(rtss_path, force=True)
    rtdose = pydicom.dcmread(rtdose_path, force=True)
    structures = {}
    for roi in rtss.StructureSetROISequence:
        number = int(roi.ROINumber)
        contours = [c for c in rtss.ROIContourSequence if int(c.ReferencedROINumber) == number]
        if not contours or "ContourSequence" not in contours[0]:
            continue
        dvh = dvhcalc.get_dvh(
            rtss,
            rtdose,
            number,
            interpolation_resolution=resolution,
            interpolation_segments_between_planes=segments,
        )
        if dvh.volume == 0:
            continue
        row = {
            "name": str(roi.ROIName),
            "volume_cc": float(dvh.volume),
            "min_gy": float(dvh.min),
            "max_gy": float(dvh.max),
            "mean_gy": float(dvh.mean),
        }
        for metric in METRICS:
            row[metric] = float(dvh.statistic(metric).value)
        structures[str(number)] = row
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "structures": structures}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("rtstruct")
    parser.add_argument("rtdose")
    parser.add_argument("--resolution", type=float, default=None)
    parser.add_argument("--segments", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import dicompylercore
    import numpy
    import pydicom

    runs = [run(args.rtstruct, args.rtdose, args.resolution, args.segments)]
    for _ in range(args.repeat - 1):
        runs.append(run(args.rtstruct, args.rtdose, args.resolution, args.segments))
    result = runs[0]
    result["seconds"] = min(r["seconds"] for r in runs)
    result["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
    result["versions"] = {
        "dicompyler-core": dicompylercore.__version__,
        "pydicom": pydicom.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
    }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
