"""`mbcnav serve` and the settings it reads: a busy port or a bad value is one clear line naming the
setting and exit code 2, never "running at" for a server that is not running (sweep 6)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
from typer.testing import CliRunner

from mbcnav.cli import app

SRC = Path(__file__).resolve().parents[2] / "src"


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `mbcnav serve` in a child process (a server that did start would be stopped by the timeout)."""
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "MBCNAV_DATA_DIR": os.environ.get("TMPDIR", "/tmp")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", "serve", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_busy_port_is_reported_not_announced() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = _serve("--port", str(port))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"port {port}" in result.stderr and "in use" in result.stderr and "--port" in result.stderr
    assert "running at" not in result.stdout


def test_bad_port_settings_name_the_setting() -> None:
    result = _serve(env={"MBCNAV_PORT": "abc"})
    assert result.returncode == 2 and "MBCNAV_PORT" in result.stderr and "internal error" not in result.stderr
    result = _serve(env={"MBCNAV_MAX_BODY_BYTES": "1k"})
    assert result.returncode == 2 and "MBCNAV_MAX_BODY_BYTES" in result.stderr
    result = _serve("--port", "99999")
    assert result.returncode == 2 and "--port" in result.stderr and "running at" not in result.stdout


def test_cli_assess_reads_a_case_file_with_a_utf8_bom(tmp_path: Path) -> None:
    case = tmp_path / "bom.json"
    data = {"id": "web-hr-pos", "tumor": {"er_percent": 90, "her2_ihc": "1+"}, "metastatic_sites": ["bone"]}
    case.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(data))
    result = CliRunner().invoke(app, ["assess", str(case), "--json"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["case_id"] == "web-hr-pos"
