"""The publish transaction's guards: a wrong --out is refused before the solve, a failed write
leaves nothing behind, and every change report of a day is kept."""

from __future__ import annotations

from pathlib import Path

import alternance.build as build_module
from alternance.publish import output
from test_cli import run, tiny_plan


def test_a_foreign_out_is_refused_before_solving(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("precious", encoding="utf-8")

    def no_solve(*args, **kwargs):
        raise AssertionError("the plan was solved before --out was checked")

    monkeypatch.setattr(build_module, "solve_plan", no_solve)
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(out))
    assert result.exit_code == 2 and "not written by alternance" in result.stderr
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(out / "thesis.txt"))
    assert result.exit_code == 2 and "is a file" in result.stderr  # click says it, before any work


def test_a_failed_write_leaves_no_half_tree(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    real_open = open
    count = []

    def failing_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            count.append(path)
            if len(count) > 3:
                raise OSError(28, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(output, "open", failing_open, raising=False)
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(out))
    assert result.exit_code == 2
    assert not (tmp_path / ".out.new").exists() and not out.exists()


def test_two_rebuilds_on_one_day_keep_both_change_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    day = ["--today", "2024-12-01"]
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out), *day).exit_code == 0
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out), *day).exit_code == 0
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out), *day).exit_code == 0
    reports = sorted(p.name for p in (out / "changes").glob("*.md"))
    assert reports == ["2024-12-01-2.md", "2024-12-01.md"]
    first, second = ((out / "changes" / n).read_text(encoding="utf-8") for n in ("2024-12-01.md", "2024-12-01-2.md"))
    assert first != second
