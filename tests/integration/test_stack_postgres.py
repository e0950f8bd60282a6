"""`make stack`'s PostgreSQL under root, where it runs as an account of its own."""

import os

import pytest

from earshot.app.postgres import SERVICE_USER, LocalPostgres, PostgresError


def test_a_home_its_account_cannot_reach_is_named_before_anything_is_made(tmp_path):
    assert os.geteuid() == 0, "this test is about running as root, as the VM's installer and CI do"
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    postgres = LocalPostgres(closed / "stack" / "postgres", tmp_path / "postgres.log")
    with pytest.raises(PostgresError, match=f"{SERVICE_USER}, which cannot reach") as refused:
        postgres.start(port=5432)
    assert "EARSHOT_HOME" in str(refused.value)
    assert not (closed / "stack").exists()
