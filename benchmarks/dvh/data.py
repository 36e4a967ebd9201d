"""The breast plan of the dicompyler-core 0.5.6 sdist, fetched with pip once and cached.

Same cache as tests/validation/test_dvh_breast.py: ``$RADTRIAL_TEST_DATA`` or
``~/.cache/radtrial-test-data/dicompyler-core-0.5.6``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SDIST = "dicompyler-core==0.5.6"
MEMBER = "dicompyler-core-0.5.6/tests/testdata/example_data/"
SHA256 = {
    "rtss.dcm": "8fe3e3a20d1acf911f5c284dc40288d46f97acd43e4a63753cd6e3e1dac398cb",
    "rtdose.dcm": "a78d4d7723e280b1baf8153a43583fda384a681428eca306b53ada37ef7d3123",
    "rtplan.dcm": "d518fc976a225cbf05f8747d0067b52e7b1faa147da8e53b2b0bce01eaa21977",
}


def folder() -> Path:
    root = os.environ.get("RADTRIAL_TEST_DATA") or Path.home() / ".cache" / "radtrial-test-data"
    return Path(root) / "dicompyler-core-0.5.6"


def breast_plan() -> Path:
    """The folder holding rtss.dcm, rtdose.dcm and rtplan.dcm (fetched if missing)."""
    target = folder()
    if all(
        (target / n).is_file() and hashlib.sha256((target / n).read_bytes()).hexdigest() == h
        for n, h in SHA256.items()
    ):
        return target
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(  # noqa: S603 - fixed argument lists
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--disable-pip-version-check", "--quiet", SDIST, "-d", download],
            check=True,
        )  # fmt: skip
        archive = next(Path(download).glob("dicompyler*core-0.5.6.tar.gz"))
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for name in SHA256:
                source = tar.extractfile(MEMBER + name)
                assert source is not None
                (target / name).write_bytes(source.read())
    return target
