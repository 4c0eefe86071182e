"""`ivex simulate` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ivex.cli import simulate
from ivex.cli.context import CliContext


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(simulate.command, list(args), obj=CliContext(None))
    return result.exit_code, result.output


def test_simulate_writes_files_manifest_and_truth(tmp_path: Path) -> None:
    code, output = _invoke(
        "--scale", "0.05", "--months", "3", "--seed", "5", "--out", str(tmp_path),
        "--format", "jsonl", "--fault", "unregistered=0.2", "--lagging-city", "620900",
    )  # fmt: skip
    assert code == 0, output
    assert "expected requests" in output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["options"]["faults"]["unregistered"] == 0.2
    assert manifest["options"]["months"] == 3
    assert manifest["publish_plan"]["620900"]["schedule"] == "weekly"
    assert manifest["simulation_end"] == "2025-04-01T00:00:00+08:00"
    assert (tmp_path / "620700" / "births.jsonl").is_file()
    assert (tmp_path / "truth.jsonl").is_file()


def test_a_format_change_leaves_no_stale_file(tmp_path: Path) -> None:
    assert _invoke("--scale", "0.02", "--months", "1", "--out", str(tmp_path))[0] == 0
    assert (
        _invoke("--scale", "0.02", "--months", "1", "--out", str(tmp_path), "--format", "jsonl")[0]
        == 0
    )
    assert not list(tmp_path.glob("*/*.csv"))


def test_bad_options_are_clear_errors(tmp_path: Path) -> None:
    code, output = _invoke("--fault", "nonsense=0.1", "--out", str(tmp_path))
    assert code != 0
    assert "unknown fault" in output
    code, output = _invoke("--fault", "unregistered", "--out", str(tmp_path))
    assert code != 0
    assert "NAME=NUMBER" in output
