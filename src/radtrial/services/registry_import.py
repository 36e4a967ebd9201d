"""Use case: import a trial registry record as a draft protocol file.

Reads the record (ClinicalTrials.gov API v2 JSON or the mirror page's text), drafts the protocol,
validates the draft with the same loader every protocol file goes through, and only then writes
it, atomically: a temporary file in the output's directory renamed into place, so the output is
either absent or complete. An existing output is never replaced unless ``overwrite`` is given.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from radtrial.errors import Conflict, InvalidInput, NotFound, ProtocolError
from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.registry import draft_toml, read_registry_record

__all__ = ["ImportResult", "import_registry_record"]

_FILE_MODE = 0o644


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote, with the counts a person checks the draft by."""

    source: Path
    output: Path
    registry_id: str
    slug: str
    criteria: int
    inclusion: int
    exclusion: int
    rules_recognised: int
    sites: int
    arms: int
    assumption_marks: int
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths as strings) for ``--json`` output."""
        data = asdict(self)
        data["source"], data["output"] = str(self.source), str(self.output)
        data["notes"] = list(self.notes)
        return data


def import_registry_record(
    path: Path, output: Path, now: datetime, *, overwrite: bool = False
) -> ImportResult:
    """Draft a protocol from the registry record at ``path`` and write it to ``output``.

    ``now`` is the import time written into the draft's header. Raises
    :class:`~radtrial.errors.NotFound` if ``path`` does not exist,
    :class:`~radtrial.errors.ProtocolError` if it is not a readable registry record (or the draft
    would not validate; then nothing is written), :class:`~radtrial.errors.Conflict` if
    ``output`` exists and ``overwrite`` is false, and :class:`~radtrial.errors.InvalidInput` if
    the output directory does not exist.
    """
    text = _read(path)
    record = read_registry_record(text, str(path))
    draft = draft_toml(record, now)
    try:
        protocol = parse_protocol(draft, str(output))
    except ProtocolError as exc:
        raise ProtocolError(
            f"the draft made from this record does not validate ({exc.message}); nothing "
            "was written",
            location=str(path),
            detail=exc.detail,
        ) from exc
    _write_atomically(output, draft, overwrite=overwrite)
    return _result(path, output, protocol, record.notes)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound("no such file", location=str(path)) from None
    except IsADirectoryError:
        raise InvalidInput(
            "is a directory, not a registry record file", location=str(path)
        ) from None
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"not UTF-8 text (byte {exc.start}): not a registry record",
            location=str(path),
            detail={"problems": [{"path": "", "message": "not UTF-8 text", "line": None}]},
        ) from None


def _write_atomically(output: Path, text: str, *, overwrite: bool) -> None:
    directory = output.parent
    if not directory.is_dir():
        raise InvalidInput("the output directory does not exist", location=str(directory))
    if output.exists() and not overwrite:
        raise Conflict("the output file exists; pass overwrite to replace it", location=str(output))
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _FILE_MODE)
        if overwrite:
            os.replace(temporary, output)
        else:
            _link_without_replacing(temporary, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _link_without_replacing(temporary: str, output: Path) -> None:
    """Put the file in place only if ``output`` is still absent (no race with another writer)."""
    try:
        os.link(temporary, output)
    except FileExistsError:
        raise Conflict(
            "the output file exists; pass overwrite to replace it", location=str(output)
        ) from None
    except OSError:
        # The file system has no hard links: fall back to a checked rename.
        if output.exists():
            raise Conflict(
                "the output file exists; pass overwrite to replace it", location=str(output)
            ) from None
        os.replace(temporary, output)


def _result(path: Path, output: Path, protocol: Protocol, notes: tuple[str, ...]) -> ImportResult:
    eligibility = protocol.eligibility
    criteria = eligibility.criteria()
    return ImportResult(
        source=path,
        output=output,
        registry_id=protocol.trial.registry_id,
        slug=protocol.slug,
        criteria=len(criteria),
        inclusion=len(eligibility.inclusion),
        exclusion=len(eligibility.exclusion),
        rules_recognised=sum(1 for c in criteria if c.rule.kind != "confirm"),
        sites=len(protocol.sites),
        arms=len(protocol.arms),
        assumption_marks=len(protocol.assumption_marks()),
        notes=notes,
    )
