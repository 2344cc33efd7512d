"""Spreadsheets as planners keep them (`.csv`, `.xlsx`, `.ods`) → numbered rows of cells by field.

Only this module opens spreadsheet files. CSV: UTF-8 with or without a byte-order mark, UTF-16
with one (Excel's "Unicode text"), or cp1252 (Excel's "CSV (séparateur : point-virgule)" on a
French Windows), said in a note, never silently; separated by `;`, `,` or tab, whichever the
header uses. Workbooks (`.xlsx`, `.ods`) are read by python-calamine, which gives date cells as
dates and numbers as numbers. Headers are matched by `schema.Sheet.by_header()`.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import fold, suggest
from .schema import Sheet

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
ZIP_MAGIC = b"PK\x03\x04"
# A workbook is a zip file: refused before it is unzipped when its content would be larger
# (a "zip bomb" of a few kB can unzip to gigabytes).
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
SEPARATORS = {";": "';'", ",": "','", "\t": "tab"}


class SheetError(Exception):
    """The file or sheet cannot be read as a list: one sentence, with its place when it has one."""

    def __init__(self, message: str, place: str = "", label: str = ""):
        super().__init__(message)
        self.message = message
        self.place = place
        self.label = label


@dataclass
class Rows:
    """A list read from a file: its name in messages, its rows by field key, what went wrong."""

    label: str  # "file.csv" or "file.xlsx#Sheet"
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (place, message) about the header: no rows
    note: str | None = None
    row_problems: list[tuple[str, str]] = field(default_factory=list)  # rows left out, one line each
    skipped_ids: set[str] = field(default_factory=set)  # the ids of those rows
    separator: str = ""  # a CSV's


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_rows(path: Path, sheet_name: str | None, sheet: Sheet, shown: str) -> Rows:
    """The rows of `path` (a sheet of it for a workbook), each cell under its field's key; empty
    rows are skipped and empty cells left out. `shown` is the path as messages write it.
    Raises SheetError when the file, or the sheet, cannot be read at all."""
    suffix = path.suffix.lower()
    separator = ""
    with path.open("rb") as f:
        data = f.read()
    if suffix in WORKBOOK_SUFFIXES:
        label, table = _workbook(path, data, sheet_name, sheet, shown)
        note = None
    elif suffix in CSV_SUFFIXES:
        if sheet_name is not None:
            raise SheetError(f"a CSV file has no sheets: remove '#{sheet_name}'")
        label = shown
        table, note, separator = _csv(data)
    else:
        raise SheetError(f"{shown!r} is not a spreadsheet: use a .csv, .xlsx or .ods file (save .xls as .xlsx)")
    rows = Rows(label, note=f"{label} : lu en {note}" if note else None)
    rows.separator = separator
    _by_field(table, sheet, rows)
    return rows


def _csv(data: bytes) -> tuple[list[list[Any]], str | None, str]:
    text, encoding = _decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    used = [s for s in SEPARATORS if s in first]
    if len(used) > 1:
        raise SheetError(
            "the header holds " + " and ".join(SEPARATORS[s] for s in used) + ": separate the columns with one of them",
            "row 1",
        )
    delimiter = used[0] if used else ","
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        return rows, encoding, delimiter
    except csv.Error as exc:
        raise SheetError(f"unreadable CSV: {exc}") from None


def _decode(data: bytes) -> tuple[str, str | None]:
    """The text and, when it is not UTF-8, the encoding it was read in."""
    if data.startswith(ZIP_MAGIC):
        raise SheetError("is a workbook (a zip file), not CSV text: give it its .xlsx or .ods name")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise SheetError(f"unreadable UTF-16 text ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data:
        raise SheetError("is a binary file, not CSV text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), "cp1252 (Windows), pas en UTF-8"
    except UnicodeDecodeError:
        raise SheetError(
            f"neither UTF-8 nor cp1252 text ({utf8_error.reason} at byte {utf8_error.start}); save it as CSV UTF-8"
        ) from None


def _workbook(path: Path, data: bytes, sheet_name: str | None, sheet: Sheet, shown: str) -> tuple[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook  # imported when a workbook is named

    if not data.startswith(ZIP_MAGIC):
        raise SheetError(f"is not a {path.suffix.lower()} workbook (not a zip file)")
    try:
        unzipped = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError(f"unreadable workbook: {exc}") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise SheetError(f"unzips to {unzipped / 1e6:.0f} MB; the largest workbook accepted unzips to 400 MB")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        chosen = _choose_sheet(names, sheet_name, sheet, shown)
        table = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except SheetError:
        raise
    except Exception as exc:  # calamine raises its own error classes, and ValueError, for a damaged file
        raise SheetError(f"unreadable workbook: {exc}") from None
    return f"{shown}#{chosen}", table


def _choose_sheet(names: list[str], wanted: str | None, sheet: Sheet, shown: str) -> str:
    if wanted is not None:
        found = [n for n in names if n == wanted] or [n for n in names if fold(n) == fold(wanted)]
        if len(found) == 1:
            return found[0]
        raise SheetError(
            f"no sheet {wanted!r}{suggest(wanted, names)} (sheets: {', '.join(map(repr, names)) or 'none'})"
        )
    usual = {fold(n) for n in sheet.names}
    found = [n for n in names if fold(n) in usual]
    if len(found) == 1:
        return found[0]
    if len(names) == 1:
        return names[0]
    raise SheetError(
        f"no sheet named {sheet.names[0]!r} or {sheet.names[1]!r} among {', '.join(map(repr, names))}; "
        f'name one: {sheet.key} = "{Path(shown).name}#{names[0]}"'
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # calamine gives every number as a float
    return value


def _by_field(table: list[list[Any]], sheet: Sheet, rows: Rows) -> None:
    """Match the header row (the first row that is not empty) to fields, then keep each later row
    that is not empty as {field key: cell}."""
    numbered = ((n, [_cell(c) for c in row]) for n, row in enumerate(table, start=1))
    cells = ((n, row) for n, row in numbered if any(c not in ("", None) for c in row))
    header_line, header = next(cells, (1, []))
    if not header:
        rows.problems.append(("", "is empty: the first row names the columns (" + ", ".join(_known(sheet)) + ")"))
        return
    known = sheet.by_header()
    keys: dict[int, str] = {}
    where: dict[str, str] = {}
    for i, title in enumerate(header):
        if title in ("", None):
            continue
        place = f"row {header_line}: column {column_letter(i)}"
        key = known.get(fold(str(title)))
        if key is None:
            rows.problems.append(
                (
                    place,
                    f"unknown column {title!r}{suggest(fold(str(title)), known)}; known columns: {', '.join(_known(sheet))}",
                )
            )
        elif key in where:
            rows.problems.append((place, f"{title!r} is column {where[key]} again ({key}): keep one of them"))
        else:
            keys[i] = key
            where[key] = column_letter(i)
    unknown = bool(rows.problems)  # an unknown column is likely the missing one: said once
    for key in sheet.required:
        if key not in where and not unknown:
            field = next(f for f in sheet.columns if f.key == key)
            rows.problems.append((f"row {header_line}", f"no {key} column ({' or '.join((key, *field.headers))})"))
    if rows.problems:  # a wrong header would make a line for every row: the rows wait until it is right
        return
    id_column = next(i for i, key in keys.items() if key == "id")
    for n, row in cells:
        stray = [i for i, c in enumerate(row) if i not in keys and c not in ("", None)]
        if stray:
            # Cells under no header: a separator inside a cell shifted the row, so every cell after
            # it is under the wrong column. One line for the row, and its id is still known.
            why = (
                f"a {SEPARATORS[rows.separator]} inside a cell? put that cell in quotes"
                if rows.separator
                else "give its column a header, or empty it"
            )
            rows.row_problems.append(
                (f"row {n}: column {column_letter(stray[0])}", f"{row[stray[0]]!r} is under no header: {why}")
            )
            if id_column < len(row) and row[id_column] not in ("", None):
                rows.skipped_ids.add(str(row[id_column]))
            continue
        rows.rows.append((n, {keys[i]: c for i, c in enumerate(row) if i in keys and c not in ("", None)}))


def _known(sheet: Sheet) -> list[str]:
    return [f.key for f in sheet.columns]
