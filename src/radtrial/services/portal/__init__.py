"""The patient portal: personal one-time invitations, portal sessions, due questionnaires,
saved partial answers and submission through the PRO service.

One module a noun: ``policy`` (invitation lifetime, session limits, throttling), ``invitation``
(issue, list, revoke and redeem one-time links and codes; singular, so that the module does not
shadow the :func:`invitations` function re-exported here), ``sessions`` (the participant's portal
session), ``questionnaires`` (what is due and its form), ``answers`` (drafts and submission) and
``texts`` (licensed questionnaire texts); ``_common`` holds the digests and access-log helper
that invitations and sessions share. Everything public is re-exported here, so callers keep
using ``portal.redeem`` and ``from radtrial.services.portal import PortalPolicy``.
"""

from __future__ import annotations

from radtrial.services.portal.answers import find_draft, save_draft, submit
from radtrial.services.portal.invitation import (
    IssuedInvitation,
    invitations,
    issue_invitation,
    normalise_code,
    redeem,
    revoke_invitation,
)
from radtrial.services.portal.policy import PortalPolicy
from radtrial.services.portal.questionnaires import (
    TARGET_SYMPTOM,
    DueQuestionnaire,
    PortalItem,
    QuestionnaireForm,
    due_questionnaires,
    questionnaire_form,
)
from radtrial.services.portal.sessions import (
    IssuedPortalSession,
    PortalPrincipal,
    authenticate_portal,
    sign_out_portal,
)
from radtrial.services.portal.texts import INSTRUMENT_ITEMS as INSTRUMENT_ITEMS
from radtrial.services.portal.texts import TEXT_ROLES as TEXT_ROLES
from radtrial.services.portal.texts import load_instrument_texts

__all__ = [
    "TARGET_SYMPTOM",
    "DueQuestionnaire",
    "IssuedInvitation",
    "IssuedPortalSession",
    "PortalItem",
    "PortalPolicy",
    "PortalPrincipal",
    "QuestionnaireForm",
    "authenticate_portal",
    "due_questionnaires",
    "find_draft",
    "invitations",
    "issue_invitation",
    "load_instrument_texts",
    "normalise_code",
    "questionnaire_form",
    "redeem",
    "revoke_invitation",
    "save_draft",
    "sign_out_portal",
    "submit",
]
