"""Reading protocol files: a path on disk or a protocol bundled with radtrial, by slug.

This is the I/O edge of the pure ``radtrial.protocol`` package: it reads bytes, decodes them and
hands the text to :func:`radtrial.protocol.parse_protocol`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from radtrial.errors import InvalidInput, NotFound, ProtocolError
from radtrial.protocol import Protocol, parse_protocol

_BUNDLED_PACKAGE = "radtrial.protocol.trials"


@dataclass(frozen=True)
class ProtocolSource:
    """A protocol file's text and where it came from."""

    name: str
    text: str

    def parse(self) -> Protocol:
        """The validated protocol; :class:`ProtocolError` names this source on failure."""
        return parse_protocol(self.text, self.name)


def bundled_slugs() -> list[str]:
    """Slugs of the protocols shipped with radtrial (``pallsoft``, ``prosarc2``)."""
    folder = resources.files(_BUNDLED_PACKAGE)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def read_source(ref: str) -> ProtocolSource:
    """The protocol named by ``ref``: a ``.toml`` path, or the slug of a bundled protocol."""
    path = Path(ref)
    if path.suffix == ".toml" or path.exists():
        return _read_file(path)
    if ref in bundled_slugs():
        resource = resources.files(_BUNDLED_PACKAGE).joinpath(f"{ref}.toml")
        return ProtocolSource(f"{ref} (bundled)", resource.read_text(encoding="utf-8"))
    raise NotFound(
        f"no protocol file or bundled protocol {ref!r} (bundled: {', '.join(bundled_slugs())})",
        location=ref,
    )


def _read_file(path: Path) -> ProtocolSource:
    if not path.exists():
        raise NotFound("protocol file does not exist", location=str(path))
    if not path.is_file():
        raise InvalidInput("not a file", location=str(path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); save the file as UTF-8",
            location=str(path),
            detail={"problems": [{"path": "", "message": str(exc), "line": None}]},
        ) from exc
    return ProtocolSource(str(path), text)


def validate(ref: str) -> Protocol:
    """Read and validate a protocol file or bundled protocol."""
    return read_source(ref).parse()
