"""Revisions of the research database, oldest first."""
