"""Revisions of the identity database, oldest first."""
