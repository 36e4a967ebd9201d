"""The one error hierarchy of radtrial.

Every error raised on purpose by radtrial derives from :class:`RadtrialError`. Each class has a
stable ``code`` (used by the CLI and, later, the API as the machine-readable error name) and
carries structured fields: where the fault lies (``location``: a file, a key path, a field) and a
``detail`` mapping. Adapters translate library exceptions (SQLAlchemy, pydicom, TOML parsing)
into these classes; the CLI and the API each translate them to their own output in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AllocationListExhausted",
    "AlreadyRandomised",
    "AlreadyRegistered",
    "AuditIntegrityError",
    "Conflict",
    "DicomError",
    "EnrolmentRefused",
    "InvalidInput",
    "MissingStratificationFactor",
    "NotAuthenticated",
    "NotConsented",
    "NotEligible",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "PreconditionRequired",
    "ProtocolError",
    "RadtrialError",
    "RandomisationError",
    "ReasonRequired",
    "SiteNotActivated",
    "StorageBusy",
    "StorageError",
    "TooManyAttempts",
]


class RadtrialError(Exception):
    """Root of every error radtrial raises on purpose."""

    code: ClassVar[str] = "radtrial_error"

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.detail: dict[str, Any] = dict(detail or {})

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def to_dict(self) -> dict[str, Any]:
        """The stable, JSON-serialisable shape used by the CLI's --json and the API."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.location is not None:
            out["location"] = self.location
        if self.detail:
            out["detail"] = self.detail
        return out


class InvalidInput(RadtrialError):
    """A value given by a user or a file is not acceptable; ``location`` names the field."""

    code = "invalid_input"


class ProtocolError(InvalidInput):
    """A protocol file or registry record cannot be read or does not validate.

    ``detail["problems"]`` lists every problem found, each with its key path, message and, where
    the source allows, line number; ``location`` names the file.
    """

    code = "protocol_error"


class DicomError(InvalidInput):
    """DICOM RT input cannot be used: not DICOM, a missing or malformed attribute, or files that
    do not belong together (another frame of reference, a missing referenced ROI, a dose grid
    that does not cover a structure).

    ``location`` names the file (or the structure); ``detail["attribute"]`` names the DICOM
    attribute at fault where there is one.
    """

    code = "dicom_error"


class ReasonRequired(InvalidInput):
    """A change to an already saved record was attempted without a reason for the change."""

    code = "reason_required"


class NotFound(RadtrialError):
    """The named trial, protocol version, site, user or record does not exist."""

    code = "not_found"


class Conflict(RadtrialError):
    """The write would contradict what is already stored (a duplicate, a stale edit)."""

    code = "conflict"


class PermissionDenied(RadtrialError):
    """The acting user has no role that allows this action at this site."""

    code = "permission_denied"


class NotAuthenticated(RadtrialError):
    """No valid session: never signed in, signed out, timed out, or the credentials are wrong.

    The message never says which of username, password or second factor was wrong.
    """

    code = "not_authenticated"


class TooManyAttempts(RadtrialError):
    """Too many failed sign-ins for this account or from this address in the last hour
    (OWASP ASVS 4.0.3 2.2.1); ``detail["retry_after_s"]`` says when to try again."""

    code = "too_many_attempts"


class PreconditionFailed(Conflict):
    """An edit was based on a version of the record that is no longer current (a stale
    ``If-Match``): nothing was written, so no update is lost (RELIABILITY.md row 6)."""

    code = "precondition_failed"


class PreconditionRequired(InvalidInput):
    """An edit did not say which version of the record it was based on (no ``If-Match``)."""

    code = "precondition_required"


class EnrolmentRefused(RadtrialError):
    """A trial rule refuses a screening, consent, registration or randomisation step.

    Nothing was written. The subclass names the rule; ``detail`` carries what the person at the
    site needs to act on it (the failing criteria, the missing factor, the existing allocation).
    """

    code = "enrolment_refused"


class NotEligible(EnrolmentRefused):
    """The person is not (or not yet) eligible: ``detail["criteria"]`` lists each criterion that
    is not met, lacks data or awaits the investigator's confirmation, with the reason."""

    code = "not_eligible"


class NotConsented(EnrolmentRefused):
    """No informed consent is recorded for this person, or it has been withdrawn."""

    code = "not_consented"


class SiteNotActivated(EnrolmentRefused):
    """The site takes no part in the trial, or is not recruiting for it (yet, or any more)."""

    code = "site_not_activated"


class AlreadyRegistered(EnrolmentRefused):
    """This screening has already led to a registration (``detail["study_id"]``)."""

    code = "already_registered"


class RandomisationError(EnrolmentRefused):
    """Randomisation was refused or cannot run (no allocation list, a list that fails to
    verify); the subclasses name the common refusals."""

    code = "randomisation_error"


class MissingStratificationFactor(RandomisationError):
    """A stratification or minimisation factor has no value in the screening data."""

    code = "missing_stratification_factor"


class AlreadyRandomised(RandomisationError):
    """The participant already has an allocation (``detail`` names the arm and the slot)."""

    code = "already_randomised"


class AllocationListExhausted(RandomisationError):
    """Every slot of the participant's stratum in the allocation list is used."""

    code = "allocation_list_exhausted"


class StorageError(RadtrialError):
    """The database failed in a way that is not the user's fault; nothing was committed."""

    code = "storage_error"


class StorageBusy(StorageError):
    """The database was busy or chose this transaction as a victim; nothing was committed.

    Running the whole unit of work again is safe (PostgreSQL: SQLSTATE 40001 and 40P01;
    SQLite: SQLITE_BUSY after the busy timeout).
    """

    code = "storage_busy"


class AuditIntegrityError(RadtrialError):
    """The audit trail does not verify: a row was changed, removed, inserted or truncated."""

    code = "audit_integrity"
