"""Reading a plan's tables and lists: typed values with one Problem per bad one, file guards,
and the spreadsheets named in [plan], read once."""

from __future__ import annotations

import re
import stat
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from ..errors import Problem
from ..i18n import _
from . import cells
from .cells import Bad, suggest
from .schema import REQUIRED, Field, Sheet, Table
from .sheets import SheetError, read_rows

T = TypeVar("T")
_MISSING: Any = object()
Note = Callable[[str], None]


def stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Reader:
    """Typed access to loosely typed tables, recording one Problem per bad value."""

    def __init__(self, file: Path | str, problems: list[Problem]):
        self.file = str(file)
        self.problems = problems

    def fail(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def table(self, data: Any, place: str) -> dict[str, Any]:
        if isinstance(data, dict):
            return data
        self.fail(place, _("must be a table, not {value!r}").format(value=data))
        return {}

    def tables(self, data: Any, place: str) -> list[dict[str, Any]]:
        if data is None:
            return []
        if isinstance(data, list) and all(isinstance(t, dict) for t in data):
            return data
        self.fail(place, _("must be an array of tables ([[{key}]])").format(key=place))
        return []

    def known_keys(self, data: dict[str, Any], place: str, keys: type[Table] | set[str]) -> None:
        known = keys.keys() if isinstance(keys, type) else keys
        for key in sorted(set(data) - known, key=str):
            self.fail(f"{place}.{key}" if place else key, _("unknown key{hint}").format(hint=suggest(key, known)))

    def get(self, data: dict[str, Any], field: Field[T], place: str, default: Any = _MISSING) -> T | None:
        """The value of `field` in `data`, converted; its default when absent (or an empty cell)."""
        value = data.get(field.key, _MISSING)
        where = f"{place}.{field.key}"
        if value is _MISSING or value == "":
            fallback = field.default if default is _MISSING else default
            if fallback is REQUIRED:
                self.fail(where, _("is missing"))
                return None
            return fallback
        try:
            return field.convert(value)
        except Bad as bad:
            self.fail(where + bad.suffix, bad.message)
            return None

    def date_range(self, start: date | None, end: date | None, place: str, end_key: str = "end") -> bool:
        if start is not None and end is not None and end < start:
            self.fail(
                f"{place}.{end_key}",
                _("{end} is before the start {start}").format(end=end.isoformat(), start=start.isoformat()),
            )
            return False
        return start is not None and end is not None


# A plan file or spreadsheet of a whole CFA is a few hundred kB; 700 000 apprentices (every
# apprentice in France) are a 35 MB CSV. Anything larger than 40 MB is a mistake, refused unread.
MAX_FILE_BYTES = 40 * 1024 * 1024


def unreadable(path: Path) -> str | None:
    """Why `path` is not a file to read (None when it is, or does not exist). Checked before
    opening, so that a pipe or a device never blocks or floods the loader."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _("cannot be read: {reason}").format(reason=exc.strerror or exc)
    if stat.S_ISDIR(info.st_mode):
        return _("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        return _("is not a regular file (a pipe or a device?)")
    if info.st_size > MAX_FILE_BYTES:
        return _("is {size} MB; the largest file accepted is {maximum} MB").format(
            size=f"{info.st_size / 1e6:.0f}", maximum=MAX_FILE_BYTES // 2**20
        )
    return None


def tables(data: Any) -> list[dict[str, Any]]:
    """The tables of an array of tables, without a word (`Reader.tables` says what is wrong once)."""
    return [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []


def written_ids(value: Any) -> set[str]:
    """The ids in a list or a cell, read without a word, valid or not."""
    items = re.split(r"[;,\s]+", value) if isinstance(value, str) else value if isinstance(value, list) else []
    return {item.strip() for item in items if isinstance(item, str) and item.strip()}


def ids(data: Any) -> set[str]:
    """The ids written in an array of tables, valid or not."""
    return {t["id"] for t in tables(data) if isinstance(t.get("id"), str)}


def unique(r: Reader, items: list[Any], kind: str) -> list[Any]:
    """Drop unreadable items and report ids used twice."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item is None:
            continue
        if item.id in seen:
            r.fail(f"{kind}[{item.id}].id", _("duplicate {kind} id {id!r}").format(kind=kind, id=item.id))
            continue
        seen.add(item.id)
        kept.append(item)
    return kept


class Lists:
    """The spreadsheets a plan's [plan] names (`companies`, `apprentices`, `trainers`), read once."""

    def __init__(self, r: Reader, path: Path, head: dict[str, Any], note: Note):
        self.r, self.path, self.head, self.note = r, path, head, note
        self.declared: dict[str, set[str]] = defaultdict(set)  # ids written in each list, even invalid rows
        self.unread: set[str] = set()  # lists that could not be read: an id of theirs is not "unknown"

    def read(self, sheet: Sheet) -> tuple[Reader, list[tuple[int, dict[str, Any]]]] | None:
        """The reader (for the file, or its sheet) and the rows of the list `[plan] <sheet.key>` names."""
        if sheet.key not in self.head:
            return None
        self.unread.add(sheet.key)  # until its rows are read
        r, name, place = self.r, self.head[sheet.key], f"plan.{sheet.key}"
        if not isinstance(name, str):
            r.fail(place, _("must be the path of a .csv, .xlsx or .ods file, not {value!r}").format(value=name))
            return None
        file_name, _hash, sheet_name = name.partition("#")
        path = self.path.parent / file_name
        shown = str(path)
        if not path.resolve().is_relative_to(self.path.parent.resolve()):
            # Never read (and quote in an error) a file outside the plan's folder.
            r.fail(place, _("{file!r} is outside the plan's folder; put the file beside the plan").format(file=name))
            return None
        if (why := unreadable(path)) is not None:
            r.fail(place, _("file {file!r} {why}").format(file=shown, why=why))
            return None
        try:
            rows = read_rows(path, sheet_name or None, sheet, shown)
        except FileNotFoundError:
            r.fail(place, _("file {file!r} not found").format(file=shown))
            return None
        except OSError as exc:
            r.fail(place, _("cannot read file {file!r}: {reason}").format(file=shown, reason=exc.strerror or exc))
            return None
        except SheetError as exc:
            Reader(exc.label or shown, r.problems).fail(exc.place, exc.message)
            return None
        reader = Reader(rows.label, r.problems)
        for where, message in rows.problems:
            reader.fail(where, message)
        if rows.note:
            self.note(rows.note)
        if rows.problems:
            return None
        for where, message in rows.row_problems:
            reader.fail(where, message)
        self.unread.discard(sheet.key)
        self.declared[sheet.key] = {str(row["id"]) for _line, row in rows.rows if "id" in row} | rows.skipped_ids
        return reader, rows.rows


def full_name(r: Reader, t: dict[str, Any], name_field: Field[str], place: str, fallback: str) -> str:
    """The name, or "First-name Name" when a sheet has a first-name column."""
    name = r.get(t, name_field, place, fallback) or fallback
    if t.get("first_name", "") != "":
        try:
            return f"{cells.text(t['first_name']).strip()} {name}".strip()
        except Bad as bad:
            r.fail(f"{place}.first_name", bad.message)
    return name
