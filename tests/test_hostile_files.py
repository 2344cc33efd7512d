"""Files that are not what a plan expects: each gets one line with the file and what is wrong
(exit 2), without blocking, flooding or reading outside the plan's folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from click.testing import CliRunner

import alternance.build as build_module
from alternance.cli import main
from alternance.plan.loader import MAX_FILE_BYTES, load_plans
from helpers import make_plan, problems

APPRENTICES_CSV = "id,name,cohort,company,birth_date,contract_start,contract_end\n"


def test_a_byte_order_mark_before_the_plan_is_read_as_utf8(tmp_path: Path) -> None:
    path = make_plan(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (plan,) = load_plans([path])
    assert plan.id == "tiny"


def test_a_folder_given_as_the_plan_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"{tmp_path}: is a folder, not a file"


def test_a_named_pipe_as_the_csv_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "apprentices.csv")
    path = make_plan(tmp_path, {"apprentices": "apprentices.csv"}, apprentices=[])
    found: list = []
    reader = threading.Thread(target=lambda: found.extend(problems(path)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert not reader.is_alive(), "the loader blocked on a named pipe"
    assert any("not a regular file" in p.message for p in found), found


def test_a_csv_outside_the_plan_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:do not print me\n", encoding="utf-8")
    folder = tmp_path / "plans"
    folder.mkdir()
    path = make_plan(folder, {"apprentices": "../secret.csv"}, apprentices=[])
    found = problems(path)
    text = "\n".join(str(p) for p in found)
    assert "outside the plan's folder" in text
    assert "do not print me" not in text


def test_a_huge_csv_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with (tmp_path / "apprentices.csv").open("wb") as f:
        f.write(APPRENTICES_CSV.encode())
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    path = make_plan(tmp_path, {"apprentices": "apprentices.csv"}, apprentices=[])
    (problem,) = [p for p in problems(path) if "MB" in p.message]
    assert "largest file accepted" in problem.message


def test_an_os_error_while_building_is_one_line_and_exit_2(tmp_path: Path, monkeypatch) -> None:
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "calendars"))

    monkeypatch.setattr(build_module, "build", full_disk)
    result = CliRunner().invoke(main, ["build", str(make_plan(tmp_path)), "--out", str(tmp_path / "calendars")])
    assert result.exit_code == 2
    assert result.output.strip() == f"{tmp_path / 'calendars'}: No space left on device; nothing was published"
