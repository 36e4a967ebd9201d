"""What an amendment changes: a structural diff of two protocol versions.

Lists of items that have an ``id`` or ``code`` (arms, sites, criteria, visits) are matched by
that key, so reordering is not a change and a changed criterion is named by its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from radtrial.protocol.model import Protocol

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One difference between two protocol versions."""

    kind: ChangeKind
    path: str
    old: Any
    new: Any


def diff_protocols(old: Protocol, new: Protocol) -> list[Change]:
    """Every value added, removed or changed from ``old`` to ``new``, in document order."""
    changes: list[Change] = []
    _walk(old.content(), new.content(), "", changes)
    return changes


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    for name in ("id", "code"):
        if items and all(isinstance(i, dict) and isinstance(i.get(name), str) for i in items):
            keys = [i[name] for i in items]
            if len(set(keys)) == len(keys):
                return dict(zip(keys, items, strict=True))
    return None


def _walk(old: Any, new: Any, path: str, changes: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            child = f"{path}.{key}" if path else str(key)
            if key not in new:
                changes.append(Change("removed", child, old[key], None))
            elif key not in old:
                changes.append(Change("added", child, None, new[key]))
            else:
                _walk(old[key], new[key], child, changes)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_keyed, new_keyed = _keyed(old), _keyed(new)
        if old_keyed is not None and new_keyed is not None:
            _walk_keyed(old_keyed, new_keyed, path, changes)
            return
    if old != new:
        changes.append(Change("changed", path, old, new))


def _walk_keyed(old: dict[str, Any], new: dict[str, Any], path: str, changes: list[Change]) -> None:
    for key in [*old, *(k for k in new if k not in old)]:
        child = f"{path}[{key}]"
        if key not in new:
            changes.append(Change("removed", child, old[key], None))
        elif key not in old:
            changes.append(Change("added", child, None, new[key]))
        else:
            _walk(old[key], new[key], child, changes)
