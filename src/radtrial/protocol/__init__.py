"""The trial protocol as data: a frozen, validated model, its TOML form, versions and diffs.

Pure core: nothing here reads files, the environment or the clock. The bundled protocol files
live in ``trials/``; the services layer reads them.
"""

from radtrial.protocol.diff import Change, diff_protocols
from radtrial.protocol.loader import parse_protocol, validate_protocol
from radtrial.protocol.model import AssumptionMark, Protocol

__all__ = [
    "AssumptionMark",
    "Change",
    "Protocol",
    "diff_protocols",
    "parse_protocol",
    "validate_protocol",
]
