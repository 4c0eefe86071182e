"""``ivex requests --sink`` on a SQLite case table; responder validation without Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.responder import Answer, Responder, response_id
from connectors.sinks import SqliteCaseTable
from connectors.sinks.case_table import CaseRow
from ivex.cli import requests
from ivex.cli.main import cli
from ivex.errors import RecordRejected
from ivex.settings import DEFAULT_CONFIG, load_settings
from tests.requests_helpers import RAISED, request_id, request_item


def test_requests_view_counts_and_lists_overdue_oldest_first(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    with SqliteCaseTable(db) as table:
        table.write(
            [
                request_item(1, 0),
                request_item(2, 1, kind="DUPLICATE_REGISTRATION"),
                request_item(3, 2, state="WITHDRAWN", reason="voided"),
                request_item(4, 3, state="OVERDUE"),
            ]
        )
    if requests.command.name not in cli.commands:
        cli.add_command(requests.command)
    args = ["requests", "--city", "620600", "--sink", f"sqlite:///{db}"]
    result = CliRunner().invoke(cli, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "BIRTH_NOT_REGISTERED" in result.output
    assert "WITHDRAWN" in result.output
    assert "Open requests (3)" in result.output
    listed = [request_id(n)[:8] for n in (1, 2, 4)]
    positions = [result.output.index(short) for short in listed]
    assert positions == sorted(positions)
    assert request_id(3)[:8] not in result.output


def test_open_table_counts_days_overdue() -> None:
    [case] = [CaseRow("r", "K", "OPEN", "NORMAL", RAISED, RAISED + timedelta(days=30))]
    table = requests.open_table([case], RAISED + timedelta(days=33, hours=1), limit=10)
    assert list(table.columns[-1].cells) == ["3"]


def test_responder_validates_before_sending() -> None:
    responder = Responder(load_settings(DEFAULT_CONFIG), "620600")
    with pytest.raises(RecordRejected) as info:
        responder.response(Answer(request_id(1), "DONE"))
    assert info.value.field == "status"
    with pytest.raises(RecordRejected):
        responder.response(Answer("not-a-uuid", "RESOLVED"))
    at = datetime(2025, 4, 1, tzinfo=UTC)
    response = responder.response(Answer(request_id(1), "RESOLVED", "BIRTH_FOUND", None, at))
    assert str(response.response_id) == response_id(request_id(1), "RESOLVED", "620600")
    assert response_id(request_id(1), "RESOLVED", "620600") != response_id(
        request_id(1), "ACKNOWLEDGED", "620600"
    )
    assert response.responded_at == at
