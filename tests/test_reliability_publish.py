"""The publish transaction against bad luck: one atomic swap, kills at its worst moments, a full
disk, unchanged files kept as they were, and a lost link secret."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from alternance.publish import output
from test_cli import run, tiny_plan, tree


class Killed(BaseException):
    """The process dying at this point (click would turn a KeyboardInterrupt into an exit code)."""


def stats(out: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(out.rglob("*")) if p.is_file()
    }


def exchange_works(tmp_path: Path) -> bool:
    a, b = tmp_path / "xa", tmp_path / "xb"
    a.mkdir()
    b.mkdir()
    (a / "a").touch()
    try:
        return output._exchange(a, b) and (b / "a").exists()
    finally:
        shutil.rmtree(a)
        shutil.rmtree(b)


def test_the_swap_is_one_exchange_where_the_kernel_has_it(tmp_path: Path, monkeypatch) -> None:
    if not exchange_works(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here; the two-rename path is tested below")
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    renames: list[Path] = []
    real_rename = Path.rename
    monkeypatch.setattr(Path, "rename", lambda self, target: renames.append(self) or real_rename(self, target))
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0
    assert renames == []  # no moment without an --out: one exchange, no rename
    assert (out / ".alternance").exists() and not (tmp_path / ".out.new").exists()
    assert not (tmp_path / ".out.old").exists()


def test_a_kill_right_after_the_exchange_leaves_the_new_tree_and_the_next_build_cleans(
    tmp_path: Path, monkeypatch
) -> None:
    if not exchange_works(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    old = tree(out)
    real_rmtree = shutil.rmtree

    def killed(path, *args, **kwargs):
        if Path(path).name == ".out.new" and (Path(path) / ".alternance").exists():
            raise Killed  # the process dies before the old tree is deleted
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(output.shutil, "rmtree", killed)
    with pytest.raises(Killed):
        run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    monkeypatch.setattr(output.shutil, "rmtree", real_rmtree)
    new = tree(out)
    assert new != old and ".alternance" in new  # the whole new tree is in place
    assert tree(tmp_path / ".out.new") == old  # the old one beside, whole too
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0
    assert not (tmp_path / ".out.new").exists() and tree(out) == new


def test_without_exchange_two_renames_and_a_kill_between_them_is_recovered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)  # e.g. a filesystem without it
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    old = tree(out)
    real_rename = Path.rename

    def killed(self, target):
        if Path(target).name == "out":
            raise Killed  # between the two renames, and nothing after it runs
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", killed)
    with pytest.raises(Killed):
        run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    monkeypatch.setattr(Path, "rename", real_rename)
    assert not out.exists() and tree(tmp_path / ".out.old") == old
    assert run("check", str(tiny_plan(tmp_path))).exit_code == 0
    with output.locked(out):  # what every build and `links` does first
        assert tree(out) == old
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0
    assert tree(out) != old and not list(tmp_path.glob(".out.*[dw]"))


def test_unchanged_files_keep_their_inode_and_mtime(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    before, bytes_before = stats(out), tree(out)
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0
    after, bytes_after = stats(out), tree(out)
    same = [rel for rel in before if rel in after and bytes_before[rel] == bytes_after[rel]]
    changed = [rel for rel in before if rel in after and bytes_before[rel] != bytes_after[rel]]
    assert same and changed, (same, changed)
    for rel in same:
        assert after[rel] == before[rel], rel  # the same file: caches and ETags see no change
    for rel in changed:
        assert after[rel][0] != before[rel][0], rel
    assert all(os.stat(out / rel).st_nlink == 1 for rel in same)  # the old tree is gone


def test_the_folders_are_synced_after_the_swap(tmp_path: Path, monkeypatch) -> None:
    synced: list[Path] = []
    real = output._fsync_dir
    monkeypatch.setattr(output, "_fsync_dir", lambda folder: synced.append(Path(folder)) or real(folder))
    monkeypatch.setattr(output, "_syncfs", lambda folder: False)  # where Linux's syncfs is missing
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    assert synced[-1] == tmp_path.resolve()  # the parent, after the swap
    assert tmp_path.resolve() / ".out.new" / "public" in synced  # the new tree's folders, before it


def test_the_new_tree_is_flushed_in_one_syncfs_before_the_swap(tmp_path: Path, monkeypatch) -> None:
    calls: list[Path] = []
    real = output._syncfs
    monkeypatch.setattr(output, "_syncfs", lambda folder: calls.append(Path(folder)) or real(folder))
    monkeypatch.setattr(output, "_fsync_file", lambda path: pytest.fail(f"{path} synced alone"))
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    assert calls == [tmp_path.resolve() / ".out.new"]
    assert real(tmp_path) is True  # Linux has it: no file is synced one by one


def test_a_full_disk_is_one_line_before_writing_and_keeps_the_old_tree(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    old = tree(out)
    real = shutil.disk_usage
    free = {"bytes": 2 * 1024 * 1024}  # enough to start, not for the new tree

    def small(path):
        usage = real(path)
        return type(usage)(usage.total, usage.total - free["bytes"], free["bytes"])

    monkeypatch.setattr(output.shutil, "disk_usage", small)
    monkeypatch.setattr(output, "MARGIN", 2 * 1024 * 1024)
    result = run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = result.stderr.splitlines()[-1]  # after the solve's progress lines
    assert "MB free" in line and "nothing was published" in line
    assert tree(out) == old and not (tmp_path / ".out.new").exists()
    free["bytes"] = 1000  # already full: said before the solve
    result = run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1 and tree(out) == old
    assert "MB free" in result.stderr


def test_a_build_with_a_lost_secret_does_not_change_every_link(tmp_path: Path) -> None:
    out, plan = tmp_path / "out", tiny_plan(tmp_path)
    assert run("build", str(plan), "--out", str(out)).exit_code == 0
    secret = tmp_path / ".alternance-secrets" / "tiny.json"
    assert secret.exists()
    published = tree(out)
    secret.unlink()  # calendars/ moved, or the secret not restored from a backup
    result = run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert "--new-secret" in line and "tiny.json" in line
    assert not secret.exists() and tree(out) == published
    assert run("links", str(plan), "--out", str(out), "--new-secret").exit_code == 0  # on purpose
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0


def test_a_first_build_into_feeds_without_public_makes_the_secret(tmp_path: Path) -> None:
    """A fresh clone: calendars/ from git, without public/ (not committed) and without a secret."""
    out, plan = tmp_path / "out", tiny_plan(tmp_path)
    assert run("build", str(plan), "--out", str(out)).exit_code == 0
    shutil.rmtree(out / "public")
    (tmp_path / ".alternance-secrets" / "tiny.json").unlink()
    assert run("build", str(plan), "--out", str(out)).exit_code == 0
    assert (tmp_path / ".alternance-secrets" / "tiny.json").exists() and (out / "public" / "f").is_dir()
