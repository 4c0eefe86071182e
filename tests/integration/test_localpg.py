"""The session PostgreSQL fixture really serves databases."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.integration
def test_fresh_database_per_test(postgres_db: str) -> None:
    with psycopg.connect(postgres_db) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        row = conn.execute("SELECT count(*) FROM t").fetchone()
    assert row == (1,)
