"""The portal policy: invitation lifetime, portal session limits and redemption throttling,
configured by the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from radtrial.config import Settings

__all__ = ["PortalPolicy"]


@dataclass(frozen=True, slots=True)
class PortalPolicy:
    """Invitation lifetime, portal session limits and redemption throttling."""

    invitation: timedelta = timedelta(days=14)
    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=2)
    failures_per_address: int = 30
    failures_overall: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> PortalPolicy:
        """The policy the settings configure."""
        return cls(
            invitation=timedelta(days=settings.portal_invitation_days),
            idle=timedelta(minutes=settings.portal_idle_minutes),
            failures_per_address=settings.portal_failures_per_address_hour,
        )
