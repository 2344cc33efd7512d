"""Publishing a build: all files or none, never two builds at once, never someone else's folder.

The new tree is written beside `--out` and swapped in with two renames. If a build dies between
them, the next build finds the previous tree under its `.old` name and puts it back first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import OutputError

MARKER = ".alternance"
MARKER_TEXT = b"This folder is written by `alternance build`; edits are replaced at the next build.\n"


def _sibling(out: Path, suffix: str) -> Path:
    return out.parent / f".{out.name}.{suffix}"


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock for a whole build; a second build fails at once, clearly."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(_sibling(out, "lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(
            f"{out}: another `alternance build` is writing this folder; try again when it has finished"
        ) from None
    try:
        recover(out)
        yield
    finally:
        lock.release()


def recover(out: Path) -> None:
    """Undo what a killed build left: put the previous tree back, drop a half-written one."""
    old, new = _sibling(out, "old"), _sibling(out, "new")
    if old.exists() and not out.exists():
        old.rename(out)
    for leftover in (old, new):
        if leftover.exists():
            shutil.rmtree(leftover)


def check_out(out: Path) -> None:
    """Refuse, before any solving, an --out this build could not or should not replace: a file,
    a folder someone else wrote, or a place without write permission."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file, not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(f"{out}: not empty and not written by alternance (no {MARKER} file); choose another --out")
    parent = next(p for p in out.parents if p.exists())  # the folder that --out is made in
    # The new tree is written beside --out and renamed over it: both need the parent writable.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: not writable; the new tree is written beside --out, choose another --out")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: not writable; choose another --out or fix its permissions")


def publish(out: Path, files: dict[str, bytes]) -> None:
    """Replace the content of `out` by `files` (relative path -> bytes) in one step."""
    out = out.resolve()
    check_out(out)
    new = _sibling(out, "new")
    if new.exists():
        shutil.rmtree(new)
    new.mkdir(parents=True)
    try:
        for relative, content in {MARKER: MARKER_TEXT, **files}.items():
            path = new / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)  # a full disk must not stay full of a half tree
        raise
    old = _sibling(out, "old")
    if out.exists():
        out.rename(old)
    new.rename(out)
    if old.exists():
        shutil.rmtree(old)


def current_files(out: Path) -> dict[str, bytes]:
    """What `out` holds now (the files a build writes), to skip a publish that changes nothing."""
    out = out.resolve()
    if not out.is_dir():
        return {}
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != MARKER}
