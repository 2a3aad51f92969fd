"""DuckDB as the workspace's query engine: SQL quoting and the session a job runs in."""

from __future__ import annotations

from pathlib import Path

import duckdb

from shopmind.config import Settings


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def job_connection(settings: Settings, workdir: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB session whose database file lives in the job's staging folder.

    A file (not ``:memory:``) lets DuckDB spill large joins and sorts to ``workdir/spill``, so
    10M-row inputs stay within ``memory_limit_mb``; the folder goes with the job's staging.
    Times are UTC; rows keep their insertion order.
    """
    con = duckdb.connect(str(workdir / "work.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {settings.threads}")
    con.execute(f"SET memory_limit = '{settings.memory_limit_mb}MB'")
    con.execute(f"SET temp_directory = {lit(str(workdir / 'spill'))}")
    con.execute("SET preserve_insertion_order = true")
    return con
