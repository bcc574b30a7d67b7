"""In CI a skip is a failure: tests/conftest.py turns every skipped test into a failed one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _run(tmp_path: Path, env_strict: bool) -> subprocess.CompletedProcess:
    case = tmp_path / "test_case_skips.py"
    case.write_text(
        "import pytest\n"
        "def test_skip_call():\n    pytest.skip('no server')\n"
        "@pytest.mark.skipif(True, reason='never here')\ndef test_skip_mark():\n    pass\n"
        "def test_importorskip():\n    pytest.importorskip('no_such_module_zzz')\n"
        "def test_passes():\n    pass\n"
    )
    (tmp_path / "conftest.py").write_text((TESTS / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BINGEO_REQUIRE_ALL")}
    if env_strict:
        env["BINGEO_REQUIRE_ALL"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rf",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:pytest_qgis",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
            str(case),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_skips_are_skips_on_a_developer_machine(tmp_path):
    res = _run(tmp_path, env_strict=False)
    assert res.returncode == 0, res.stdout
    assert "3 skipped" in res.stdout and "1 passed" in res.stdout


def test_skips_fail_in_ci(tmp_path):
    res = _run(tmp_path, env_strict=True)
    assert res.returncode == 1, res.stdout
    summary = res.stdout.strip().splitlines()[-1]
    # a skip in the test body is a failure; a skip mark (decided in setup) an error: either fails the run
    assert "2 failed, 1 passed, 1 error" in summary and "skipped" not in summary
    assert "counts as a failure: Skipped: no server" in res.stdout
