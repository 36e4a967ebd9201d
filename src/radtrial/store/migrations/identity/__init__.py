"""Migrations of the identity database."""
