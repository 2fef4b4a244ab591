"""Database errors say what they are (backend/errors.py install_handlers): only a connection that failed
is a 503 `database_unavailable`; anything else the database refuses is a bug, a 500 logged with its cause."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from backend.errors import install_handlers


def _app_querying(url: str, sql: str) -> TestClient:
    app = FastAPI()
    install_handlers(app)
    engine = create_engine(url)

    @app.get("/q")
    def query() -> list[str]:
        with engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(text(sql))]

    return TestClient(app, raise_server_exceptions=False)


def test_a_query_the_database_refuses_is_a_500_logged_with_its_cause(tmp_path: Path, caplog):
    client = _app_querying(f"sqlite:///{tmp_path / 'db.sqlite'}", "SELECT id FROM no_such_table")

    # Listen on the logger itself: a logging set-up earlier in the session may have stopped it
    # propagating or disabled it (logging.config disables the loggers it does not name).
    logger = logging.getLogger("heitje")
    was_disabled, logger.disabled = logger.disabled, False
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.ERROR, logger="heitje"):
            response = client.get("/q")
    finally:
        logger.removeHandler(caplog.handler)
        logger.disabled = was_disabled

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    logged = [r for r in caplog.records if r.name == "heitje" and r.levelno == logging.ERROR]
    assert logged and all("no such table" in r.getMessage() and r.exc_info is not None for r in logged)


def test_a_database_file_that_cannot_be_opened_is_a_503(tmp_path: Path):
    client = _app_querying(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}", "SELECT 1")

    response = client.get("/q")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_refused_postgresql_connection_is_a_503():
    pytest.importorskip("psycopg")
    client = _app_querying("postgresql+psycopg://postgres@127.0.0.1:1/heitje?connect_timeout=2", "SELECT 1")

    response = client.get("/q")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
