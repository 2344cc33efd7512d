"""Plan files (TOML, plus optional CSV lists) → validated `Plan` objects.

Only this module knows the file formats and their key names. It collects every problem it finds,
each with its file and place, and raises them together as one `PlanError`.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import stat
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from ..domain import (
    MINUTES_PER_HOUR,
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

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
PUBLIC_HOLIDAY_SETS = ("metropole", "alsace-moselle")
ZONES = ("A", "B", "C", "none")
EXAMS = ("ccf", "written")
CONTRACT_EARLIEST = relativedelta(months=3)
CONTRACT_LATEST = relativedelta(months=2)

TOP_KEYS = {"plan", "closure", "programme", "cohort", "company", "apprentice", "trainer"}
PLAN_KEYS = {
    "id",
    "name",
    "site",
    "timezone",
    "public_holidays",
    "school_holidays_zone",
    "max_cohorts_at_cfa",
    "companies",
    "apprentices",
    "day_slots",
}
TRAINER_KEYS = {"id", "name", "subjects", "max_hours_per_week", "unavailable"}
SLOT = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
WEEKDAYS = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name: i for i, name in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))
}
CLOSURE_KEYS = {"name", "start", "end"}
PROGRAMME_KEYS = {"id", "name", "total_hours", "subject"}
SUBJECT_KEYS = {"id", "name", "hours", "exam"}
COHORT_KEYS = {
    "id",
    "programme",
    "name",
    "start",
    "end",
    "rhythm",
    "hours_per_week",
    "max_consecutive_cfa_weeks",
    "max_consecutive_company_weeks",
    "written_exams",
    "trainers",
}
COMPANY_KEYS = {"id", "name", "peak"}
PEAK_KEYS = {"start", "end", "every_year", "weight", "hard"}
APPRENTICE_KEYS = {
    "id",
    "name",
    "cohort",
    "company",
    "birth_date",
    "contract_start",
    "contract_end",
    "exempt",
}
# A company CSV has one row per peak: rows that repeat an id (with the same name) add peaks.
COMPANY_CSV_PEAK_COLUMNS = {
    "peak_start": "start",
    "peak_end": "end",
    "peak_weight": "weight",
    "peak_hard": "hard",
    "peak_every_year": "every_year",
}

_MISSING = object()


class _Reader:
    """Typed access to loosely typed tables, recording one Problem per bad value."""

    def __init__(self, file: Path, problems: list[Problem]):
        self.file = str(file)
        self.problems = problems

    def fail(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def table(self, data: Any, place: str) -> dict[str, Any]:
        if isinstance(data, dict):
            return data
        self.fail(place, "must be a table")
        return {}

    def tables(self, data: Any, place: str) -> list[dict[str, Any]]:
        if data is None:
            return []
        if isinstance(data, list) and all(isinstance(t, dict) for t in data):
            return data
        self.fail(place, f"must be an array of tables ([[{place}]])")
        return []

    def known_keys(self, data: dict[str, Any], place: str, keys: set[str]) -> None:
        for key in sorted(set(data) - keys):
            self.fail(f"{place}.{key}" if place else key, "unknown key")

    def get(self, data: dict[str, Any], key: str, place: str, kind: str, default: Any = _MISSING) -> Any:
        value = data.get(key, _MISSING)
        where = f"{place}.{key}"
        if value is _MISSING or value == "":
            if default is _MISSING:
                self.fail(where, "is missing")
                return None
            return default
        convert = getattr(self, f"_as_{kind}")
        return convert(value, where)

    def _as_str(self, value: Any, where: str) -> str | None:
        if isinstance(value, str):
            bad = CONTROL.search(value)
            if bad:  # a NUL or another control character would reach the feeds raw (invalid iCal)
                self.fail(where, f"caractère de contrôle interdit (U+{ord(bad.group()):04X}) ; retirez-le du texte")
                return None
            return value
        self.fail(where, f"must be a string, not {value!r}")
        return None

    def _as_slug(self, value: Any, where: str) -> str | None:
        text = self._as_str(value, where)
        if text is not None and not SLUG.match(text):
            self.fail(where, f"{text!r} is not an id: use lowercase letters, digits and '-'")
            return None
        return text

    def _as_int(self, value: Any, where: str) -> int | None:
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.fail(where, f"must be a whole number, not {value!r}")
        return None

    def _as_positive_int(self, value: Any, where: str) -> int | None:
        number = self._as_int(value, where)
        if number is not None and number <= 0:
            self.fail(where, f"must be positive, not {number}")
            return None
        return number

    def _as_minutes(self, value: Any, where: str) -> int | None:
        """Hours (a positive number) as whole minutes."""
        if isinstance(value, str):
            try:
                value = float(value.replace(",", "."))
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"must be a number of hours, not {value!r}")
            return None
        if not math.isfinite(value) or value <= 0:
            self.fail(where, f"must be a positive number of hours, not {value}")
            return None
        minutes = value * MINUTES_PER_HOUR
        if abs(minutes - round(minutes)) > 1e-9:
            self.fail(where, f"{value} h is not a whole number of minutes")
            return None
        return round(minutes)

    def _as_bool(self, value: Any, where: str) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "oui", "non"}:
            return value.strip().lower() in {"true", "1", "oui"}
        self.fail(where, f"must be true or false, not {value!r}")
        return None

    def _as_date(self, value: Any, where: str) -> date | None:
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(where, f"must be a date YYYY-MM-DD, not {value!r}")
        return None

    def _as_month_day(self, value: Any, where: str) -> tuple[int, int] | None:
        match = MONTH_DAY.match(value) if isinstance(value, str) else None
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            try:
                date(2000, month, day)  # a leap year, so "02-29" is a real month-day
                return month, day
            except ValueError:
                pass
        self.fail(where, f'must be a month-day "MM-DD" such as "12-01", not {value!r}')
        return None

    def _as_slugs(self, value: Any, where: str) -> tuple[str, ...] | None:
        if isinstance(value, str):  # a CSV cell: ids separated by ';', ',' or spaces
            value = [v for v in re.split(r"[;,\s]+", value) if v]
        if isinstance(value, list):
            slugs = [self._as_slug(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return tuple(s for s in slugs if s is not None)
        self.fail(where, f"must be a list of ids, not {value!r}")
        return None

    def date_range(self, start: date | None, end: date | None, place: str, end_key: str = "end") -> bool:
        if start is not None and end is not None and end < start:
            self.fail(f"{place}.{end_key}", f"{end.isoformat()} is before the start {start.isoformat()}")
            return False
        return start is not None and end is not None


def load_plans(paths: Iterable[Path]) -> list[Plan]:
    """Read and validate every plan; raise one PlanError listing every problem of every file."""
    problems: list[Problem] = []
    plans = [plan for path in paths if (plan := _load_plan(Path(path), problems)) is not None]
    _check_ids_across_plans(plans, problems)
    if problems:
        raise PlanError(problems)
    return plans


# A plan file or CSV of a whole CFA is a few hundred kB: anything larger is a mistake.
MAX_FILE_BYTES = 20 * 1024 * 1024


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


def _load_plan(path: Path, problems: list[Problem]) -> Plan | None:
    reader = _Reader(path, problems)
    if (why := _unreadable(path)) is not None:
        reader.fail("", why)
        return None
    try:
        # utf-8-sig: Windows editors put a byte-order mark before the first key.
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
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
        # Python < 3.14 only puts the position in the message: "... (at line 3, column 8)".
        found = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$", str(exc))
        at_end = re.search(r"^(.*?)\s*\(at end of document\)$", str(exc))
        if found:
            reader.fail(f"line {found.group(2)}, column {found.group(3)}", f"invalid TOML: {found.group(1)}")
        elif at_end:  # an unclosed value or table: the file ended inside it
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            reader.fail(
                f"line {max(1, len(lines))} (end of file)",
                f"invalid TOML: {at_end.group(1)}; something opened earlier (a [ or a quote) is never closed",
            )
        else:
            reader.fail("", f"invalid TOML: {exc}")
        return None
    before = len(problems)
    plan = _build_plan(reader, path, data)
    return plan if len(problems) == before else None


def _build_plan(r: _Reader, path: Path, data: dict[str, Any]) -> Plan | None:
    r.known_keys(data, "", TOP_KEYS)
    head = r.table(data.get("plan", {}), "plan")
    if "plan" not in data:
        r.fail("plan", "is missing: a plan file starts with a [plan] table")
    r.known_keys(head, "plan", PLAN_KEYS)
    plan_id = r.get(head, "id", "plan", "slug")
    timezone = r.get(head, "timezone", "plan", "str", "Europe/Paris")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            r.fail("plan.timezone", f"unknown time zone {timezone!r}")
    public = r.get(head, "public_holidays", "plan", "str", "metropole")
    if public is not None and public not in PUBLIC_HOLIDAY_SETS:
        r.fail(
            "plan.public_holidays",
            f"unknown holiday set {public!r}: use " + " or ".join(map(repr, PUBLIC_HOLIDAY_SETS)),
        )
    zone = r.get(head, "school_holidays_zone", "plan", "str")
    if zone is not None and zone not in ZONES:
        r.fail("plan.school_holidays_zone", f"unknown zone {zone!r}: use " + ", ".join(map(repr, ZONES)))
        zone = None
    capacity = r.get(head, "max_cohorts_at_cfa", "plan", "positive_int", None)

    closures = tuple(_closures(r, data))
    programmes = _unique(
        r, [_programme(r, t, i) for i, t in enumerate(r.tables(data.get("programme"), "programme"))], "programme"
    )
    cohorts = _unique(r, [_cohort(r, t, i) for i, t in enumerate(r.tables(data.get("cohort"), "cohort"))], "cohort")
    companies = _companies(r, path, head, data)
    apprentices, origins = _apprentices(r, path, head, data)

    # Ids written in the plan, even on tables with other problems: a reference to one of them is
    # not "unknown", so one mistake gives one line, not a cascade.
    declared = {
        kind: {t.get("id") for t in r.tables(data.get(kind), kind) if isinstance(t.get("id"), str)}
        for kind in ("programme", "cohort")
    }
    _check_references(r, origins, declared, programmes, cohorts, companies, apprentices)
    if zone not in (None, "none"):
        _check_school_holiday_coverage(r, zone, cohorts)
    _check_peaks_inside_cohorts(r, cohorts, companies, apprentices)
    for kind in ("programme", "cohort"):
        if not data.get(kind):
            r.fail(kind, f"the plan has no [[{kind}]]")
    slots = _day_slots(r, head, cohorts)
    trainers = _trainers(r, data, programmes)
    assignments = _assignments(r, data, slots, programmes, cohorts, trainers)
    if None in (plan_id, timezone, public, zone):
        return None
    return Plan(
        id=plan_id,
        name=r.get(head, "name", "plan", "str", plan_id) or plan_id,
        site=r.get(head, "site", "plan", "str", "") or "",
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
        r.known_keys(table, place, CLOSURE_KEYS)
        start = r.get(table, "start", place, "date")
        end = r.get(table, "end", place, "date", start)
        name = r.get(table, "name", place, "str", "Fermeture")
        if r.date_range(start, end, place):
            yield Closure(name=name or "Fermeture", start=start, end=end)


def _programme(r: _Reader, t: dict[str, Any], index: int) -> Programme | None:
    pid = r.get(t, "id", f"programme[{index + 1}]", "slug")
    place = f"programme[{pid or index + 1}]"
    r.known_keys(t, place, PROGRAMME_KEYS)
    total = r.get(t, "total_hours", place, "minutes")
    subjects = []
    for j, s in enumerate(r.tables(t.get("subject"), f"{place}.subject")):
        sid = r.get(s, "id", f"{place}.subject[{j + 1}]", "slug")
        splace = f"{place}.subject[{sid or j + 1}]"
        r.known_keys(s, splace, SUBJECT_KEYS)
        minutes = r.get(s, "hours", splace, "minutes")
        exam = r.get(s, "exam", splace, "str", "ccf")
        if exam is not None and exam not in EXAMS:
            r.fail(f"{splace}.exam", f'unknown exam kind {exam!r}: use "ccf" or "written"')
            exam = None
        if None not in (sid, minutes, exam):
            subjects.append(
                Subject(id=sid, name=r.get(s, "name", splace, "str", sid) or sid, minutes=minutes, exam=exam)
            )
    subjects = _unique(r, subjects, f"{place}.subject")
    if None in (pid, total):
        return None
    taught = sum(s.minutes for s in subjects)
    if taught > total:
        r.fail(f"{place}.subject", f"subject hours sum to {taught / 60:g} h, more than total_hours {total / 60:g} h")
    return Programme(
        id=pid, name=r.get(t, "name", place, "str", pid) or pid, total_minutes=total, subjects=tuple(subjects)
    )


def _cohort(r: _Reader, t: dict[str, Any], index: int) -> Cohort | None:
    cid = r.get(t, "id", f"cohort[{index + 1}]", "slug")
    place = f"cohort[{cid or index + 1}]"
    r.known_keys(t, place, COHORT_KEYS)
    programme = r.get(t, "programme", place, "slug")
    start = r.get(t, "start", place, "date")
    end = r.get(t, "end", place, "date")
    dates_ok = r.date_range(start, end, place)
    rhythm = t.get("rhythm", [1, 1])
    if not (
        isinstance(rhythm, list)
        and len(rhythm) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in rhythm)
    ):
        r.fail(f"{place}.rhythm", f"must be two positive whole numbers [CFA weeks, company weeks], not {rhythm!r}")
        rhythm = None
    week = r.get(t, "hours_per_week", place, "minutes", 35 * MINUTES_PER_HOUR)
    if week is not None and week % 5:
        r.fail(f"{place}.hours_per_week", f"{week / 60:g} h does not split into 5 days of whole minutes")
        week = None
    max_cfa = r.get(t, "max_consecutive_cfa_weeks", place, "positive_int", rhythm[0] if rhythm else 1)
    max_company = r.get(t, "max_consecutive_company_weeks", place, "positive_int", rhythm[1] if rhythm else 1)
    if rhythm and max_cfa is not None and rhythm[0] > max_cfa:
        r.fail(f"{place}.rhythm", f"{rhythm[0]} CFA weeks in a row exceed max_consecutive_cfa_weeks = {max_cfa}")
    if rhythm and max_company is not None and rhythm[1] > max_company:
        r.fail(
            f"{place}.rhythm",
            f"{rhythm[1]} company weeks in a row exceed max_consecutive_company_weeks = {max_company}",
        )
    exams = None
    if "written_exams" in t:
        window = r.table(t["written_exams"], f"{place}.written_exams")
        r.known_keys(window, f"{place}.written_exams", {"start", "end"})
        ws = r.get(window, "start", f"{place}.written_exams", "date")
        we = r.get(window, "end", f"{place}.written_exams", "date")
        if r.date_range(ws, we, f"{place}.written_exams"):
            exams = (ws, we)
            if dates_ok and not (start <= ws <= end):
                r.fail(
                    f"{place}.written_exams.start",
                    f"{ws.isoformat()} is outside the cohort ({start.isoformat()} to {end.isoformat()})",
                )
    if None in (cid, programme, start, end, rhythm, week, max_cfa, max_company) or not dates_ok:
        return None
    return Cohort(
        id=cid,
        programme=programme,
        name=r.get(t, "name", place, "str", cid) or cid,
        start=start,
        end=end,
        rhythm=(rhythm[0], rhythm[1]),
        week_minutes=week,
        max_consecutive_cfa_weeks=max_cfa,
        max_consecutive_company_weeks=max_company,
        written_exams=exams,
    )


def _read_csv(
    r: _Reader, plan_path: Path, name: Any, place: str, columns: set[str]
) -> tuple[_Reader, list[tuple[int, dict[str, str]]]] | None:
    if not isinstance(name, str):
        r.fail(place, f"must be the path of a CSV file, not {name!r}")
        return None
    path = plan_path.parent / name
    csv_reader = _Reader(path, r.problems)
    if not path.resolve().is_relative_to(plan_path.parent.resolve()):
        # Never read (and quote in an error) a file outside the plan's folder.
        r.fail(place, f"{name!r} is outside the plan's folder; put the CSV file beside the plan")
        return None
    if (why := _unreadable(path)) is not None:
        r.fail(place, f"CSV file {str(path)!r} {why}")
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            sample = f.read(4096)
            f.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            table = csv.DictReader(f, delimiter=delimiter)
            rows = list(table)
            header = [h.strip() for h in table.fieldnames or []]
    except FileNotFoundError:
        r.fail(place, f"CSV file {str(path)!r} not found")
        return None
    except OSError as exc:
        r.fail(place, f"cannot read CSV file {str(path)!r}: {exc.strerror or exc}")
        return None
    except (UnicodeDecodeError, csv.Error) as exc:
        csv_reader.fail("", f"unreadable CSV: {exc}")
        return None
    for column in header:
        if column not in columns:
            csv_reader.fail("row 1", f"unknown column {column!r}; known columns: {', '.join(sorted(columns))}")
    # Row 1 is the header, so data rows are numbered from 2, as in a spreadsheet.
    return csv_reader, [
        (i, {k.strip(): (v or "").strip() for k, v in row.items() if k and k.strip() in columns})
        for i, row in enumerate(rows, start=2)
    ]


def _peak(r: _Reader, t: dict[str, Any], place: str) -> Peak | None:
    r.known_keys(t, place, PEAK_KEYS)
    every_year = r.get(t, "every_year", place, "bool", False)
    weight = r.get(t, "weight", place, "positive_int", 1)
    hard = r.get(t, "hard", place, "bool", False)
    if every_year:
        smd = r.get(t, "start", place, "month_day")
        emd = r.get(t, "end", place, "month_day")
        if None in (smd, emd, weight, hard):
            return None
        return Peak(every_year=True, start_md=smd, end_md=emd, weight=weight, hard=hard)
    start = r.get(t, "start", place, "date")
    end = r.get(t, "end", place, "date")
    if not r.date_range(start, end, place) or None in (weight, hard):
        return None
    return Peak(start=start, end=end, weight=weight, hard=hard)


def _companies(r: _Reader, path: Path, head: dict[str, Any], data: dict[str, Any]) -> list[Company]:
    companies: list[Company | None] = []
    for i, t in enumerate(r.tables(data.get("company"), "company")):
        cid = r.get(t, "id", f"company[{i + 1}]", "slug")
        place = f"company[{cid or i + 1}]"
        r.known_keys(t, place, COMPANY_KEYS)
        peaks = [_peak(r, p, f"{place}.peak[{j + 1}]") for j, p in enumerate(r.tables(t.get("peak"), f"{place}.peak"))]
        if cid is not None:
            companies.append(Company(cid, r.get(t, "name", place, "str", cid) or cid, tuple(p for p in peaks if p)))
    if "companies" in head:
        loaded = _read_csv(r, path, head["companies"], "plan.companies", {"id", "name", *COMPANY_CSV_PEAK_COLUMNS})
        if loaded:
            companies.extend(_companies_from_csv(*loaded))
    return _unique(r, companies, "company")


def _companies_from_csv(r: _Reader, rows: list[tuple[int, dict[str, str]]]) -> list[Company]:
    merged: dict[str, Company] = {}
    for line, row in rows:
        cid = r.get(row, "id", f"row {line}: company", "slug")
        place = f"row {line}: company[{cid}]"
        if cid is None:
            continue
        name = r.get(row, "name", place, "str", cid) or cid
        peaks: tuple[Peak, ...] = ()
        if row.get("peak_start") or row.get("peak_end"):
            peak = _peak(
                r,
                {COMPANY_CSV_PEAK_COLUMNS[k]: v for k, v in row.items() if k in COMPANY_CSV_PEAK_COLUMNS},
                f"{place}.peak",
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


def _apprentice(r: _Reader, t: dict[str, Any], place: str, index_place: str) -> Apprentice | None:
    aid = r.get(t, "id", index_place, "slug")
    place = f"{place}apprentice[{aid or '?'}]"
    r.known_keys(t, place, APPRENTICE_KEYS)
    fields = {
        "name": r.get(t, "name", place, "str", aid),
        "cohort": r.get(t, "cohort", place, "slug"),
        "company": r.get(t, "company", place, "slug"),
        "birth_date": r.get(t, "birth_date", place, "date", None),
        "contract_start": r.get(t, "contract_start", place, "date"),
        "contract_end": r.get(t, "contract_end", place, "date"),
        "exempt": r.get(t, "exempt", place, "slugs", ()),
    }
    ok = r.date_range(fields["contract_start"], fields["contract_end"], place, "contract_end")
    if aid is None or not ok or any(fields[k] is None for k in ("cohort", "company", "exempt")):
        return None
    return Apprentice(id=aid, **fields)


Origins = dict[str, tuple[_Reader, str]]


def _apprentices(
    r: _Reader, path: Path, head: dict[str, Any], data: dict[str, Any]
) -> tuple[list[Apprentice], Origins]:
    """Apprentices from the TOML and the CSV, with where each was written (for later problems)."""
    found: list[tuple[Apprentice | None, _Reader, str]] = []
    for i, t in enumerate(r.tables(data.get("apprentice"), "apprentice")):
        found.append((_apprentice(r, t, "", f"apprentice[{i + 1}]"), r, ""))
    if "apprentices" in head:
        loaded = _read_csv(r, path, head["apprentices"], "plan.apprentices", APPRENTICE_KEYS)
        if loaded:
            csv_reader, rows = loaded
            for line, row in rows:
                found.append(
                    (
                        _apprentice(csv_reader, row, f"row {line}: ", f"row {line}: apprentice"),
                        csv_reader,
                        f"row {line}: ",
                    )
                )
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
) -> None:
    by_programme = {p.id: p for p in programmes}
    by_cohort = {c.id: c for c in cohorts}
    company_ids = {c.id for c in companies}
    for c in cohorts:
        if c.programme not in by_programme and c.programme not in declared["programme"]:
            r.fail(f"cohort[{c.id}].programme", f"unknown programme {c.programme!r}")
    for a in apprentices:
        r, prefix = origins[a.id]
        place = f"{prefix}apprentice[{a.id}]"
        if a.company not in company_ids:
            r.fail(f"{place}.company", f"unknown company {a.company!r}")
        cohort = by_cohort.get(a.cohort)
        if cohort is None:
            if a.cohort not in declared["cohort"]:
                r.fail(f"{place}.cohort", f"unknown cohort {a.cohort!r}")
            continue
        earliest, latest = _shifted(cohort.start, -CONTRACT_EARLIEST), _shifted(cohort.end, CONTRACT_LATEST)
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
        programme = by_programme.get(cohort.programme)
        if programme is not None:
            known = {s.id for s in programme.subjects}
            for sid in a.exempt:
                if sid not in known:
                    r.fail(f"{place}.exempt", f"unknown subject {sid!r} in programme {programme.id!r}")


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
    for company in companies:
        mine = [by_cohort[a.cohort] for a in apprentices if a.company == company.id and a.cohort in by_cohort]
        spans = [(c.start, c.end) for c in (mine or cohorts)]
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


def _trainers(r: _Reader, data: dict[str, Any], programmes: list[Programme]) -> list[Trainer]:
    known_subjects = {s.id for p in programmes for s in p.subjects}
    trainers: list[Trainer | None] = []
    for i, t in enumerate(r.tables(data.get("trainer"), "trainer")):
        tid = r.get(t, "id", f"trainer[{i + 1}]", "slug")
        place = f"trainer[{tid or i + 1}]"
        r.known_keys(t, place, TRAINER_KEYS)
        subjects = r.get(t, "subjects", place, "slugs", ())
        for sid in subjects or ():
            if sid not in known_subjects:
                r.fail(f"{place}.subjects", f"unknown subject {sid!r}")
        maximum = r.get(t, "max_hours_per_week", place, "minutes", None)
        unavailable = []
        for j, u in enumerate(r.tables(t.get("unavailable"), f"{place}.unavailable"), start=1):
            uplace = f"{place}.unavailable[{j}]"
            r.known_keys(u, uplace, {"weekday", "start", "end"})
            if "weekday" in u:
                name = u["weekday"].strip().lower() if isinstance(u["weekday"], str) else None
                if name not in WEEKDAYS:
                    r.fail(f"{uplace}.weekday", f"unknown weekday {u['weekday']!r}: use monday … friday")
                elif "start" in u or "end" in u:
                    r.fail(uplace, "give either a weekday or start/end dates, not both")
                else:
                    unavailable.append(Unavailability(weekday=WEEKDAYS[name]))
                continue
            start = r.get(u, "start", uplace, "date")
            end = r.get(u, "end", uplace, "date", start)
            if r.date_range(start, end, uplace):
                unavailable.append(Unavailability(start=start, end=end))
        if tid is not None and subjects is not None:
            trainers.append(
                Trainer(tid, r.get(t, "name", place, "str", tid) or tid, subjects, maximum, tuple(unavailable))
            )
    return _unique(r, trainers, "trainer")


def _assignments(
    r: _Reader,
    data: dict[str, Any],
    slots: tuple[Slot, ...],
    programmes: list[Programme],
    cohorts: list[Cohort],
    trainers: list[Trainer],
) -> tuple[tuple[tuple[str, str], str], ...]:
    """Each (cohort, subject) resolves to exactly one trainer: the cohort's choice, else the only one."""
    by_programme = {p.id: p for p in programmes}
    by_trainer = {t.id: t for t in trainers}
    raw_cohorts = {t["id"]: t for t in r.tables(data.get("cohort"), "cohort") if isinstance(t.get("id"), str)}
    resolved = []
    for c in cohorts:
        place = f"cohort[{c.id}].trainers"
        chosen = r.table(raw_cohorts.get(c.id, {}).get("trainers", {}), place)
        programme = by_programme.get(c.programme)
        if programme is None:
            continue
        subject_ids = {s.id for s in programme.subjects}
        for sid, tid in sorted(chosen.items()):
            if sid not in subject_ids:
                r.fail(f"{place}.{sid}", f"unknown subject {sid!r} in programme {programme.id!r}")
            elif tid not in by_trainer:
                r.fail(f"{place}.{sid}", f"unknown trainer {tid!r}")
            elif sid not in by_trainer[tid].subjects:
                r.fail(f"{place}.{sid}", f"trainer {tid!r} does not list {sid!r} in their subjects")
        if not slots:
            continue
        for subject in programme.subjects:
            if subject.id in chosen:
                resolved.append(((c.id, subject.id), chosen[subject.id]))
                continue
            able = [t.id for t in trainers if subject.id in t.subjects]
            if len(able) == 1:
                resolved.append(((c.id, subject.id), able[0]))
            elif not able:
                r.fail(f"cohort[{c.id}]", f"no trainer teaches {subject.id!r}: add it to a [[trainer]]'s subjects")
            else:
                r.fail(
                    place, f'{subject.id!r} is taught by {", ".join(able)}: name one, e.g. {subject.id} = "{able[0]}"'
                )
    return tuple(sorted(resolved))
