"""Map a key path in a TOML document to the line that defines it.

The standard library's ``tomllib`` reports positions only for syntax errors, and no maintained
TOML parser exposes source positions of values (tomlkit keeps formatting, not line numbers).
A validation error found after parsing ("arms[1].prescription.rbe") is located by this small
scan of table headers and key lines. It understands ``[table]``, ``[[array.of.tables]]``
(counting elements per parent), dotted and quoted keys; a path it cannot resolve fully falls back
to its longest resolvable prefix, so an error always gets the nearest enclosing line.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""")
_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in _PART.finditer(dotted))


def line_index(text: str) -> dict[Path, int]:
    """Every table and key path defined in ``text``, mapped to its 1-based line number."""
    index: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    current: Path = ()
    depth = 0  # open multi-line arrays/inline tables: their lines define no keys of their own
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            was_open, in_multiline = in_multiline, not in_multiline
            if was_open:
                continue
            line = line.split('"""')[0].split("'''")[0]
        elif in_multiline:
            continue
        code = _strip_comment(line)
        if depth == 0 and (header := _HEADER.match(code)):
            keys = _split_key(header.group(2))
            base = _resolve_arrays(keys, counts)
            if header.group(1) == "[[":
                counts[base] = counts.get(base, -1) + 1
                current = (*base, counts[base])
                index.setdefault(base, number)
            else:
                current = base
            index.setdefault(current, number)
            continue
        if depth == 0 and (key := _KEY.match(code)):
            index.setdefault((*current, *_split_key(key.group(1))), number)
        bare = _STRING.sub("", code)
        depth = max(
            depth + bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}"), 0
        )
    return index


def _resolve_arrays(keys: tuple[str, ...], counts: dict[Path, int]) -> Path:
    """The path of a header: each array-of-tables prefix is followed by its current index."""
    path: Path = ()
    for key in keys[:-1]:
        path = (*path, key)
        if path in counts:
            path = (*path, counts[path])
    return (*path, keys[-1])


def _strip_comment(line: str) -> str:
    """Drop a trailing comment that is not inside a string."""
    quote: str | None = None
    for position, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:position]
    return line


def find_line(index: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its longest prefix that the index knows."""
    for end in range(len(path), 0, -1):
        line = index.get(path[:end])
        if line is not None:
            return line
    return None
