"""The staff web app's words in Norwegian bokmål (``nb``) and English (``en``).

Each language is a folder of JSON files, one per area of the app (``base.json``, and one for
each group of pages), merged into one catalogue; a key defined twice in a language is an error,
and every language has the same keys (a test checks). The language follows the browser's
``Accept-Language`` unless the user has chosen one, which a cookie remembers.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalogue", "negotiate", "translate"]

#: Supported languages, in the order the switch shows them.
LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "en"

#: Language tags a browser may send for Norwegian; all are served in bokmål.
_NORWEGIAN = frozenset({"nb", "no", "nn"})


@cache
def catalogue(language: str) -> dict[str, str]:
    """The words of ``language`` by key, from every file in its folder.

    Raises :class:`ValueError` naming the files if two of them define the same key.
    """
    words: dict[str, str] = {}
    defined_in: dict[str, str] = {}
    folder = resources.files(__name__).joinpath(language)
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue
        part: dict[str, str] = json.loads(entry.read_text(encoding="utf-8"))
        for key, word in part.items():
            if key in defined_in:
                raise ValueError(
                    f"i18n/{language}: key {key!r} is in both {defined_in[key]} and {entry.name}"
                )
            defined_in[key] = entry.name
            words[key] = word
    return words


def translate(language: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``language`` (English, then the key itself, if missing), with
    ``{name}`` placeholders filled in."""
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The language to answer in: ``chosen`` if supported, else the browser's first
    supported preference by quality (RFC 9110 §12.5.4), else English."""
    if chosen in LANGUAGES:
        return chosen
    preferences: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        language = "nb" if primary in _NORWEGIAN else primary
        if language in LANGUAGES and quality > 0:
            preferences.append((-quality, index, language))
    return min(preferences)[2] if preferences else DEFAULT_LANGUAGE
