"""dicompyler-core 0.5.6 in its own virtual environment (it needs pydicom<3).

The venv lives in ``~/.cache/radtrial-bench/dicompyler-venv`` (``$RADTRIAL_BENCH_CACHE``
overrides the folder) and is created on first use with pip from PyPI: dicompyler-core 0.5.6,
pydicom<3 and scikit-image (for its interpolation options).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REQUIREMENTS = ["dicompyler-core==0.5.6", "pydicom<3", "scikit-image", "six", "matplotlib"]
SCRIPT = Path(__file__).with_name("dicompyler_peer.py")


def venv() -> Path:
    root = Path(os.environ.get("RADTRIAL_BENCH_CACHE") or Path.home() / ".cache" / "radtrial-bench")
    return root / "dicompyler-venv"


def python() -> Path:
    """The peer venv's interpreter, creating the venv if needed."""
    folder = venv()
    interpreter = folder / "bin" / "python"
    ready = folder / ".ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603 - fixed argument lists
            [str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *REQUIREMENTS],
            check=True,
        )  # fmt: skip
        ready.write_text("ok\n")
    return interpreter


def run(
    rtstruct: Path,
    rtdose: Path,
    *,
    resolution: float | None = None,
    segments: int = 0,
    repeat: int = 1,
) -> dict[str, Any]:
    """dicompyler-core's whole pass over every ROI; JSON with ``seconds`` (best of ``repeat``)."""
    command = [str(python()), str(SCRIPT), str(rtstruct), str(rtdose), "--repeat", str(repeat)]
    if resolution is not None:
        command += ["--resolution", str(resolution)]
    if segments:
        command += ["--segments", str(segments)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout)
    return result
