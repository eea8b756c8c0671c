"""File paths as DuckDB SQL literals, for read_parquet, read_csv and glob().

DuckDB reads `[`, `*` and `?` in a path as glob characters, so `read_parquet('sales [v1]/x.parquet')`
silently reads `sales v/x.parquet` or `sales 1/x.parquet` when one exists, and fails otherwise. Each is
written as a one-character class (`[[]`), which matches only itself; single quotes are doubled. A
backslash cannot be escaped this way (DuckDB's glob reads it as a path separator), so a directory
holding one is refused by name. The dbt side does the same in the `raw_path_literal` macro.
"""

from __future__ import annotations

from pathlib import Path

# Characters a raw directory must not contain, each with the reason given to the user.
UNSUPPORTED_PATH_CHARACTERS: dict[str, str] = {
    "\\": "DuckDB's file glob reads a backslash as a path separator",
}


def glob_escape(path: str) -> str:
    """`path` with DuckDB's glob characters made literal."""
    return path.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def path_literal(path: Path | str) -> str:
    """A SQL string literal naming exactly the file `path` (never a glob pattern)."""
    return "'" + glob_escape(str(path)).replace("'", "''") + "'"


def unsupported_characters(path: Path | str) -> dict[str, str]:
    """The characters of `path` DuckDB cannot read a file path with, each with its reason."""
    return {c: reason for c, reason in UNSUPPORTED_PATH_CHARACTERS.items() if c in str(path)}
