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

from ..i18n import N_, _
from .cells import both, either, fold, suggest
from .schema import Sheet

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
ZIP_MAGIC = b"PK\x03\x04"
# A workbook is a zip file: refused before it is unzipped when its content would be larger
# (a "zip bomb" of a few kB can unzip to gigabytes).
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
SEPARATORS = {";": "';'", ",": "','", "\t": N_("tab")}  # shown through _()


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


def row_place(row: int, column: int | None = None) -> str:
    """ "row 3", or "row 3: column B" (`column` counted from 0: 1 is B), in the current language."""
    if column is None:
        return _("row {row}").format(row=row)
    return _("row {row}: column {column}").format(row=row, column=column_letter(column))


def row_key(row: int, key: str) -> str:
    """ "row 3: company[acme]": the place of a key in a row of a list, in the current language."""
    return _("row {row}: {key}").format(row=row, key=key)


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
            raise SheetError(_("a CSV file has no sheets: remove '#{sheet}'").format(sheet=sheet_name))
        label = shown
        table, note, separator = _csv(data)
    else:
        raise SheetError(
            _("{file!r} is not a spreadsheet: use a .csv, .xlsx or .ods file (save .xls as .xlsx)").format(file=shown)
        )
    rows = Rows(label, note=_("{file}: read as {encoding}").format(file=label, encoding=note) if note else None)
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
            _("the header holds {separators}: separate the columns with one of them").format(
                separators=both(_(SEPARATORS[s]) for s in used)
            ),
            row_place(1),
        )
    delimiter = used[0] if used else ","
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        return rows, encoding, delimiter
    except csv.Error as exc:
        raise SheetError(_("unreadable CSV: {reason}").format(reason=exc)) from None


def _decode(data: bytes) -> tuple[str, str | None]:
    """The text and, when it is not UTF-8, the encoding it was read in."""
    if data.startswith(ZIP_MAGIC):
        raise SheetError(_("is a workbook (a zip file), not CSV text: give it its .xlsx or .ods name"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise SheetError(
                _("unreadable UTF-16 text ({reason} at byte {byte})").format(reason=exc.reason, byte=exc.start)
            ) from None
    if b"\x00" in data:
        raise SheetError(_("is a binary file, not CSV text"))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), _("cp1252 (Windows), not UTF-8")
    except UnicodeDecodeError:
        raise SheetError(
            _("neither UTF-8 nor cp1252 text ({reason} at byte {byte}); save it as CSV UTF-8").format(
                reason=utf8_error.reason, byte=utf8_error.start
            )
        ) from None


def _workbook(path: Path, data: bytes, sheet_name: str | None, sheet: Sheet, shown: str) -> tuple[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook  # imported when a workbook is named

    if not data.startswith(ZIP_MAGIC):
        raise SheetError(_("is not a {suffix} workbook (not a zip file)").format(suffix=path.suffix.lower()))
    try:
        unzipped = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError(_("unreadable workbook: {reason}").format(reason=exc)) from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise SheetError(
            _("unzips to {size} MB; the largest workbook accepted unzips to {maximum} MB").format(
                size=f"{unzipped / 1e6:.0f}", maximum=MAX_UNZIPPED_BYTES // 2**20
            )
        )
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        chosen = _choose_sheet(names, sheet_name, sheet, shown)
        table = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except SheetError:
        raise
    except Exception as exc:  # calamine raises its own error classes, and ValueError, for a damaged file
        raise SheetError(_("unreadable workbook: {reason}").format(reason=exc)) from None
    return f"{shown}#{chosen}", table


def _choose_sheet(names: list[str], wanted: str | None, sheet: Sheet, shown: str) -> str:
    if wanted is not None:
        found = [n for n in names if n == wanted] or [n for n in names if fold(n) == fold(wanted)]
        if len(found) == 1:
            return found[0]
        raise SheetError(
            _("no sheet {sheet!r}{hint} (sheets: {sheets})").format(
                sheet=wanted, hint=suggest(wanted, names), sheets=", ".join(map(repr, names)) or _("none")
            )
        )
    usual = {fold(n) for n in sheet.names}
    found = [n for n in names if fold(n) in usual]
    if len(found) == 1:
        return found[0]
    if len(names) == 1:
        return names[0]
    raise SheetError(
        _("no sheet named {usual} among {sheets}; name one: {example}").format(
            usual=either(map(repr, sheet.names[:2])),
            sheets=", ".join(map(repr, names)),
            example=f'{sheet.key} = "{Path(shown).name}#{names[0]}"',
        )
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
        rows.problems.append(
            ("", _("is empty: the first row names the columns ({columns})").format(columns=", ".join(_known(sheet))))
        )
        return
    known = sheet.by_header()
    keys: dict[int, str] = {}
    where: dict[str, str] = {}
    for i, title in enumerate(header):
        if title in ("", None):
            continue
        place = row_place(header_line, i)
        key = known.get(fold(str(title)))
        if key is None:
            message = _("unknown column {title!r}{hint}; known columns: {columns}").format(
                title=title, hint=suggest(fold(str(title)), known), columns=", ".join(_known(sheet))
            )
            rows.problems.append((place, message))
        elif key in where:
            message = _("{title!r} is column {column} again ({key}): keep one of them").format(
                title=title, column=where[key], key=key
            )
            rows.problems.append((place, message))
        else:
            keys[i] = key
            where[key] = column_letter(i)
    unknown = bool(rows.problems)  # an unknown column is likely the missing one: said once
    for key in sheet.required:
        if key not in where and not unknown:
            field = next(f for f in sheet.columns if f.key == key)
            message = _("no {key} column ({headers})").format(key=key, headers=either((key, *field.headers)))
            rows.problems.append((row_place(header_line), message))
    if rows.problems:  # a wrong header would make a line for every row: the rows wait until it is right
        return
    id_column = next(i for i, key in keys.items() if key == "id")
    for n, row in cells:
        stray = [i for i, c in enumerate(row) if i not in keys and c not in ("", None)]
        if stray:
            # Cells under no header: a separator inside a cell shifted the row, so every cell after
            # it is under the wrong column. One line for the row, and its id is still known.
            why = (
                _("a {separator} inside a cell? put that cell in quotes").format(
                    separator=_(SEPARATORS[rows.separator])
                )
                if rows.separator
                else _("give its column a header, or empty it")
            )
            message = _("{value!r} is under no header: {why}").format(value=row[stray[0]], why=why)
            rows.row_problems.append((row_place(n, stray[0]), message))
            if id_column < len(row) and row[id_column] not in ("", None):
                rows.skipped_ids.add(str(row[id_column]))
            continue
        rows.rows.append((n, {keys[i]: c for i, c in enumerate(row) if i in keys and c not in ("", None)}))


def _known(sheet: Sheet) -> list[str]:
    return [f.key for f in sheet.columns]
