"""Where the trials' sites are in time.

Every site of both trials is Norwegian, so a site's "today", the dates of its records and the
wall-clock times its staff type are read in one zone (ADR 0020). It is named once here, for the
pure core, the services and the store alike: a server running on UTC must still date a
screening typed at 00:30 in Oslo as that day, not the day before.
"""

from __future__ import annotations

__all__ = ["SITE_TIMEZONE"]

#: The IANA time zone of every site (all Norwegian); stored with each course.
SITE_TIMEZONE = "Europe/Oslo"
