"""Typed, path-aware access to a parsed JSON tree, collecting every fault with its path."""

from __future__ import annotations

from typing import Any

from radtrial.protocol.registry.record import RecordDate, parse_record_date, problem, unescape


class JsonReader:
    """Typed access to the JSON tree that records each fault with its path."""

    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []

    def fail(self, path: str, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(problem(path, message))

    def obj(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        """The object at ``key`` (empty if absent or not an object)."""
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(f"{path}.{key}", f"expected an object, found {kind_of(value)}")
            return {}
        return value

    def objs(self, parent: dict[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        """The objects of the list at ``key``, each with its path."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{path}.{key}", f"expected a list, found {kind_of(value)}")
            return []
        out = []
        for index, item in enumerate(value):
            where = f"{path}.{key}[{index}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.fail(where, f"expected an object, found {kind_of(item)}")
        return out

    def text(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        """The string at ``key`` as plain text (Markdown escapes removed); ``None`` if empty."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", f"expected a string, found {kind_of(value)}")
            return None
        return unescape(value.strip()) or None

    def texts(self, parent: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        """The list of strings at ``key``."""
        value = parent.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{path}.{key}", "expected a list of strings")
            return ()
        return tuple(unescape(v.strip()) for v in value if v.strip())

    def coded(
        self, parent: dict[str, Any], key: str, path: str, allowed: frozenset[str]
    ) -> str | None:
        """A coded string checked against ``allowed``, upper-cased."""
        value = self.text(parent, key, path)
        if value is None:
            return None
        if value.upper() not in allowed:
            self.fail(f"{path}.{key}", f"{value!r} is not one of {', '.join(sorted(allowed))}")
            return None
        return value.upper()

    def date(self, parent: dict[str, Any], key: str, path: str) -> RecordDate | None:
        """The ``date`` of the date struct at ``key`` ("2024-12-10" or "2024-12")."""
        struct = self.obj(parent, key, path)
        value = self.text(struct, "date", f"{path}.{key}")
        if value is None:
            return None
        parsed = parse_record_date(value)
        if parsed is None:
            self.fail(f"{path}.{key}.date", f"{value!r} is not a date (YYYY-MM-DD or YYYY-MM)")
        return parsed


def kind_of(value: Any) -> str:
    """ "an object", "a list", ... for messages about a JSON value."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )
