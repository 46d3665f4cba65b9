"""``manage.py extract`` as a user runs it: one line per file, bad files never stop the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, ROOT, expected_for, report_keys

SEED = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"


def run_extract(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOI_DATA_DIR": str(cwd / "data-unused")}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "extract", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )


def test_json_lines_one_per_file_and_bad_files_do_not_stop_the_run(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 40)
    notice = tmp_path / "notice.txt"
    notice.write_text("关于做好2024年春节假期安全工作的通知\n各单位：请做好值班工作。\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    proc = run_extract("--json", str(empty), str(SEED), str(noise), str(missing), str(notice), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(empty), str(SEED), str(noise), str(missing), str(notice)]
    by_path = {line["path"]: line for line in lines}
    assert by_path[str(empty)]["decision"] == "failed" and by_path[str(empty)]["reasons"] == ["empty file"]
    assert by_path[str(missing)]["reasons"] == ["file not found"]
    assert by_path[str(noise)]["decision"] == "failed" and by_path[str(noise)]["report"] is None
    assert by_path[str(notice)]["decision"] == "failed"
    assert "not an annual" in by_path[str(notice)]["reasons"][0]
    seed = by_path[str(SEED)]
    assert seed["decision"] == "accept" and seed["method"] == "deterministic" and seed["reasons"] == []
    assert seed["report"] == report_keys(expected_for(SEED))
    assert set(seed) == {"path", "decision", "reasons", "method", "report", "findings"}
    data_dir = tmp_path / "data-unused"
    assert not data_dir.exists() or not any(data_dir.iterdir()), "extract must not write anything"


def test_unbalanced_source_goes_to_review_with_numbers_unchanged(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        "二、上年结转政府信息公开申请数量 11 1 0 0 0 0 12", "二、上年结转政府信息公开申请数量 12 1 0 0 0 0 13"
    )
    source = tmp_path / "unbalanced.txt"
    source.write_text(text, encoding="utf-8")
    proc = run_extract("--json", str(source))
    line = json.loads(proc.stdout)
    assert line["decision"] == "review"
    assert "I1 自然人: 一+二 = 768, （七）+四 = 767 (diff 1)" in line["reasons"]
    assert line["report"]["applications"]["carried_over"]["natural_person"] == 12
    assert line["report"]["applications"]["carried_over"]["total"] == 13
    assert {f["code"] for f in line["findings"]} == {"I1"}


def test_readable_summary_and_bad_option() -> None:
    proc = run_extract(str(SEED))
    assert proc.returncode == 0
    assert "ACCEPT" in proc.stdout and "焦作市人民政府 · 2024 · template 2021" in proc.stdout
    assert "1 files: 1 accepted" in proc.stdout
    bad = run_extract("--no-such-option", str(SEED))
    assert bad.returncode != 0
