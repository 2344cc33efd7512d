"""Plan files (TOML, plus optional spreadsheet lists) → validated `Plan` objects.

The keys and their converters are in `schema`, the spreadsheet readers in `sheets`; this module
reads each table through them (`reading`; the lesson keys in `teaching`) and checks what holds
across tables (references, contracts, peaks). It collects every problem it finds, each with its
file and place, and raises them together as one `PlanError`.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from ..domain import (
    Apprentice,
    Closure,
    Cohort,
    Company,
    ExamDays,
    FixedWeeks,
    Peak,
    Plan,
    Programme,
    Room,
    Subject,
    hours,
    monday_of,
)
from ..errors import PlanError, Problem
from ..facts.weeks import school_holiday_coverage
from ..i18n import _
from . import cells, teaching
from .cells import Bad, suggest
from .reading import MAX_FILE_BYTES, Lists, Note, Reader, full_name, ids, stderr, tables, unique, unreadable
from .schema import (
    APPRENTICES,
    COMPANIES,
    TOP_KEYS,
    ApprenticeKeys,
    ClosureKeys,
    CohortKeys,
    CompanyClosureKeys,
    CompanyKeys,
    ExamKeys,
    FixedKeys,
    PeakKeys,
    PlanKeys,
    ProgrammeKeys,
    RoomKeys,
    SubjectKeys,
    WrittenExamsKeys,
)
from .sheets import row_key

__all__ = ["MAX_FILE_BYTES", "load_plans"]
CONTRACT_EARLIEST = relativedelta(months=3)
CONTRACT_LATEST = relativedelta(months=2)
# A TOML line `start = 01/09/2025`: a French date the TOML parser cannot read.
FRENCH_DATE = re.compile(r"(?<![\d\"'])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d\"'])")


def load_plans(paths: Iterable[Path], note: Note = stderr) -> list[Plan]:
    """Read and validate every plan; raise one PlanError listing every problem of every file.

    `note` gets what the planner should know although nothing is wrong (a CSV read in cp1252)."""
    problems: list[Problem] = []
    plans = [plan for path in paths if (plan := _load_plan(Path(path), problems, note)) is not None]
    _check_ids_across_plans(plans, problems)
    if problems:
        raise PlanError(problems)
    return plans


def _load_plan(path: Path, problems: list[Problem], note: Note) -> Plan | None:
    reader = Reader(path, problems)
    if (why := unreadable(path)) is not None:
        reader.fail("", why)
        return None
    try:
        # utf-8-sig: Windows editors put a byte-order mark before the first key.
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        reader.fail("", _("no such plan file"))
        return None
    except OSError as exc:
        reader.fail("", _("cannot be read: {reason}").format(reason=exc.strerror or exc))
        return None
    except UnicodeDecodeError as exc:
        reader.fail("", _("not UTF-8 text ({reason} at byte {byte})").format(reason=exc.reason, byte=exc.start))
        return None
    except tomllib.TOMLDecodeError as exc:
        _toml_error(reader, text, exc)
        return None
    before = len(problems)
    plan = _build_plan(reader, path, data, note)
    return plan if len(problems) == before else None


def _toml_error(reader: Reader, text: str, exc: tomllib.TOMLDecodeError) -> None:
    # Python < 3.14 only puts the position in the message: "... (at line 3, column 8)".
    found = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$", str(exc))
    at_end = re.search(r"^(.*?)\s*\(at end of document\)$", str(exc))
    lines = text.splitlines()
    if found:
        line = int(found.group(2))
        french = FRENCH_DATE.search(lines[line - 1].split("#")[0]) if 0 < line <= len(lines) else None
        if french:
            try:
                iso = cells.day("/".join(french.groups())).isoformat()
            except Bad:
                iso = "YYYY-MM-DD"
            reader.fail(
                _("line {line}").format(line=line),
                _(
                    "invalid TOML: a date in a plan file is written year first, without quotes: {iso}, not {written}"
                ).format(iso=iso, written=french.group()),
            )
            return
        reader.fail(
            _("line {line}, column {column}").format(line=line, column=found.group(3)),
            _("invalid TOML: {reason}").format(reason=found.group(1)),
        )
    elif at_end:  # an unclosed value or table: the file ended inside it
        reader.fail(
            _("line {line} (end of file)").format(line=max(1, len(lines))),
            _("invalid TOML: {reason}; something opened earlier (a [ or a quote) is never closed").format(
                reason=at_end.group(1)
            ),
        )
    else:
        reader.fail("", _("invalid TOML: {reason}").format(reason=exc))


def _build_plan(r: Reader, path: Path, data: dict[str, Any], note: Note) -> Plan | None:
    r.known_keys(data, "", TOP_KEYS)
    head = r.table(data.get("plan", {}), "plan")
    if "plan" not in data:
        r.fail("plan", _("is missing: a plan file starts with a [plan] table"))
    r.known_keys(head, "plan", PlanKeys)
    plan_id = r.get(head, PlanKeys.id, "plan")
    timezone = r.get(head, PlanKeys.timezone, "plan")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            r.fail("plan.timezone", _("unknown time zone {name!r}").format(name=timezone))
    public = r.get(head, PlanKeys.public_holidays, "plan")
    zone = r.get(head, PlanKeys.school_holidays_zone, "plan")
    capacity = r.get(head, PlanKeys.max_cohorts_at_cfa, "plan")

    closures = tuple(_closures(r, data))
    rooms = _rooms(r, data)
    programmes = unique(
        r, [_programme(r, t, i) for i, t in enumerate(r.tables(data.get("programme"), "programme"))], "programme"
    )
    cohorts = unique(r, [_cohort(r, t, i) for i, t in enumerate(r.tables(data.get("cohort"), "cohort"))], "cohort")
    lists = Lists(r, path, head, note)
    companies = _companies(r, lists, data)
    apprentices, origins = _apprentices(r, lists, data)

    # Ids written in the plan, even on items with other problems: a reference to one of them is
    # not "unknown", so one mistake gives one line, not a cascade.
    declared = {kind: ids(data.get(kind)) for kind in ("programme", "cohort", "trainer")}
    declared["company"] = lists.declared["companies"] | ids(data.get("company"))
    declared["subject"] = {sid for p in tables(data.get("programme")) for sid in ids(p.get("subject"))}
    _check_references(r, origins, declared, programmes, cohorts, companies, apprentices, lists.unread, closures, rooms)
    if zone not in (None, "none"):
        _check_school_holiday_coverage(r, zone, cohorts)
    _check_peaks_inside_cohorts(r, cohorts, companies, apprentices)
    for kind in ("programme", "cohort"):
        if not data.get(kind):
            r.fail(kind, _("the plan has no [[{table}]]").format(table=kind))
    slots = teaching.day_slots(r, head, cohorts)
    trainers, only_unreadable = teaching.trainers(r, lists, data, programmes, declared["subject"])
    declared["trainer"] |= lists.declared["trainers"]
    declared["unread"] = lists.unread
    if "trainers" in lists.unread:  # nobody can say who teaches what: the list's own line says why
        only_unreadable |= {s.id for p in programmes for s in p.subjects}
    assignments = teaching.assignments(r, data, slots, programmes, cohorts, trainers, declared, only_unreadable)
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
        rooms=rooms,
    )


def _rooms(r: Reader, data: dict[str, Any]) -> tuple[Room, ...]:
    found: dict[str, Room] = {}
    for i, table in enumerate(r.tables(data.get("room"), "room"), start=1):
        place = f"room[{i}]"
        r.known_keys(table, place, RoomKeys)
        kind = r.get(table, RoomKeys.kind, place)
        count = r.get(table, RoomKeys.count, place)
        if kind is not None and kind in found:
            r.fail(f"{place}.kind", _("room kind {kind!r} is given twice").format(kind=kind))
        elif kind is not None and count is not None:
            found[kind] = Room(kind, count)
    return tuple(found.values())


def _closures(r: Reader, data: dict[str, Any]) -> Iterable[Closure]:
    for i, table in enumerate(r.tables(data.get("closure"), "closure"), start=1):
        place = f"closure[{i}]"
        r.known_keys(table, place, ClosureKeys)
        start = r.get(table, ClosureKeys.start, place)
        end = r.get(table, ClosureKeys.end, place, start)
        name = r.get(table, ClosureKeys.name, place)
        cohorts = r.get(table, ClosureKeys.cohorts, place)
        if r.date_range(start, end, place) and cohorts is not None:
            assert start is not None and end is not None
            yield Closure(name=name or "Fermeture", start=start, end=end, cohorts=cohorts)


def _programme(r: Reader, t: dict[str, Any], index: int) -> Programme | None:
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
    subjects = unique(r, subjects, f"{place}.subject")
    if pid is None or total is None:
        return None
    taught = sum(s.minutes for s in subjects)
    if taught > total:
        r.fail(
            f"{place}.subject",
            _("subject hours sum to {taught}, more than total_hours {total}").format(
                taught=hours(taught), total=hours(total)
            ),
        )
    return Programme(
        id=pid, name=r.get(t, ProgrammeKeys.name, place, pid) or pid, total_minutes=total, subjects=tuple(subjects)
    )


def _cohort(r: Reader, t: dict[str, Any], index: int) -> Cohort | None:
    cid = r.get(t, CohortKeys.id, f"cohort[{index + 1}]")
    place = f"cohort[{cid or index + 1}]"
    r.known_keys(t, place, CohortKeys)
    programme = r.get(t, CohortKeys.programme, place)
    start = r.get(t, CohortKeys.start, place)
    end = r.get(t, CohortKeys.end, place)
    dates_ok = r.date_range(start, end, place)
    rhythm = r.get(t, CohortKeys.rhythm, place)
    week = r.get(t, CohortKeys.hours_per_week, place)
    cfa_days = teaching.cfa_days(r, t.get("cfa_days"), f"{place}.cfa_days") or (0, 1, 2, 3, 4)
    shaped = teaching.day_hours(r, t.get("day_hours"), f"{place}.day_hours", cfa_days, week)
    if shaped is None:  # unreadable: said there
        week = None
    elif not shaped and week is not None and week % len(cfa_days):  # else day_hours says how it splits
        r.fail(
            f"{place}.hours_per_week",
            _("{hours} does not split into {days} days of whole minutes").format(hours=hours(week), days=len(cfa_days)),
        )
        week = None
    max_cfa = r.get(t, CohortKeys.max_consecutive_cfa_weeks, place, rhythm[0] if rhythm else 1)
    max_company = r.get(t, CohortKeys.max_consecutive_company_weeks, place, rhythm[1] if rhythm else 1)
    if rhythm and max_cfa is not None and rhythm[0] > max_cfa:
        r.fail(
            f"{place}.rhythm",
            _("{weeks} CFA weeks in a row exceed max_consecutive_cfa_weeks = {limit}").format(
                weeks=rhythm[0], limit=max_cfa
            ),
        )
    if rhythm and max_company is not None and rhythm[1] > max_company:
        r.fail(
            f"{place}.rhythm",
            _("{weeks} company weeks in a row exceed max_consecutive_company_weeks = {limit}").format(
                weeks=rhythm[1], limit=max_company
            ),
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
                    _("{day} is outside the cohort ({start} to {end})").format(
                        day=ws.isoformat(), start=start.isoformat(), end=end.isoformat()
                    ),
                )
    if "trainers" in t:
        r.table(t["trainers"], f"{place}.trainers")
    span = (start, end) if start is not None and end is not None and dates_ok else None
    fixed = _fixed(r, t, place, span)
    exam_days = _exam_days(r, t, place, span)
    written = [(e.start, e.end) for e in exam_days if e.kind == "written"]
    if written:  # written exam days end the written subjects' teaching, as the window does
        firsts, lasts = zip(*(written + ([exams] if exams else [])))
        exams = (min(firsts), max(lasts))
    revision = r.get(t, CohortKeys.revision_days, place)
    if revision and exams is None:
        r.fail(
            f"{place}.revision_days",
            _(
                "{days} revision days come before the first written exam day, but the cohort has no written_exams and no written [[cohort.exam]]"
            ).format(days=revision),
        )
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
        fixed=fixed,
        exams=exam_days,
        room=r.get(t, CohortKeys.room, place),
        cfa_days=cfa_days,
        day_hours=shaped or (),
        revision_days=revision or 0,
    )


def _inside(r: Reader, place: str, start: date, end: date, span: tuple[date, date] | None) -> bool:
    """Dates of a cohort's table within the cohort (say so once when not; no span: unknown)."""
    if span is None or (span[0] <= start and end <= span[1]):
        return True
    r.fail(
        place,
        _("{start} to {end} is outside the cohort ({first} to {last})").format(
            start=start.isoformat(), end=end.isoformat(), first=span[0].isoformat(), last=span[1].isoformat()
        ),
    )
    return False


def _exam_days(r: Reader, t: dict[str, Any], place: str, span: tuple[date, date] | None) -> tuple[ExamDays, ...]:
    """`[[cohort.exam]]`: named exam days inside the cohort."""
    found = []
    for j, e in enumerate(r.tables(t.get("exam"), f"{place}.exam")):
        eplace = f"{place}.exam[{j + 1}]"
        r.known_keys(e, eplace, ExamKeys)
        name = r.get(e, ExamKeys.name, eplace)
        kind = r.get(e, ExamKeys.kind, eplace)
        start = r.get(e, ExamKeys.start, eplace)
        end = r.get(e, ExamKeys.end, eplace, start)
        if name is None or kind is None or start is None or end is None or not r.date_range(start, end, eplace):
            continue
        if not _inside(r, eplace, start, end, span):
            continue
        found.append(ExamDays(name, kind, start, end))
    return tuple(found)


def _fixed(r: Reader, t: dict[str, Any], place: str, span: tuple[date, date] | None) -> tuple[FixedWeeks, ...]:
    """`[[cohort.fixed]]`: inside the cohort, and never one week fixed two ways."""
    found: list[tuple[str, FixedWeeks]] = []
    for j, f in enumerate(r.tables(t.get("fixed"), f"{place}.fixed")):
        fplace = f"{place}.fixed[{j + 1}]"
        r.known_keys(f, fplace, FixedKeys)
        start = r.get(f, FixedKeys.start, fplace)
        end = r.get(f, FixedKeys.end, fplace, start)
        kind = r.get(f, FixedKeys.kind, fplace)
        reason = r.get(f, FixedKeys.reason, fplace)
        if start is None or end is None or kind is None or reason is None or not r.date_range(start, end, fplace):
            continue
        if not _inside(r, fplace, start, end, span):
            continue
        fix = FixedWeeks(start, end, kind, reason)
        for other_place, other in found:
            if (
                other.kind != kind
                and monday_of(start) <= monday_of(other.end)
                and monday_of(other.start) <= monday_of(end)
            ):
                r.fail(
                    fplace,
                    _("fixes {kind} weeks that {other} fixes as {other_kind}").format(
                        kind=kind, other=other_place, other_kind=other.kind
                    ),
                )
        found.append((fplace, fix))
    return tuple(fix for _place, fix in found)


def _peak(r: Reader, t: dict[str, Any], place: str, cell: bool = False) -> Peak | None:
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


def _month_day(r: Reader, t: dict[str, Any], key: str, place: str, cell: bool) -> tuple[int, int] | None:
    if t.get(key, "") == "":
        r.fail(f"{place}.{key}", _("is missing"))
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


def _companies(r: Reader, lists: Lists, data: dict[str, Any]) -> list[Company]:
    companies: list[Company | None] = []
    for i, t in enumerate(r.tables(data.get("company"), "company")):
        cid = r.get(t, CompanyKeys.id, f"company[{i + 1}]")
        place = f"company[{cid or i + 1}]"
        r.known_keys(t, place, CompanyKeys)
        peaks = [_peak(r, p, f"{place}.peak[{j + 1}]") for j, p in enumerate(r.tables(t.get("peak"), f"{place}.peak"))]
        closures = _company_closures(r, t, place)
        if cid is not None:
            name = r.get(t, CompanyKeys.name, place, cid) or cid
            contact = _contact(r, t, place)
            companies.append(Company(cid, name, tuple(p for p in peaks if p), *contact, closures=closures))
    if loaded := lists.read(COMPANIES):
        companies.extend(_companies_from_sheet(*loaded))
    return unique(r, companies, "company")


def _company_closure(r: Reader, c: dict[str, Any], cplace: str) -> Closure | None:
    """One closure of a company (None when a date or its name cannot be read)."""
    start = r.get(c, CompanyClosureKeys.start, cplace)
    end = r.get(c, CompanyClosureKeys.end, cplace, start)
    name = r.get(c, CompanyClosureKeys.name, cplace)
    if start is None or end is None or name is None:
        return None
    r.date_range(start, end, cplace)  # a closure backwards fails the plan, but keeps its number
    return Closure(name=name or "Fermeture", start=start, end=end)


def _company_closures(r: Reader, t: dict[str, Any], place: str) -> tuple[Closure, ...]:
    """`[[company.closure]]`: days the company is closed and its apprentices on leave."""
    found = []
    complete = True
    for j, c in enumerate(r.tables(t.get("closure"), f"{place}.closure"), start=1):
        cplace = f"{place}.closure[{j}]"
        r.known_keys(c, cplace, CompanyClosureKeys)
        closure = _company_closure(r, c, cplace)
        if closure is None:
            complete = False
            continue
        found.append(closure)
    # Without every closure, the others' numbers (company[<id>].closure[n]) would be wrong.
    return tuple(found) if complete else ()


PEAK_COLUMNS = {f"peak_{key}": key for key in PeakKeys.keys()}
CLOSURE_COLUMNS = {f"closure_{key}": key for key in CompanyClosureKeys.keys()}


def _contact(r: Reader, t: dict[str, Any], place: str) -> tuple[str, str, str]:
    """A company's address, tutor and e-mail ("" where missing or unreadable)."""
    address, tutor, email = (
        r.get(t, f, place) or "" for f in (CompanyKeys.address, CompanyKeys.tutor, CompanyKeys.email)
    )
    return address, tutor, email


def _companies_from_sheet(r: Reader, rows: list[tuple[int, dict[str, Any]]]) -> list[Company]:
    """One row per busy season: rows that repeat an id (with the same name) add seasons."""
    merged: dict[str, Company] = {}
    for line, row in rows:
        cid = r.get(row, CompanyKeys.id, row_key(line, "company"))
        place = row_key(line, f"company[{cid}]")
        if cid is None:
            continue
        name = r.get(row, CompanyKeys.name, place, cid) or cid
        peaks: tuple[Peak, ...] = ()
        if row.get("peak_start", "") != "" or row.get("peak_end", "") != "":
            peak = _peak(
                r, {PEAK_COLUMNS[k]: v for k, v in row.items() if k in PEAK_COLUMNS}, f"{place}.peak", cell=True
            )
            peaks = (peak,) if peak else ()
        closures: tuple[Closure, ...] = ()
        if row.get("closure_start", "") != "" or row.get("closure_end", "") != "":
            n = len(merged[cid].closures) + 1 if cid in merged else 1
            cells_of = {CLOSURE_COLUMNS[k]: v for k, v in row.items() if k in CLOSURE_COLUMNS}
            closure = _company_closure(r, cells_of, f"{place}.closure[{n}]")
            closures = (closure,) if closure else ()
        contact = _contact(r, row, place)
        if cid in merged:
            if merged[cid].name != name:
                r.fail(
                    f"{place}.id",
                    _("duplicate company id {id!r} with another name ({name!r})").format(id=cid, name=merged[cid].name),
                )
                continue
            first = merged[cid]  # a later season's row may leave the contact cells empty
            address, tutor, email = (a or b for a, b in zip((first.address, first.tutor, first.email), contact))
            merged[cid] = Company(
                cid, name, first.peaks + peaks, address, tutor, email, closures=first.closures + closures
            )
        else:
            merged[cid] = Company(cid, name, peaks, *contact, closures=closures)
    return list(merged.values())


def _apprentice(r: Reader, t: dict[str, Any], place: str, index_place: str) -> Apprentice | None:
    aid = r.get(t, ApprenticeKeys.id, index_place)
    in_sheet = bool(place)  # a sheet's columns were checked with its header
    place = f"{place}apprentice[{aid or '?'}]"
    if not in_sheet:
        r.known_keys(t, place, ApprenticeKeys)
    name = full_name(r, t, ApprenticeKeys.name, place, aid or "")
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


Origins = dict[str, tuple[Reader, str]]


def _apprentices(r: Reader, lists: Lists, data: dict[str, Any]) -> tuple[list[Apprentice], Origins]:
    """Apprentices from the TOML and the sheet, with where each was written (for later problems)."""
    found: list[tuple[Apprentice | None, Reader, str]] = []
    for i, t in enumerate(r.tables(data.get("apprentice"), "apprentice")):
        found.append((_apprentice(r, t, "", f"apprentice[{i + 1}]"), r, ""))
    if loaded := lists.read(APPRENTICES):
        sheet_reader, rows = loaded
        for line, row in rows:
            prefix = row_key(line, "")
            found.append((_apprentice(sheet_reader, row, prefix, f"{prefix}apprentice"), sheet_reader, prefix))
    kept: list[Apprentice] = []
    origins: Origins = {}
    for apprentice, reader, prefix in found:
        if apprentice is None:
            continue
        if apprentice.id in origins:
            reader.fail(
                f"{prefix}apprentice[{apprentice.id}].id", _("duplicate apprentice id {id!r}").format(id=apprentice.id)
            )
            continue
        origins[apprentice.id] = (reader, prefix)
        kept.append(apprentice)
    return kept, origins


def _check_references(
    r: Reader,
    origins: Origins,
    declared: dict[str, set],
    programmes: list[Programme],
    cohorts: list[Cohort],
    companies: list[Company],
    apprentices: list[Apprentice],
    unread: set[str],
    closures: tuple[Closure, ...] = (),
    rooms: tuple[Room, ...] = (),
) -> None:
    by_programme = {p.id: p for p in programmes}
    by_cohort = {c.id: c for c in cohorts}
    company_ids = {c.id for c in companies}
    subjects_of = {p.id: {s.id for s in p.subjects} for p in programmes}
    windows = {c.id: _contract_window(c) for c in cohorts}  # relativedelta is slow: once a cohort
    kinds = {room.kind for room in rooms}
    for c in cohorts:
        if c.room is not None and c.room not in kinds:
            r.fail(f"cohort[{c.id}].room", _("unknown room kind {kind!r}").format(kind=c.room) + suggest(c.room, kinds))
    for i, closure in enumerate(closures, start=1):
        for cid in closure.cohorts:
            if cid not in by_cohort and cid not in declared["cohort"]:
                r.fail(
                    f"closure[{i}].cohorts",
                    _("unknown cohort {id!r}").format(id=cid) + suggest(cid, declared["cohort"]),
                )
    for c in cohorts:
        if c.programme not in by_programme and c.programme not in declared["programme"]:
            r.fail(
                f"cohort[{c.id}].programme",
                _("unknown programme {id!r}").format(id=c.programme) + suggest(c.programme, declared["programme"]),
            )
    for a in apprentices:
        r, prefix = origins[a.id]
        place = f"{prefix}apprentice[{a.id}]"
        if a.company not in company_ids and a.company not in declared["company"] and "companies" not in unread:
            r.fail(
                f"{place}.company",
                _("unknown company {id!r}").format(id=a.company) + suggest(a.company, declared["company"]),
            )
        cohort = by_cohort.get(a.cohort)
        if cohort is None:
            if a.cohort not in declared["cohort"]:
                r.fail(
                    f"{place}.cohort",
                    _("unknown cohort {id!r}").format(id=a.cohort) + suggest(a.cohort, declared["cohort"]),
                )
            continue
        _check_contract(r, place, a, cohort, windows[cohort.id])
        known = subjects_of.get(cohort.programme)
        if known is not None:
            for sid in a.exempt:
                if sid not in known and sid not in declared["subject"]:
                    r.fail(
                        f"{place}.exempt",
                        _("unknown subject {id!r} in programme {programme!r}").format(
                            id=sid, programme=cohort.programme
                        )
                        + suggest(sid, known),
                    )


def _contract_window(cohort: Cohort) -> tuple[date, date]:
    return _shifted(cohort.start, -CONTRACT_EARLIEST), _shifted(cohort.end, CONTRACT_LATEST)


def _check_contract(r: Reader, place: str, a: Apprentice, cohort: Cohort, window: tuple[date, date]) -> None:
    earliest, latest = window
    if a.contract_start < earliest:
        r.fail(
            f"{place}.contract_start",
            _("{day} is more than 3 months before the cohort starts ({start}); the earliest is {earliest}").format(
                day=a.contract_start.isoformat(), start=cohort.start.isoformat(), earliest=earliest.isoformat()
            ),
        )
    if a.contract_end > latest:
        r.fail(
            f"{place}.contract_end",
            _("{day} is more than 2 months after the cohort ends ({end}); the latest is {latest}").format(
                day=a.contract_end.isoformat(), end=cohort.end.isoformat(), latest=latest.isoformat()
            ),
        )
    if a.contract_end < cohort.start or a.contract_start > cohort.end:
        r.fail(
            f"{place}.contract_start",
            _("the contract does not overlap the cohort ({start} to {end})").format(
                start=cohort.start.isoformat(), end=cohort.end.isoformat()
            ),
        )


def _shifted(day: date, delta: relativedelta) -> date:
    try:
        return day + delta
    except (OverflowError, ValueError):  # beyond year 1 or 9999
        return date.min if delta.months < 0 else date.max


def _check_school_holiday_coverage(r: Reader, zone: str, cohorts: list[Cohort]) -> None:
    first, last = school_holiday_coverage()
    for c in cohorts:
        if c.start < first:
            r.fail(
                f"cohort[{c.id}].start",
                _("school holidays of zone {zone} are known only from {first}").format(
                    zone=zone, first=first.isoformat()
                ),
            )
        if c.end > last:
            r.fail(
                f"cohort[{c.id}].end",
                _(
                    'school holidays of zone {zone} are known only up to {last} (vacances-scolaires-france data); set school_holidays_zone = "none" and list closures, or shorten the cohort'
                ).format(zone=zone, last=last.isoformat()),
            )


def _check_peaks_inside_cohorts(
    r: Reader, cohorts: list[Cohort], companies: list[Company], apprentices: list[Apprentice]
) -> None:
    by_cohort = {c.id: c for c in cohorts}
    # The cohorts of each company's apprentices, in one pass: a loop over the apprentices for
    # each company was quadratic (70 000 companies × 700 000 apprentices).
    cohorts_of: dict[str, dict[str, Cohort]] = defaultdict(dict)
    for a in apprentices:
        if a.cohort in by_cohort:
            cohorts_of[a.company][a.cohort] = by_cohort[a.cohort]
    for company in companies:
        if not company.peaks and not company.closures:
            continue
        mine = cohorts_of.get(company.id)
        spans = [(c.start, c.end) for c in (mine.values() if mine else cohorts)]
        for j, closure in enumerate(company.closures, start=1):
            inside = any(closure.start <= end and start <= closure.end for start, end in spans)
            if spans and closure.start <= closure.end and not inside:
                r.fail(
                    f"company[{company.id}].closure[{j}]",
                    _("{start} to {end} is outside every cohort of this company's apprentices").format(
                        start=closure.start.isoformat(), end=closure.end.isoformat()
                    ),
                )
        for j, peak in enumerate(company.peaks, start=1):
            if peak.every_year or not spans or peak.start is None or peak.end is None:
                continue
            if not any(peak.start <= end and start <= peak.end for start, end in spans):
                r.fail(
                    f"company[{company.id}].peak[{j}]",
                    _("{peak} is outside every cohort of this company's apprentices").format(peak=peak.label()),
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
                            _("id also used in {file}; feeds of both would share one file").format(
                                file=owner[item.id].source
                            ),
                        )
                    )
                owner.setdefault(item.id, plan)
