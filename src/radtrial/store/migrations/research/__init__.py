"""Migrations of the research database."""
