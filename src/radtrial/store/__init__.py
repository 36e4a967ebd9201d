"""Persistence: SQLAlchemy 2 tables, repositories, the unit of work, the audit chain, migrations.

The only package that talks to a database. Services receive a
:class:`~radtrial.store.database.Database` and work through its units of work and
repositories, which return frozen records; SQLAlchemy errors leave this package as
:mod:`radtrial.errors` classes.
"""
