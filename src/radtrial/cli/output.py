"""How every CLI command prints: Rich for people, ``--json`` for programs, errors in one place."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from radtrial.errors import RadtrialError

console = Console()
err_console = Console(stderr=True)

#: Exit code for a RadtrialError (bad input, not found, conflict, ...). 1 is left for crashes.
EXIT_ERROR = 2
#: Exit code when a check ran and found a problem (audit verify found tampering).
EXIT_CHECK_FAILED = 3


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (dates as ISO 8601)."""
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def translated_errors(as_json: bool = False) -> Iterator[None]:
    """The CLI's one translation of :class:`RadtrialError` into output and an exit code."""
    try:
        yield
    except RadtrialError as exc:
        if as_json:
            print_json({"error": exc.to_dict()})
        else:
            # Messages quote user input and TOML table names ([dose_constraints]): never markup.
            err_console.print(
                f"[bold red]error[/] [dim]({exc.code})[/] {escape(str(exc))}", highlight=False
            )
            for problem in exc.detail.get("problems", []):
                where = problem.get("path") or ""
                if problem.get("line"):
                    where = f"{where} (line {problem['line']})".strip()
                prefix = f"{where}: " if where else ""
                err_console.print(
                    f"  - {escape(prefix)}{escape(str(problem['message']))}", highlight=False
                )
        raise typer.Exit(EXIT_ERROR) from exc


def command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function as a CLI command body: its RadtrialErrors become clean messages.

    The wrapped function must accept ``as_json`` as a keyword (the ``--json`` option).
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with translated_errors(bool(kwargs.get("as_json", False))):
            return func(*args, **kwargs)

    return wrapper


JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")
