"""The staff web app: server-rendered pages (Jinja2) over the same services as the API.

Pages work without JavaScript. Every form carries a CSRF token; every page is rendered with
autoescaping, in Norwegian bokmål or English (:mod:`radtrial.web.i18n`), and checked against
the same site-isolation policy as the API (:func:`radtrial.services.policy.decide`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from radtrial.web import (
    audit,
    biobank,
    course,
    enrolment,
    outcomes,
    participant,
    plan_qa,
    portal,
    portal_invitations,
    records,
    sign_in,
    sites,
    trials,
    users,
)
from radtrial.web.rendering import render_error

__all__ = ["STATIC_DIR", "install"]

STATIC_DIR = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Add the pages, the static assets and the HTML error renderer to ``app``."""
    app.include_router(sign_in.router)
    app.include_router(trials.router)
    app.include_router(sites.router)
    app.include_router(audit.router)
    app.include_router(users.router)
    app.include_router(enrolment.router)
    app.include_router(participant.router)
    app.include_router(course.router)
    app.include_router(plan_qa.router)
    app.include_router(outcomes.router)
    app.include_router(records.router)
    app.include_router(biobank.router)
    app.include_router(portal.router)
    app.include_router(portal_invitations.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.render_error = render_error
