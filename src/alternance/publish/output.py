"""Publishing a build: all files or none, never two builds at once, never someone else's folder.

The new tree is written beside `--out`, every file and folder of it flushed to disk, then put in
place in one step: on Linux `renameat2(RENAME_EXCHANGE)` swaps the two folders atomically, so
there is no moment without an `--out`, and the old tree (now beside) is deleted. Where the kernel
or the filesystem has no exchange, two renames do it, and a build killed between them is undone
by the next one (`recover`). A file whose bytes did not change is hard-linked from the old tree
instead of written again: it keeps its inode and mtime, so caches and ETags see no change.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .. import i18n
from ..errors import OutputError
from ..i18n import N_, _

MARKER = ".alternance"
MARKER_TEXT = b"This folder is written by `alternance build`; edits are replaced at the next build.\n"
# Free space asked before writing: the new bytes, a block per file and folder, and a margin.
BLOCK = 4096
MARGIN = 1024 * 1024
MIN_FREE = MARGIN  # before solving: a disk already full is said at once, not after the solve
# What a disk too full to publish says, before solving and before writing (shown through _()).
FULL_BEFORE = N_(
    "{folder}: {free} MB free, a build needs at least {needed} MB; free some space and build again (nothing was published)"
)
FULL = N_(
    "{folder}: {free} MB free, the new tree needs about {needed} MB; free some space and build again (nothing was published)"
)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


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
            _("{folder}: another `alternance build` is writing this folder; try again when it has finished").format(
                folder=out
            )
        ) from None
    try:
        recover(out)
        yield
    finally:
        lock.release()


def recover(out: Path) -> None:
    """Undo what a killed build left: put the previous tree back, drop a half-written one (or,
    after an exchange, the old tree it left beside)."""
    old, new = _sibling(out, "old"), _sibling(out, "new")
    if old.exists() and not out.exists():
        old.rename(out)
    for leftover in (old, new):
        if leftover.exists():
            shutil.rmtree(leftover)


def check_out(out: Path) -> None:
    """Refuse, before any solving, an --out this build could not or should not replace: a file,
    a folder someone else wrote, a place without write permission, a full disk."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(_("{folder}: is a file, not a folder; choose another --out").format(folder=out))
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(
            _("{folder}: not empty and not written by alternance (no {marker} file); choose another --out").format(
                folder=out, marker=MARKER
            )
        )
    parent = next(p for p in out.parents if p.exists())  # the folder that --out is made in
    # The new tree is written beside --out and swapped with it: both need the parent writable.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            _("{folder}: not writable; the new tree is written beside --out, choose another --out").format(
                folder=parent
            )
        )
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(_("{folder}: not writable; choose another --out or fix its permissions").format(folder=out))
    _check_space(parent, MIN_FREE, FULL_BEFORE)


def _check_space(folder: Path, needed: int, message: str = FULL) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise OutputError(
            _(message).format(folder=folder, free=i18n.number(free / 1e6, 1), needed=i18n.number(needed / 1e6, 1))
        )


def _same_file(old: Path, content: bytes) -> bool:
    """Whether the old tree holds these exact bytes at this place (a regular file, not a link)."""
    try:
        info = old.lstat()
        return info.st_size == len(content) and old.is_file() and not old.is_symlink() and old.read_bytes() == content
    except OSError:
        return False


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as error:  # some filesystems cannot fsync a folder; the files are synced
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _write_tree(out: Path, new: Path, files: dict[str, bytes]) -> None:
    """Write `files` under `new`: unchanged ones as hard links to `out`'s, the rest synced to disk."""
    changed = {rel: content for rel, content in files.items() if not _same_file(out / rel, content)}
    _check_space(new.parent, sum(len(c) + BLOCK for c in changed.values()) + BLOCK * len(files) + MARGIN)
    folders = {new}
    written: list[Path] = []
    for relative, content in files.items():
        path = new / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        folders.update(p for p in path.parents if p.is_relative_to(new))
        if relative not in changed:
            try:
                os.link(out / relative, path)
                continue
            except OSError:  # another filesystem, a link limit: write it instead
                pass
        with open(path, "wb") as f:
            f.write(content)
        written.append(path)
    if not _syncfs(new):  # one flush of the whole filesystem, else each file and folder
        for path in written:
            _fsync_file(path)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            _fsync_dir(folder)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(folder: Path) -> bool:
    """Flush every file and folder of `folder`'s filesystem to disk with one Linux `syncfs`
    (13 000 files: one call instead of 13 000 fsyncs); False where the call is missing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    syncfs.argtypes = [ctypes.c_int]
    syncfs.restype = ctypes.c_int
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if syncfs(fd) == 0:
            return True
        if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(folder))
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the kernel or filesystem cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # a libc without renameat2 (glibc < 2.28, musl < 1.2.?)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(out: Path, new: Path) -> None:
    """Put `new` in place of `out`: one exchange, or two renames that `recover` can finish."""
    if out.exists() and _exchange(new, out):
        _fsync_dir(out.parent)
        shutil.rmtree(new, ignore_errors=True)  # the old tree, now beside; `recover` ends what is left
        return
    old = _sibling(out, "old")
    if out.exists():
        out.rename(old)
    new.rename(out)
    _fsync_dir(out.parent)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def publish(out: Path, files: dict[str, bytes]) -> None:
    """Replace the content of `out` by `files` (relative path -> bytes) in one step."""
    out = out.resolve()
    check_out(out)
    new = _sibling(out, "new")
    if new.exists():
        shutil.rmtree(new)
    new.mkdir(parents=True)
    try:
        _write_tree(out, new, {MARKER: MARKER_TEXT, **files})
        _swap(out, new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)  # a full disk must not stay full of a half tree
        old = _sibling(out, "old")
        if old.exists() and not out.exists():  # failed between the two renames: the old tree back
            old.rename(out)
        raise


def current_files(out: Path) -> dict[str, bytes]:
    """What `out` holds now (the files a build writes), to skip a publish that changes nothing."""
    out = out.resolve()
    if not out.is_dir():
        return {}
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != MARKER}
