"""Licensed questionnaire texts: a site's EORTC item texts and answer labels per language,
loaded by a data manager or sponsor administrator (the texts are copyrighted and never
shipped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from radtrial.clinical.instruments.qlq_c15_pal import QLQ_C15_PAL_HIGHEST
from radtrial.clinical.instruments.qlq_c30 import QLQ_C30_HIGHEST
from radtrial.errors import InvalidInput, PermissionDenied
from radtrial.services.access import acting_user
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import Role
from radtrial.store.repositories.portal import InstrumentTextRecord, PortalRepository

__all__ = ["INSTRUMENT_ITEMS", "TEXT_ROLES", "load_instrument_texts"]

#: Items and highest answers of the questionnaires whose texts a site may load.
INSTRUMENT_ITEMS: Mapping[str, Mapping[int, int]] = {
    "qlq_c30": QLQ_C30_HIGHEST,
    "qlq_c15_pal": QLQ_C15_PAL_HIGHEST,
}

#: Who loads licensed questionnaire texts for a site.
TEXT_ROLES = frozenset({Role.DATA_MANAGER, Role.SPONSOR_ADMIN})

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidInput(
            "give a text of 1-500 characters", location=where, detail={"reason": "bad_text"}
        )
    return value.strip()


def load_instrument_texts(
    db: Database,
    *,
    actor: str,
    site_code: str,
    instrument: str,
    language: str,
    document: Mapping[str, Any],
    licence: str | None = None,
    reason: str = "licensed questionnaire texts loaded",
) -> InstrumentTextRecord:
    """Store a site's licensed texts of ``instrument`` (``qlq_c30``, ``qlq_c15_pal``) in
    ``language`` (a data manager or sponsor administrator whose grant covers the site; audited;
    replaces earlier texts of that language).

    ``document`` is ``{"items": {"1": text, ...}, "choices": {"4": {"1": label, ...}, ...}}``:
    a text for every item, and for each answer scale used (keyed by its highest answer) labels
    of at least its lowest and highest answers.
    """
    if instrument not in INSTRUMENT_ITEMS:
        raise InvalidInput(
            f"texts can be loaded for {', '.join(INSTRUMENT_ITEMS)}, not {instrument!r}",
            location="instrument",
        )
    if not _LANGUAGE.match(language):
        raise InvalidInput("a language code such as nb or en", location="language")
    highest = INSTRUMENT_ITEMS[instrument]
    items = document.get("items")
    choices = document.get("choices")
    if not isinstance(items, Mapping) or not isinstance(choices, Mapping):
        raise InvalidInput('give "items" and "choices" objects', location="document")
    unknown = set(map(str, items)) - {str(n) for n in highest}
    if unknown:
        raise InvalidInput(
            f"{instrument} has no items {', '.join(sorted(unknown))}", location="items"
        )
    clean_items = {str(n): _text(items.get(str(n)), f"items[{n}]") for n in sorted(highest)}
    clean_choices: dict[str, dict[str, str]] = {}
    for top in sorted(set(highest.values())):
        labels = choices.get(str(top))
        if not isinstance(labels, Mapping):
            raise InvalidInput(
                f"give the labels of the 1-{top} answer scale", location=f"choices[{top}]"
            )
        clean_choices[str(top)] = {
            str(v): _text(labels.get(str(v)), f"choices[{top}][{v}]")
            for v in range(1, top + 1)
            if v in (1, top) or str(v) in labels
        }

    def work(uow: ResearchUnitOfWork) -> InstrumentTextRecord:
        user = acting_user(uow, actor)
        uow.sites.get(site_code)
        if not (
            user.active
            and any(g.role in TEXT_ROLES and g.site_code in (None, site_code) for g in user.grants)
        ):
            raise PermissionDenied(
                f"{actor!r} may not load questionnaire texts for {site_code}",
                location="actor",
            )
        return PortalRepository(uow).save_texts(
            site_code,
            instrument,
            language,
            {"items": clean_items, "choices": clean_choices},
            licence,
        )

    return db.run(work, actor=actor, reason=reason)
