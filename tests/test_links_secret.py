"""`alternance links` never makes a new secret behind one's back, and rotates under the lock."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.publish import output
from test_rebuild import BEFORE, write


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def links(plan: Path, out: Path, *extra: str) -> dict[str, str]:
    result = run("links", str(plan), "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def secret_file(out: Path) -> Path:
    return out.parent / ".alternance-secrets" / "mini.json"


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, Path]:
    plan = write(tmp_path)
    out = tmp_path / "out"
    result = run("build", str(plan), "--out", str(out), "--today", BEFORE)
    assert result.exit_code == 0, result.output
    return plan, out


def test_a_missing_secret_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    plan, out = write(tmp_path), tmp_path / "out"
    result = run("links", str(plan), "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "--new-secret" in lines[0] and "mini.json" in lines[0]
    assert not secret_file(out).exists()  # nothing made behind one's back
    assert "Traceback" not in result.output


def test_a_moved_site_does_not_silently_change_every_link(site, tmp_path: Path) -> None:
    plan, out = site
    before = links(plan, out)
    moved = tmp_path / "elsewhere" / "out"
    moved.parent.mkdir()
    out.rename(moved)  # the secret stays beside the old place
    result = run("links", str(plan), "--out", str(moved))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert not secret_file(moved).exists()
    moved.rename(out)  # put back: the same links again
    assert links(plan, out) == before


def test_new_secret_starts_over_on_purpose(site) -> None:
    plan, out = site
    before = links(plan, out)
    key = json.loads(secret_file(out).read_text(encoding="utf-8"))["secret"]
    result = run("links", str(plan), "--out", str(out), "--new-secret")
    assert result.exit_code == 0, result.output
    assert "alternance build" in result.stderr
    after = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert set(after) == set(before) and not set(after.values()) & set(before.values())
    assert json.loads(secret_file(out).read_text(encoding="utf-8"))["secret"] != key
    assert secret_file(out).stat().st_mode & 0o077 == 0
    assert links(plan, out) == after  # and stays


def test_new_secret_without_one_creates_it(tmp_path: Path) -> None:
    plan, out = write(tmp_path), tmp_path / "out"
    first = links(plan, out, "--new-secret")
    assert secret_file(out).exists() and links(plan, out) == first


def test_rotation_reads_the_secret_under_the_lock(site, monkeypatch) -> None:
    plan, out = site
    before = links(plan, out)
    real = output.locked

    @contextmanager
    def racing(folder: Path):
        with real(folder):
            # another process rotated a feed while we waited for the lock
            path = secret_file(out)
            data = json.loads(path.read_text(encoding="utf-8"))
            data["rotations"]["c1"] = data["rotations"].get("c1", 0) + 1
            path.write_text(json.dumps(data), encoding="utf-8")
            yield

    monkeypatch.setattr(output, "locked", racing)
    after = links(plan, out, "--rotate", "companies/acme")
    rotations = json.loads(secret_file(out).read_text(encoding="utf-8"))["rotations"]
    assert rotations == {"c1": 1, "companies/acme": 1}  # the other rotation is kept
    assert after["c1"] != before["c1"] and after["companies/acme"] != before["companies/acme"]


def test_rotation_fails_clearly_while_a_build_holds_the_lock(site) -> None:
    plan, out = site
    text = secret_file(out).read_text(encoding="utf-8")
    with output.locked(out):
        result = run("links", str(plan), "--out", str(out), "--rotate", "companies/acme")
    assert result.exit_code == 2 and "another" in result.stderr
    assert secret_file(out).read_text(encoding="utf-8") == text


@pytest.mark.parametrize("char", ["\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0085", "\\n"])
def test_control_characters_in_names_are_refused_at_load_time(tmp_path: Path, char: str) -> None:
    plan = write(tmp_path)
    text = plan.read_text(encoding="utf-8").replace('name = "Cohorte 1"', f'name = "Cohorte{char}1"')
    assert char in text
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(plan), "--out", str(out), "--today", BEFORE)
    assert result.exit_code == 2, result.output
    assert "control character" in result.stderr and "Traceback" not in result.output
    assert not out.exists()  # nothing reaches a feed
    check = run("check", str(plan))
    assert check.exit_code == 2 and "control character" in check.stderr
