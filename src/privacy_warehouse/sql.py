"""Quoting for SQL text the package writes itself (DuckDB, PostgreSQL and Spark SQL alike).

One definition of each, below every module that builds SQL: an identifier in double quotes, a
string literal in single quotes, the embedded quote doubled in both.
"""

from __future__ import annotations


def quote_identifier(identifier: str) -> str:
    """An identifier in double quotes, an embedded double quote doubled."""
    return '"' + identifier.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal in single quotes, an embedded single quote doubled."""
    return "'" + text.replace("'", "''") + "'"
