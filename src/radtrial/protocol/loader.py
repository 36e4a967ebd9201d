"""Parse protocol TOML text into a validated :class:`Protocol`, with located errors.

Pure: the caller reads the file and passes its text and name. Every problem is reported at once,
each with its key path (``arms[1].prescription.rbe``), message and line, so a trial team fixes a
broken file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import ValidationError

from radtrial.errors import ProtocolError
from radtrial.protocol.locate import Path, find_line, line_index
from radtrial.protocol.model import Protocol

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_MESSAGE_PATH = re.compile(
    r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_0-9]+(?:\[\d+\])?)*)(?=(?: \([^)]*\))?:)"
)
_UNION_TAGS = frozenset({"range", "one_of", "none_of", "flag", "days_before", "confirm", "all"})


def parse_protocol(text: str, source: str = "<protocol>") -> Protocol:
    """Validate ``text`` (TOML) as a protocol; raise :class:`ProtocolError` naming each fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        problem = {"path": "", "message": _TOML_POSITION.sub("", message).strip(), "line": line}
        raise ProtocolError(
            f"not valid TOML: {problem['message']}"
            + (f" (line {line}, column {position.group(2)})" if position else ""),
            location=source,
            detail={"problems": [problem]},
        ) from exc
    return validate_protocol(data, source, text)


def validate_protocol(data: dict[str, Any], source: str, text: str | None = None) -> Protocol:
    """Validate already-parsed protocol data; ``text`` (the TOML) lets errors carry lines."""
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        index = line_index(text) if text is not None else {}
        errors = exc.errors()
        # A list whose only item failed is also reported as too short: say the cause only.
        locs = [tuple(e["loc"]) for e in errors]
        errors = [
            e
            for e in errors
            if e["type"] != "too_short"
            or not any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == e["loc"] for o in locs)
        ]
        problems = [p for error in errors for p in _problems(error, index)]
        summary = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in protocol"
        raise ProtocolError(summary, location=source, detail={"problems": problems}) from None


def _problems(error: Any, index: dict[Path, int]) -> list[dict[str, Any]]:
    loc = _without_union_tags(tuple(error["loc"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}" if loc else "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    problems = []
    for part in message.split("; "):
        path = loc + _message_path(part)
        problems.append({"path": _format(path), "message": part, "line": find_line(index, path)})
    return problems


def _without_union_tags(loc: tuple[str | int, ...]) -> Path:
    kept: list[str | int] = []
    for position, part in enumerate(loc):
        previous = loc[position - 1] if position else None
        if part in _UNION_TAGS and (previous == "rule" or isinstance(previous, int)):
            continue
        kept.append(part)
    return tuple(kept)


def _message_path(message: str) -> Path:
    """A path named at the start of a cross-field message ("randomisation.ratio: ...")."""
    match = _MESSAGE_PATH.match(message)
    if match is None:
        return ()
    path: list[str | int] = []
    for part in match.group(1).split("."):
        name, _, rest = part.partition("[")
        path.append(name)
        if rest:
            path.append(int(rest.rstrip("]")))
    return tuple(path)


def _format(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
