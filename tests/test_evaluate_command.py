"""`manage.py evaluate GOLD_DIR`: per-table accuracy, the decision matrix, silent errors, thresholds."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import FIXTURES, ROOT

SEED = "000_fd57272cd8fb4328"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_bundled_fixtures_score_as_measured() -> None:
    """The repo's fixtures: 表三/表四 exact, the 平潭 表二 runs left to review, no silent error."""
    out, err = run(str(FIXTURES))
    assert "\n10 files" in out
    assert "表三  100.00%" in out and "表四  100.00%" in out
    assert "accept → accept  6" in out and "accept → review  4" in out
    assert "silent errors: 0" in out and "misread cells (a value other than the gold's, any decision): 0" in out
    assert "review  (due accept) " in err and str(FIXTURES / "real" / "pt-2021-syq.txt") in err
    figures = json.loads(run(str(FIXTURES), "--json")[0])
    assert figures["silent_errors"] == 0 and figures["decisions"] == {"accept->accept": 6, "accept->review": 4}
    assert figures["cell_accuracy"]["applications"] == 1.0 and figures["cell_accuracy"]["active_disclosure"] < 1
    run(str(FIXTURES), "--max-silent-errors", "0")  # met: no error
    with pytest.raises(CommandError, match=r"cell accuracy 9\d\.\d\d% < 99\.90%"):
        run(str(FIXTURES), "--min-accuracy", "0.999")


def test_a_wrong_accepted_cell_is_a_silent_error_and_fails_the_threshold(tmp_path: Path) -> None:
    """A gold record that disagrees with what the parser accepts is counted, named and fails the run."""
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(FIXTURES / "seeds" / f"{SEED}.txt", gold)
    expected = json.loads((FIXTURES / "seeds" / f"{SEED}.expected.json").read_text(encoding="utf-8"))
    expected["applications"]["granted"]["natural_person"] += 1
    (gold / f"{SEED}.expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    out, err = run(str(gold))
    assert "silent errors: 1" in out and "misread cells (a value other than the gold's, any decision): 1" in out
    assert err.strip().endswith("SILENT ERROR")
    assert json.loads(run(str(gold), "--json")[0])["wrong_cells"] == {
        str(gold / f"{SEED}.txt"): ["applications/granted/natural_person: got 293, expected 294"]}
    # from a shell the missed threshold is a non-zero exit with the reason on stderr
    done = subprocess.run([sys.executable, "manage.py", "evaluate", str(gold), "--max-silent-errors", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "FOI_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 1 and "1 silent errors > 0" in done.stderr


def test_a_folder_without_gold_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no files with a <name>.expected.json beside them"):
        run(str(tmp_path))
    with pytest.raises(CommandError, match="not a directory"):
        run(str(tmp_path / "missing"))
