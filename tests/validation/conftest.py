"""Cross-checks against R: run an R script in a subprocess and read back its JSON.

R is a test-only dependency (Debian's r-base-core, r-cran-survival, r-cran-cmprsk, r-cran-rpact,
r-cran-jsonlite; .ci/run installs them). Without Rscript these tests skip with a clear message,
unless RADTRIAL_REQUIRE_R=1 (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunR = Callable[[str], Any]


def _missing(reason: str) -> None:
    if os.environ.get("RADTRIAL_REQUIRE_R") == "1":
        pytest.fail(f"R is required (RADTRIAL_REQUIRE_R=1) but {reason}")
    pytest.skip(f"R cross-checks skipped: {reason}")


@pytest.fixture(scope="session")
def run_r() -> RunR:
    """Run an R script whose last expression is printed as JSON; return the parsed value.

    The script must end by calling ``emit(value)``, which writes ``jsonlite::toJSON(value,
    digits = NA, auto_unbox = TRUE)`` (full precision) to stdout.
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        _missing("Rscript is not installed (apt-get install r-base-core r-cran-jsonlite)")
    assert rscript is not None

    def run(script: str) -> Any:
        prelude = (
            "suppressPackageStartupMessages({library(jsonlite)})\n"
            "emit <- function(x) cat(toJSON(x, digits = NA, auto_unbox = TRUE, na = 'null'))\n"
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "check.R"
            path.write_text(prelude + script, encoding="utf-8")
            done = subprocess.run(
                [rscript, "--vanilla", str(path)],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        if done.returncode != 0:
            raise AssertionError(f"R failed ({done.returncode}):\n{done.stderr}")
        return json.loads(done.stdout)

    return run
