"""An independent oracle of the site-isolation policy, written from the policy's statement
rather than from its code: each grant is expanded into the set of (trial, site) scopes it
covers over a finite universe (None standing for "every"), and an action is allowed when a
grant of an admitted role covers the object's scope."""

from __future__ import annotations

from collections.abc import Iterable

TRIALS = ("pallsoft", "prosarc2", "third")
SITES = ("OUS", "HUS", "STO", "UNN")

#: Which roles may take each action (from the policy's documentation, by hand).
ROLES = {
    "trial.read": {
        "investigator",
        "research_nurse",
        "physicist",
        "data_manager",
        "monitor",
        "unblinded_statistician",
        "sponsor_admin",
    },
    "site.read": {
        "investigator",
        "research_nurse",
        "physicist",
        "data_manager",
        "monitor",
        "unblinded_statistician",
        "sponsor_admin",
    },
    "participant.read": {
        "investigator",
        "research_nurse",
        "physicist",
        "data_manager",
        "monitor",
        "unblinded_statistician",
    },
    "participant.write": {"investigator", "research_nurse", "physicist"},
    "identity.read": {"investigator", "research_nurse"},
    "audit.read": {"data_manager", "monitor", "sponsor_admin"},
    "audit.verify": {"data_manager", "monitor", "sponsor_admin"},
    "user.manage": {"sponsor_admin"},
}

Grant = tuple[str, str | None, str | None]


def scopes_covered(
    trial: str | None, site: str | None, *, also: tuple[str | None, str | None] = (None, None)
) -> set[tuple[str | None, str | None]]:
    """Every (trial, site) object scope a grant at ``trial``/``site`` reaches, over the
    universe plus the trial and site in ``also``."""
    trials = [trial] if trial is not None else [*TRIALS, also[0], None]
    sites = [site] if site is not None else [*SITES, also[1], None]
    return {(t, s) for t in trials for s in sites}


def may(
    grants: Iterable[Grant], active: bool, action: str, trial: str | None, site: str | None
) -> bool:
    """Whether a user with ``grants`` may take ``action`` on an object of ``trial``/``site``."""
    if not active:
        return False
    admitted = [(t, s) for role, t, s in grants if role in ROLES[action]]
    if action == "audit.verify":
        return bool(admitted)
    if action == "trial.read":
        return any(t is None or t == trial for t, _ in admitted)
    if action == "identity.read":
        return site is not None and any(
            s == site and (t is None or t == trial) for t, s in admitted
        )
    return any((trial, site) in scopes_covered(t, s, also=(trial, site)) for t, s in admitted)
