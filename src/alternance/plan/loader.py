"""Plan files (TOML, plus optional spreadsheet lists) → validated `Plan` objects.

The keys and their converters are in `schema`, the spreadsheet readers in `sheets`; this module
reads each table through them and checks what holds across tables (references, contracts,
peaks, lessons). It collects every problem it finds,
each with its file and place, and raises them together as one `PlanError`.
"""

from __future__ import annotations

import itertools
import re
import stat
import sys
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from ..domain import (
    WEEKDAY_NAMES,
    Apprentice,
    Closure,
    Cohort,
    Company,
    Peak,
    Plan,
    Programme,
    Slot,
    Subject,
    Trainer,
    Unavailability,
)
from ..errors import PlanError, Problem
from ..facts.weeks import school_holiday_coverage
from . import cells
from .cells import Bad, suggest
from .schema import (
    APPRENTICES,
    COMPANIES,
    REQUIRED,
    TOP_KEYS,
    TRAINERS,
    ApprenticeKeys,
    ClosureKeys,
    CohortKeys,
    CompanyKeys,
    Field,
    PeakKeys,
    PlanKeys,
    ProgrammeKeys,
    Sheet,
    SubjectKeys,
    Table,
    TrainerKeys,
    UnavailableKeys,
    WrittenExamsKeys,
)
from .sheets import SheetError, read_rows

T = TypeVar("T")
CONTRACT_EARLIEST = relativedelta(months=3)
CONTRACT_LATEST = relativedelta(months=2)
SLOT = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
WEEKDAYS = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name: i for i, name in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))
}
# A TOML line `start = 01/09/2025`: a French date the TOML parser cannot read.
FRENCH_DATE_LINE = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\s*(#.*)?$")

_MISSING: Any = object()
Note = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class _Reader:
    """Typed access to loosely typed tables, recording one Problem per bad value."""

    def __init__(self, file: Path | str, problems: list[Problem]):
        self.file = str(file)
        self.problems = problems

    def fail(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def table(self, data: Any, place: str) -> dict[str, Any]:
        if isinstance(data, dict):
            return data
        self.fail(place, f"must be a table, not {data!r}")
        return {}

    def tables(self, data: Any, place: str) -> list[dict[str, Any]]:
        if data is None:
            return []
        if isinstance(data, list) and all(isinstance(t, dict) for t in data):
            return data
        self.fail(place, f"must be an array of tables ([[{place}]])")
        return []

    def known_keys(self, data: dict[str, Any], place: str, keys: type[Table] | set[str]) -> None:
        known = keys.keys() if isinstance(keys, type) else keys
        for key in sorted(set(data) - known, key=str):
            self.fail(f"{place}.{key}" if place else key, f"unknown key{suggest(key, known)}")

    def get(self, data: dict[str, Any], field: Field[T], place: str, default: Any = _MISSING) -> T | None:
        """The value of `field` in `data`, converted; its default when absent (or an empty cell)."""
        value = data.get(field.key, _MISSING)
        where = f"{place}.{field.key}"
        if value is _MISSING or value == "":
            fallback = field.default if default is _MISSING else default
            if fallback is REQUIRED:
                self.fail(where, "is missing")
                return None
            return fallback
        try:
            return field.convert(value)
        except Bad as bad:
            self.fail(where + bad.suffix, bad.message)
            return None

    def date_range(self, start: date | None, end: date | None, place: str, end_key: str = "end") -> bool:
        if start is not None and end is not None and end < start:
            self.fail(f"{place}.{end_key}", f"{end.isoformat()} is before the start {start.isoformat()}")
            return False
        return start is not None and end is not None


def load_plans(paths: Iterable[Path], note: Note = _stderr) -> list[Plan]:
    """Read and validate every plan; raise one PlanError listing every problem of every file.

    `note` gets what the planner should know although nothing is wrong (a CSV read in cp1252)."""
    problems: list[Problem] = []
    plans = [plan for path in paths if (plan := _load_plan(Path(path), problems, note)) is not None]
    _check_ids_across_plans(plans, problems)
    if problems:
        raise PlanError(problems)
    return plans


# A plan file or spreadsheet of a whole CFA is a few hundred kB; 700 000 apprentices (every
# apprentice in France) are a 35 MB CSV. Anything larger than 40 MB is a mistake, refused unread.
MAX_FILE_BYTES = 40 * 1024 * 1024


def _unreadable(path: Path) -> str | None:
    """Why `path` is not a file to read (None when it is, or does not exist). Checked before
    opening, so that a pipe or a device never blocks or floods the loader."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe or a device?)"
    if info.st_size > MAX_FILE_BYTES:
        return f"is {info.st_size / 1e6:.0f} MB; the largest file accepted is {MAX_FILE_BYTES // 2**20} MB"
    return None


def _load_plan(path: Path, problems: list[Problem], note: Note) -> Plan | None:
    reader = _Reader(path, problems)
    if (why := _unreadable(path)) is not None:
        reader.fail("", why)
        return None
    try:
        # utf-8-sig: Windows editors put a byte-order mark before the first key.
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        reader.fail("", "no such plan file")
        return None
    except OSError as exc:
        reader.fail("", f"cannot be read: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        reader.fail("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except tomllib.TOMLDecodeError as exc:
        _toml_error(reader, text, exc)
        return None
    before = len(problems)
    plan = _build_plan(reader, path, data, note)
    return plan if len(problems) == before else None


def _toml_error(reader: _Reader, text: str, exc: tomllib.TOMLDecodeError) -> None:
    # Python < 3.14 only puts the position in the message: "... (at line 3, column 8)".
    found = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$", str(exc))
    at_end = re.search(r"^(.*?)\s*\(at end of document\)$", str(exc))
    lines = text.splitlines()
    if found:
        line = int(found.group(2))
        french = FRENCH_DATE_LINE.match(lines[line - 1]) if 0 < line <= len(lines) else None
        if french:
            key, dd, mm, yy = french.group(1, 2, 3, 4)
            try:
                iso = cells.day(f"{dd}/{mm}/{yy}").isoformat()
            except Bad:
                iso = "YYYY-MM-DD"
            reader.fail(
                f"line {line}",
                f"invalid TOML: a date in a plan file is written year first, without quotes: {key} = {iso}",
            )
            return
        reader.fail(f"line {line}, column {found.group(3)}", f"invalid TOML: {found.group(1)}")
    elif at_end:  # an unclosed value or table: the file ended inside it
        reader.fail(
            f"line {max(1, len(lines))} (end of file)",
            f"invalid TOML: {at_end.group(1)}; something opened earlier (a [ or a quote) is never closed",
        )
    else:
        reader.fail("", f"invalid TOML: {exc}")


def _build_plan(r: _Reader, path: Path, data: dict[str, Any], note: Note) -> Plan | None:
    r.known_keys(data, "", TOP_KEYS)
    head = r.table(data.get("plan", {}), "plan")
    if "plan" not in data:
        r.fail("plan", "is missing: a plan file starts with a [plan] table")
    r.known_keys(head, "plan", PlanKeys)
    plan_id = r.get(head, PlanKeys.id, "plan")
    timezone = r.get(head, PlanKeys.timezone, "plan")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            r.fail("plan.timezone", f"unknown time zone {timezone!r}")
    public = r.get(head, PlanKeys.public_holidays, "plan")
    zone = r.get(head, PlanKeys.school_holidays_zone, "plan")
    capacity = r.get(head, PlanKeys.max_cohorts_at_cfa, "plan")

    closures = tuple(_closures(r, data))
    programmes = _unique(
        r, [_programme(r, t, i) for i, t in enumerate(r.tables(data.get("programme"), "programme"))], "programme"
    )
    cohorts = _unique(r, [_cohort(r, t, i) for i, t in enumerate(r.tables(data.get("cohort"), "cohort"))], "cohort")
    lists = _Lists(r, path, head, note)
    companies = _companies(r, lists, data)
    apprentices, origins = _apprentices(r, lists, data)

    # Ids written in the plan, even on items with other problems: a reference to one of them is
    # not "unknown", so one mistake gives one line, not a cascade.
    declared = {kind: _ids(data.get(kind)) for kind in ("programme", "cohort", "trainer")}
    declared["company"] = lists.declared["companies"] | _ids(data.get("company"))
    declared["subject"] = {sid for p in _tables(data.get("programme")) for sid in _ids(p.get("subject"))}
    _check_references(r, origins, declared, programmes, cohorts, companies, apprentices, lists.unread)
    if zone not in (None, "none"):
        _check_school_holiday_coverage(r, zone, cohorts)
    _check_peaks_inside_cohorts(r, cohorts, companies, apprentices)
    for kind in ("programme", "cohort"):
        if not data.get(kind):
            r.fail(kind, f"the plan has no [[{kind}]]")
    slots = _day_slots(r, head, cohorts)
    trainers, only_unreadable = _trainers(r, lists, data, programmes, declared["subject"])
    declared["trainer"] |= lists.declared["trainers"]
    declared["unread"] = lists.unread
    if "trainers" in lists.unread:  # nobody can say who teaches what: the list's own line says why
        only_unreadable |= {s.id for p in programmes for s in p.subjects}
    assignments = _assignments(r, data, slots, programmes, cohorts, trainers, declared, only_unreadable)
    if plan_id is None or timezone is None or public is None or zone is None:
        return None
    return Plan(
        id=plan_id,
        name=r.get(head, PlanKeys.name, "plan", plan_id) or plan_id,
        site=r.get(head, PlanKeys.site, "plan") or "",
        timezone=timezone,
        public_holidays=public,
        school_holidays_zone=zone,
        max_cohorts_at_cfa=capacity,
        closures=closures,
        programmes=tuple(programmes),
        cohorts=tuple(cohorts),
        companies=tuple(companies),
        apprentices=tuple(apprentices),
        source=path,
        day_slots=slots,
        trainers=tuple(trainers),
        assignments=assignments,
    )


def _tables(data: Any) -> list[dict[str, Any]]:
    """The tables of an array of tables, without a word (`_Reader.tables` says what is wrong once)."""
    return [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []


def _written_ids(value: Any) -> set[str]:
    """The ids in a list or a cell, read without a word, valid or not."""
    items = re.split(r"[;,\s]+", value) if isinstance(value, str) else value if isinstance(value, list) else []
    return {item.strip() for item in items if isinstance(item, str) and item.strip()}


def _ids(data: Any) -> set[str]:
    """The ids written in an array of tables, valid or not."""
    return {t["id"] for t in _tables(data) if isinstance(t.get("id"), str)}


def _unique(r: _Reader, items: list[Any], kind: str) -> list[Any]:
    """Drop unreadable items and report ids used twice."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item is None:
            continue
        if item.id in seen:
            r.fail(f"{kind}[{item.id}].id", f"duplicate {kind} id {item.id!r}")
            continue
        seen.add(item.id)
        kept.append(item)
    return kept


def _closures(r: _Reader, data: dict[str, Any]) -> Iterable[Closure]:
    for i, table in enumerate(r.tables(data.get("closure"), "closure"), start=1):
        place = f"closure[{i}]"
        r.known_keys(table, place, ClosureKeys)
        start = r.get(table, ClosureKeys.start, place)
        end = r.get(table, ClosureKeys.end, place, start)
        name = r.get(table, ClosureKeys.name, place)
        if r.date_range(start, end, place):
            assert start is not None and end is not None
            yield Closure(name=name or "Fermeture", start=start, end=end)


def _programme(r: _Reader, t: dict[str, Any], index: int) -> Programme | None:
    pid = r.get(t, ProgrammeKeys.id, f"programme[{index + 1}]")
    place = f"programme[{pid or index + 1}]"
    r.known_keys(t, place, ProgrammeKeys)
    total = r.get(t, ProgrammeKeys.total_hours, place)
    subjects = []
    for j, s in enumerate(r.tables(t.get("subject"), f"{place}.subject")):
        sid = r.get(s, SubjectKeys.id, f"{place}.subject[{j + 1}]")
        splace = f"{place}.subject[{sid or j + 1}]"
        r.known_keys(s, splace, SubjectKeys)
        minutes = r.get(s, SubjectKeys.hours, splace)
        exam = r.get(s, SubjectKeys.exam, splace)
        if sid is not None and minutes is not None and exam is not None:
            subjects.append(
                Subject(id=sid, name=r.get(s, SubjectKeys.name, splace, sid) or sid, minutes=minutes, exam=exam)
            )
    subjects = _unique(r, subjects, f"{place}.subject")
    if pid is None or total is None:
        return None
    taught = sum(s.minutes for s in subjects)
    if taught > total:
        r.fail(f"{place}.subject", f"subject hours sum to {taught / 60:g} h, more than total_hours {total / 60:g} h")
    return Programme(
        id=pid, name=r.get(t, ProgrammeKeys.name, place, pid) or pid, total_minutes=total, subjects=tuple(subjects)
    )


def _cohort(r: _Reader, t: dict[str, Any], index: int) -> Cohort | None:
    cid = r.get(t, CohortKeys.id, f"cohort[{index + 1}]")
    place = f"cohort[{cid or index + 1}]"
    r.known_keys(t, place, CohortKeys)
    programme = r.get(t, CohortKeys.programme, place)
    start = r.get(t, CohortKeys.start, place)
    end = r.get(t, CohortKeys.end, place)
    dates_ok = r.date_range(start, end, place)
    rhythm = r.get(t, CohortKeys.rhythm, place)
    week = r.get(t, CohortKeys.hours_per_week, place)
    if week is not None and week % 5:
        r.fail(f"{place}.hours_per_week", f"{week / 60:g} h does not split into 5 days of whole minutes")
        week = None
    max_cfa = r.get(t, CohortKeys.max_consecutive_cfa_weeks, place, rhythm[0] if rhythm else 1)
    max_company = r.get(t, CohortKeys.max_consecutive_company_weeks, place, rhythm[1] if rhythm else 1)
    if rhythm and max_cfa is not None and rhythm[0] > max_cfa:
        r.fail(f"{place}.rhythm", f"{rhythm[0]} CFA weeks in a row exceed max_consecutive_cfa_weeks = {max_cfa}")
    if rhythm and max_company is not None and rhythm[1] > max_company:
        r.fail(
            f"{place}.rhythm",
            f"{rhythm[1]} company weeks in a row exceed max_consecutive_company_weeks = {max_company}",
        )
    exams = None
    if "written_exams" in t:
        wplace = f"{place}.written_exams"
        window = r.table(t["written_exams"], wplace)
        r.known_keys(window, wplace, WrittenExamsKeys)
        ws = r.get(window, WrittenExamsKeys.start, wplace) if window else None
        we = r.get(window, WrittenExamsKeys.end, wplace) if window else None
        if ws is not None and we is not None and r.date_range(ws, we, wplace):
            exams = (ws, we)
            if start is not None and end is not None and dates_ok and not (start <= ws <= end):
                r.fail(
                    f"{wplace}.start",
                    f"{ws.isoformat()} is outside the cohort ({start.isoformat()} to {end.isoformat()})",
                )
    if "trainers" in t:
        r.table(t["trainers"], f"{place}.trainers")
    if (
        cid is None
        or programme is None
        or start is None
        or end is None
        or rhythm is None
        or week is None
        or max_cfa is None
        or max_company is None
        or not dates_ok
    ):
        return None
    return Cohort(
        id=cid,
        programme=programme,
        name=r.get(t, CohortKeys.name, place, cid) or cid,
        start=start,
        end=end,
        rhythm=rhythm,
        week_minutes=week,
        max_consecutive_cfa_weeks=max_cfa,
        max_consecutive_company_weeks=max_company,
        written_exams=exams,
    )


class _Lists:
    """The spreadsheets a plan's [plan] names (`companies`, `apprentices`, `trainers`), read once."""

    def __init__(self, r: _Reader, path: Path, head: dict[str, Any], note: Note):
        self.r, self.path, self.head, self.note = r, path, head, note
        self.declared: dict[str, set[str]] = defaultdict(set)  # ids written in each list, even invalid rows
        self.unread: set[str] = set()  # lists that could not be read: an id of theirs is not "unknown"

    def read(self, sheet: Sheet) -> tuple[_Reader, list[tuple[int, dict[str, Any]]]] | None:
        """The reader (for the file, or its sheet) and the rows of the list `[plan] <sheet.key>` names."""
        if sheet.key not in self.head:
            return None
        self.unread.add(sheet.key)  # until its rows are read
        r, name, place = self.r, self.head[sheet.key], f"plan.{sheet.key}"
        if not isinstance(name, str):
            r.fail(place, f"must be the path of a .csv, .xlsx or .ods file, not {name!r}")
            return None
        file_name, _, sheet_name = name.partition("#")
        path = self.path.parent / file_name
        shown = str(path)
        if not path.resolve().is_relative_to(self.path.parent.resolve()):
            # Never read (and quote in an error) a file outside the plan's folder.
            r.fail(place, f"{name!r} is outside the plan's folder; put the file beside the plan")
            return None
        if (why := _unreadable(path)) is not None:
            r.fail(place, f"file {shown!r} {why}")
            return None
        try:
            rows = read_rows(path, sheet_name or None, sheet, shown)
        except FileNotFoundError:
            r.fail(place, f"file {shown!r} not found")
            return None
        except OSError as exc:
            r.fail(place, f"cannot read file {shown!r}: {exc.strerror or exc}")
            return None
        except SheetError as exc:
            _Reader(exc.label or shown, r.problems).fail(exc.place, exc.message)
            return None
        reader = _Reader(rows.label, r.problems)
        for where, message in rows.problems:
            reader.fail(where, message)
        if rows.note:
            self.note(rows.note)
        if rows.problems:
            return None
        self.unread.discard(sheet.key)
        self.declared[sheet.key] = {str(row["id"]) for _, row in rows.rows if "id" in row}
        return reader, rows.rows


def _peak(r: _Reader, t: dict[str, Any], place: str, cell: bool = False) -> Peak | None:
    r.known_keys(t, place, PeakKeys)
    every_year = r.get(t, PeakKeys.every_year, place)
    weight = r.get(t, PeakKeys.weight, place)
    hard = r.get(t, PeakKeys.hard, place)
    if every_year is None:  # unreadable: check each day only for being a date or a month-day
        for key in ("start", "end"):
            if key in t and not _is_day_or_month_day(t[key], cell):
                r.get(t, getattr(PeakKeys, key), place)
        return None
    if every_year:
        smd = _month_day(r, t, "start", place, cell)
        emd = _month_day(r, t, "end", place, cell)
        if smd is None or emd is None or weight is None or hard is None:
            return None
        return Peak(every_year=True, start_md=smd, end_md=emd, weight=weight, hard=hard)
    start = r.get(t, PeakKeys.start, place)
    end = r.get(t, PeakKeys.end, place)
    if not r.date_range(start, end, place) or weight is None or hard is None:
        return None
    return Peak(start=start, end=end, weight=weight, hard=hard)


def _month_day(r: _Reader, t: dict[str, Any], key: str, place: str, cell: bool) -> tuple[int, int] | None:
    if t.get(key, "") == "":
        r.fail(f"{place}.{key}", "is missing")
        return None
    try:
        return cells.month_day(t[key], cell)
    except Bad as bad:
        r.fail(f"{place}.{key}", bad.message)
        return None


def _is_day_or_month_day(value: Any, cell: bool) -> bool:
    try:
        cells.day(value)
        return True
    except Bad:
        pass
    try:
        cells.month_day(value, cell)
        return True
    except Bad:
        return False


def _companies(r: _Reader, lists: _Lists, data: dict[str, Any]) -> list[Company]:
    companies: list[Company | None] = []
    for i, t in enumerate(r.tables(data.get("company"), "company")):
        cid = r.get(t, CompanyKeys.id, f"company[{i + 1}]")
        place = f"company[{cid or i + 1}]"
        r.known_keys(t, place, CompanyKeys)
        peaks = [_peak(r, p, f"{place}.peak[{j + 1}]") for j, p in enumerate(r.tables(t.get("peak"), f"{place}.peak"))]
        if cid is not None:
            name = r.get(t, CompanyKeys.name, place, cid) or cid
            companies.append(Company(cid, name, tuple(p for p in peaks if p)))
    if loaded := lists.read(COMPANIES):
        companies.extend(_companies_from_sheet(*loaded))
    return _unique(r, companies, "company")


PEAK_COLUMNS = {f"peak_{key}": key for key in PeakKeys.keys()}


def _companies_from_sheet(r: _Reader, rows: list[tuple[int, dict[str, Any]]]) -> list[Company]:
    """One row per busy season: rows that repeat an id (with the same name) add seasons."""
    merged: dict[str, Company] = {}
    for line, row in rows:
        cid = r.get(row, CompanyKeys.id, f"row {line}: company")
        place = f"row {line}: company[{cid}]"
        if cid is None:
            continue
        name = r.get(row, CompanyKeys.name, place, cid) or cid
        peaks: tuple[Peak, ...] = ()
        if row.get("peak_start", "") != "" or row.get("peak_end", "") != "":
            peak = _peak(
                r, {PEAK_COLUMNS[k]: v for k, v in row.items() if k in PEAK_COLUMNS}, f"{place}.peak", cell=True
            )
            peaks = (peak,) if peak else ()
        if cid in merged:
            if merged[cid].name != name:
                r.fail(f"{place}.id", f"duplicate company id {cid!r} with another name ({merged[cid].name!r})")
                continue
            merged[cid] = Company(cid, name, merged[cid].peaks + peaks)
        else:
            merged[cid] = Company(cid, name, peaks)
    return list(merged.values())


def _full_name(r: _Reader, t: dict[str, Any], name_field: Field[str], place: str, fallback: str) -> str:
    """The name, or "First-name Name" when a sheet has a first-name column."""
    name = r.get(t, name_field, place, fallback) or fallback
    if t.get("first_name", "") != "":
        try:
            return f"{cells.text(t['first_name']).strip()} {name}".strip()
        except Bad as bad:
            r.fail(f"{place}.first_name", bad.message)
    return name


def _apprentice(r: _Reader, t: dict[str, Any], place: str, index_place: str) -> Apprentice | None:
    aid = r.get(t, ApprenticeKeys.id, index_place)
    in_sheet = bool(place)  # a sheet's columns were checked with its header
    place = f"{place}apprentice[{aid or '?'}]"
    if not in_sheet:
        r.known_keys(t, place, ApprenticeKeys)
    name = _full_name(r, t, ApprenticeKeys.name, place, aid or "")
    cohort = r.get(t, ApprenticeKeys.cohort, place)
    company = r.get(t, ApprenticeKeys.company, place)
    birth = r.get(t, ApprenticeKeys.birth_date, place)
    start = r.get(t, ApprenticeKeys.contract_start, place)
    end = r.get(t, ApprenticeKeys.contract_end, place)
    exempt = r.get(t, ApprenticeKeys.exempt, place)
    ok = r.date_range(start, end, place, "contract_end")
    if aid is None or not ok or cohort is None or company is None or exempt is None:
        return None
    assert start is not None and end is not None
    return Apprentice(
        id=aid,
        name=name,
        cohort=cohort,
        company=company,
        birth_date=birth,
        contract_start=start,
        contract_end=end,
        exempt=exempt,
    )


Origins = dict[str, tuple[_Reader, str]]


def _apprentices(r: _Reader, lists: _Lists, data: dict[str, Any]) -> tuple[list[Apprentice], Origins]:
    """Apprentices from the TOML and the sheet, with where each was written (for later problems)."""
    found: list[tuple[Apprentice | None, _Reader, str]] = []
    for i, t in enumerate(r.tables(data.get("apprentice"), "apprentice")):
        found.append((_apprentice(r, t, "", f"apprentice[{i + 1}]"), r, ""))
    if loaded := lists.read(APPRENTICES):
        sheet_reader, rows = loaded
        for line, row in rows:
            prefix = f"row {line}: "
            found.append((_apprentice(sheet_reader, row, prefix, f"{prefix}apprentice"), sheet_reader, prefix))
    kept: list[Apprentice] = []
    origins: Origins = {}
    for apprentice, reader, prefix in found:
        if apprentice is None:
            continue
        if apprentice.id in origins:
            reader.fail(f"{prefix}apprentice[{apprentice.id}].id", f"duplicate apprentice id {apprentice.id!r}")
            continue
        origins[apprentice.id] = (reader, prefix)
        kept.append(apprentice)
    return kept, origins


def _check_references(
    r: _Reader,
    origins: Origins,
    declared: dict[str, set],
    programmes: list[Programme],
    cohorts: list[Cohort],
    companies: list[Company],
    apprentices: list[Apprentice],
    unread: set[str],
) -> None:
    by_programme = {p.id: p for p in programmes}
    by_cohort = {c.id: c for c in cohorts}
    company_ids = {c.id for c in companies}
    subjects_of = {p.id: {s.id for s in p.subjects} for p in programmes}
    windows = {c.id: _contract_window(c) for c in cohorts}  # relativedelta is slow: once a cohort
    for c in cohorts:
        if c.programme not in by_programme and c.programme not in declared["programme"]:
            r.fail(
                f"cohort[{c.id}].programme",
                f"unknown programme {c.programme!r}{suggest(c.programme, declared['programme'])}",
            )
    for a in apprentices:
        r, prefix = origins[a.id]
        place = f"{prefix}apprentice[{a.id}]"
        if a.company not in company_ids and a.company not in declared["company"] and "companies" not in unread:
            r.fail(f"{place}.company", f"unknown company {a.company!r}{suggest(a.company, declared['company'])}")
        cohort = by_cohort.get(a.cohort)
        if cohort is None:
            if a.cohort not in declared["cohort"]:
                r.fail(f"{place}.cohort", f"unknown cohort {a.cohort!r}{suggest(a.cohort, declared['cohort'])}")
            continue
        _check_contract(r, place, a, cohort, windows[cohort.id])
        known = subjects_of.get(cohort.programme)
        if known is not None:
            for sid in a.exempt:
                if sid not in known and sid not in declared["subject"]:
                    r.fail(
                        f"{place}.exempt",
                        f"unknown subject {sid!r} in programme {cohort.programme!r}{suggest(sid, known)}",
                    )


def _contract_window(cohort: Cohort) -> tuple[date, date]:
    return _shifted(cohort.start, -CONTRACT_EARLIEST), _shifted(cohort.end, CONTRACT_LATEST)


def _check_contract(r: _Reader, place: str, a: Apprentice, cohort: Cohort, window: tuple[date, date]) -> None:
    earliest, latest = window
    if a.contract_start < earliest:
        r.fail(
            f"{place}.contract_start",
            f"{a.contract_start.isoformat()} is more than 3 months before the cohort starts ({cohort.start.isoformat()}); the earliest is {earliest.isoformat()}",
        )
    if a.contract_end > latest:
        r.fail(
            f"{place}.contract_end",
            f"{a.contract_end.isoformat()} is more than 2 months after the cohort ends ({cohort.end.isoformat()}); the latest is {latest.isoformat()}",
        )
    if a.contract_end < cohort.start or a.contract_start > cohort.end:
        r.fail(
            f"{place}.contract_start",
            f"the contract does not overlap the cohort ({cohort.start.isoformat()} to {cohort.end.isoformat()})",
        )


def _shifted(day: date, delta: relativedelta) -> date:
    try:
        return day + delta
    except (OverflowError, ValueError):  # beyond year 1 or 9999
        return date.min if delta.months < 0 else date.max


def _check_school_holiday_coverage(r: _Reader, zone: str, cohorts: list[Cohort]) -> None:
    first, last = school_holiday_coverage()
    for c in cohorts:
        if c.start < first:
            r.fail(f"cohort[{c.id}].start", f"school holidays of zone {zone} are known only from {first.isoformat()}")
        if c.end > last:
            r.fail(
                f"cohort[{c.id}].end",
                f'school holidays of zone {zone} are known only up to {last.isoformat()} (vacances-scolaires-france data); set school_holidays_zone = "none" and list closures, or shorten the cohort',
            )


def _check_peaks_inside_cohorts(
    r: _Reader, cohorts: list[Cohort], companies: list[Company], apprentices: list[Apprentice]
) -> None:
    by_cohort = {c.id: c for c in cohorts}
    # The cohorts of each company's apprentices, in one pass: a loop over the apprentices for
    # each company was quadratic (70 000 companies × 700 000 apprentices).
    cohorts_of: dict[str, dict[str, Cohort]] = defaultdict(dict)
    for a in apprentices:
        if a.cohort in by_cohort:
            cohorts_of[a.company][a.cohort] = by_cohort[a.cohort]
    for company in companies:
        if not company.peaks:
            continue
        mine = cohorts_of.get(company.id)
        spans = [(c.start, c.end) for c in (mine.values() if mine else cohorts)]
        for j, peak in enumerate(company.peaks, start=1):
            if peak.every_year or not spans or peak.start is None or peak.end is None:
                continue
            if not any(peak.start <= end and start <= peak.end for start, end in spans):
                r.fail(
                    f"company[{company.id}].peak[{j}]",
                    f"{peak.label()} is outside every cohort of this company's apprentices",
                )


def _check_ids_across_plans(plans: list[Plan], problems: list[Problem]) -> None:
    """Feeds share one output folder, so cohort, company and apprentice ids must differ across plans."""
    for kind in ("cohorts", "companies", "apprentices"):
        owner: dict[str, Plan] = {}
        for plan in plans:
            for item in getattr(plan, kind):
                if item.id in owner and owner[item.id] is not plan:
                    problems.append(
                        Problem(
                            str(plan.source),
                            f"{kind[:-1] if kind != 'companies' else 'company'}[{item.id}].id",
                            f"id also used in {owner[item.id].source}; feeds of both would share one file",
                        )
                    )
                owner.setdefault(item.id, plan)


def _day_slots(r: _Reader, head: dict[str, Any], cohorts: list[Cohort]) -> tuple[Slot, ...]:
    """`day_slots`: ordered, non-overlapping, and summing to each cohort's day (hours_per_week / 5)."""
    raw = head.get("day_slots")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        r.fail("plan.day_slots", 'must be a list of slots such as ["08:30-10:30", "10:45-12:15"]')
        return ()
    slots = []
    for i, text in enumerate(raw):
        match = SLOT.match(text) if isinstance(text, str) else None
        if not match:
            r.fail(f"plan.day_slots[{i}]", f'{text!r} is not a slot "HH:MM-HH:MM"')
            return ()
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h2, m2) <= (h1, m1):
            r.fail(f"plan.day_slots[{i}]", f"{text!r} does not end after it starts within one day")
            return ()
        slots.append(Slot(h1 * 60 + m1, h2 * 60 + m2))
    for i, (a, b) in enumerate(itertools.pairwise(slots), start=1):
        if b.start < a.end:
            r.fail(f"plan.day_slots[{i}]", f"{b.label()} starts before {a.label()} ends")
            return ()
    day = sum(s.minutes for s in slots)
    for c in cohorts:
        if c.day_minutes != day:
            r.fail(
                f"cohort[{c.id}].hours_per_week",
                f"a day is {c.day_minutes / 60:g} h (hours_per_week / 5) but plan.day_slots add up to {day / 60:g} h",
            )
    return tuple(slots)


def _trainers(
    r: _Reader, lists: _Lists, data: dict[str, Any], programmes: list[Programme], declared_subjects: set[str]
) -> tuple[list[Trainer], set[str]]:
    """The trainers of the TOML and the sheet, and the subjects that only unreadable trainers list
    (no other line says that nobody teaches them)."""
    known_subjects = {s.id for p in programmes for s in p.subjects}
    found: list[Trainer | None] = []
    written: set[str] = set()
    for t in _tables(data.get("trainer")):
        written |= _written_ids(t.get("subjects"))
    for i, t in enumerate(r.tables(data.get("trainer"), "trainer")):
        tid = r.get(t, TrainerKeys.id, f"trainer[{i + 1}]")
        place = f"trainer[{tid or i + 1}]"
        r.known_keys(t, place, TrainerKeys)
        found.append(_trainer(r, t, tid, place, known_subjects | declared_subjects, _unavailable(r, t, place)))
    if loaded := lists.read(TRAINERS):
        sheet_reader, rows = loaded
        for line, row in rows:
            written |= _written_ids(row.get("subjects"))
            tid = r.get(row, TrainerKeys.id, f"row {line}: trainer")
            found.append(_trainer(sheet_reader, row, tid, f"row {line}: trainer[{tid}]", known_subjects, ()))
    trainers = _unique(r, found, "trainer")
    readable = {sid for t in trainers for sid in t.subjects}
    return trainers, {sid for sid in written if sid not in readable}


def _trainer(
    r: _Reader,
    t: dict[str, Any],
    tid: str | None,
    place: str,
    known_subjects: set[str],
    unavailable: tuple[Unavailability, ...] | None,
) -> Trainer | None:
    subjects = r.get(t, TrainerKeys.subjects, place)
    for sid in subjects or ():
        if sid not in known_subjects:
            r.fail(f"{place}.subjects", f"unknown subject {sid!r}{suggest(sid, known_subjects)}")
    maximum = r.get(t, TrainerKeys.max_hours_per_week, place)
    name = _full_name(r, t, TrainerKeys.name, place, tid or "")
    if tid is None or subjects is None or unavailable is None:
        return None
    return Trainer(tid, name, subjects, maximum, unavailable)


def _unavailable(r: _Reader, t: dict[str, Any], place: str) -> tuple[Unavailability, ...] | None:
    found = []
    ok = True
    for j, u in enumerate(r.tables(t.get("unavailable"), f"{place}.unavailable"), start=1):
        uplace = f"{place}.unavailable[{j}]"
        r.known_keys(u, uplace, UnavailableKeys)
        if "weekday" in u:
            name = u["weekday"].strip().lower() if isinstance(u["weekday"], str) else None
            if name not in WEEKDAYS:
                hint = suggest(name, WEEKDAYS) if name else ""
                r.fail(f"{uplace}.weekday", f"unknown weekday {u['weekday']!r}: use monday … friday{hint}")
                ok = False
            elif "start" in u or "end" in u:
                r.fail(uplace, "give either a weekday or start/end dates, not both")
                ok = False
            else:
                found.append(Unavailability(weekday=WEEKDAYS[name]))
            continue
        start = r.get(u, UnavailableKeys.start, uplace)
        end = r.get(u, UnavailableKeys.end, uplace, start)
        if r.date_range(start, end, uplace):
            found.append(Unavailability(start=start, end=end))
        else:
            ok = False
    return tuple(found) if ok else None


def _assignments(
    r: _Reader,
    data: dict[str, Any],
    slots: tuple[Slot, ...],
    programmes: list[Programme],
    cohorts: list[Cohort],
    trainers: list[Trainer],
    declared: dict[str, set],
    only_unreadable: set[str],
) -> tuple[tuple[tuple[str, str], str], ...]:
    """Each (cohort, subject) resolves to exactly one trainer: the cohort's choice, else the only one."""
    by_programme = {p.id: p for p in programmes}
    by_trainer = {t.id: t for t in trainers}
    raw_cohorts = {t["id"]: t for t in _tables(data.get("cohort")) if isinstance(t.get("id"), str)}
    resolved = []
    for c in cohorts:
        place = f"cohort[{c.id}].trainers"
        raw = raw_cohorts.get(c.id, {}).get("trainers", {})
        chosen = raw if isinstance(raw, dict) else {}  # not a table: said by _cohort
        programme = by_programme.get(c.programme)
        if programme is None:
            continue
        _check_chosen(r, place, chosen, programme, by_trainer, declared)
        if not slots:
            continue
        for subject in programme.subjects:
            if isinstance(chosen.get(subject.id), str):
                resolved.append(((c.id, subject.id), chosen[subject.id]))
                continue
            able = [t.id for t in trainers if subject.id in t.subjects]
            if subject.id in only_unreadable:
                continue  # the trainer who lists it is unreadable: said once, where it is written
            if len(able) == 1:
                resolved.append(((c.id, subject.id), able[0]))
            elif not able:
                r.fail(f"cohort[{c.id}]", f"no trainer teaches {subject.id!r}: add it to a [[trainer]]'s subjects")
            else:
                r.fail(
                    place, f'{subject.id!r} is taught by {", ".join(able)}: name one, e.g. {subject.id} = "{able[0]}"'
                )
    return tuple(sorted(resolved))


def _check_chosen(
    r: _Reader,
    place: str,
    chosen: dict[str, Any],
    programme: Programme,
    by_trainer: dict[str, Trainer],
    declared: dict[str, set],
) -> None:
    """A cohort's `trainers = {subject = trainer}`: known subjects, known trainers who teach them."""
    subject_ids = {s.id for s in programme.subjects}
    for sid, tid in sorted(chosen.items()):
        if not isinstance(tid, str):
            r.fail(f"{place}.{sid}", f'must be one trainer id, e.g. {sid} = "t-dupuis", not {tid!r}')
        elif sid not in subject_ids:
            if sid not in declared["subject"]:
                r.fail(
                    f"{place}.{sid}",
                    f"unknown subject {sid!r} in programme {programme.id!r}{suggest(sid, subject_ids)}",
                )
        elif tid not in by_trainer:
            if tid not in declared["trainer"] and "trainers" not in declared["unread"]:
                r.fail(f"{place}.{sid}", f"unknown trainer {tid!r}{suggest(tid, by_trainer)}")
        elif sid not in by_trainer[tid].subjects:
            r.fail(f"{place}.{sid}", f"trainer {tid!r} does not list {sid!r} in their subjects")
