"""Printable HTML: the "calendrier d'alternance" (per cohort and per company) and the hours report.

Self-contained pages (inline CSS, no script, no network fetch), readable in black and white:
every mark is a letter and a pattern, not a colour alone. Print CSS puts one training year
(September to August) on one A4 landscape page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from html import escape

from ..domain import Apprentice, Company, Plan, hours, monday_of
from ..facts.weeks import SiteCalendar
from ..schedule.lessons import ACCOMPANIMENT, LessonSolution
from ..schedule.rhythm import CFA, CohortWeeks, RhythmSolution

STYLE = """
@page { size: A4 landscape; margin: 8mm; }
* { box-sizing: border-box; }
body { font: 11px/1.3 system-ui, sans-serif; color: #000; margin: 0; padding: 8px; }
h1 { font-size: 17px; margin: 0 0 2px; } h2 { font-size: 14px; margin: 6px 0 4px; }
p { margin: 2px 0; }
.year { page-break-after: always; break-after: page; }
.year:last-of-type { page-break-after: auto; break-after: auto; }
.grid { display: grid; grid-template-columns: repeat(9, 1fr); gap: 3px; }
.month { border: 1px solid #000; padding: 2px; }
.month h3 { font-size: 11px; margin: 0 0 2px; text-align: center; text-transform: capitalize; }
.week { border: 1px solid #000; height: 74px; margin-bottom: 2px; padding: 2px 3px; position: relative;
  overflow-wrap: anywhere; }
.week .n { font-weight: 700; } .week .d { float: right; }
.week .k { display: block; font-size: 15px; font-weight: 700; text-align: center; margin-top: 2px; }
.week .h { display: block; text-align: center; }
.week .t { display: block; text-align: center; font-size: 9px; line-height: 1.15; }
.closed .t { background: #fff; }
/* The badges sit beside the centred letter, not over the labels below it. */
.week .b { position: absolute; right: 3px; top: 20px; font-weight: 700; background: #fff; color: #000; padding: 0 1px; }
.cfa { background: #1f4e79; color: #fff; }
.company { background: #fff; }
.closed { background: repeating-linear-gradient(45deg, #fff 0 4px, #999 4px 6px); }
.out { background: #eee; color: #555; }
.exam { outline: 3px double #000; outline-offset: -5px; }
.peak { border: 2px dashed #000; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.legend i { display: inline-block; width: 26px; height: 16px; border: 1px solid #000; font-style: normal; font-weight: 700; text-align: center; }
table { border-collapse: collapse; margin: 4px 0 10px; } th, td { border: 1px solid #000; padding: 2px 4px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.notes { font-size: 9px; margin-top: 3px; }
.small td, .small th { font-size: 9px; padding: 1px 2px; }
caption { font-weight: 700; text-align: left; padding: 4px 0 2px; }
tr { break-inside: avoid; }
/* A4 landscape less its margins is about 1060 x 730 px: a year of five-week months fills it
   with 100 px weeks, room for two lines of holidays under the letter and the running total. */
@media print { body { padding: 0; } .noprint { display: none; } .week { height: 100px; } }
"""
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
LEGEND = (
    ("cfa", "C", "semaine au CFA (heures)"),
    ("company", "E", "semaine en entreprise"),
    ("closed", "F", "CFA fermé : en entreprise (vacances, fermeture)"),
    ("company", "J", "jour férié dans la semaine"),
    ("company exam", "X", "épreuves (écrites, CCF)"),
    ("company peak", "P", "période de forte activité"),
    ("out", "–", "hors formation"),
)


@dataclass(frozen=True)
class Cell:
    monday: date
    kind: str  # "cfa" | "company" | "closed" | "out"
    minutes: int
    running: int  # CFA minutes from the first week to this one
    holiday: bool
    exam: bool
    peak: bool
    reason: str
    note: str = ""  # why the planner fixed the week, and the exams held in it
    revision: bool = False  # a revision day before the written exams (L6222-35) in the week
    leave: str = ""  # the company closures (leave) in the week, for this page's companies
    wholly_on_leave: bool = False  # every weekday of the week in them


# Weeks of leave (a company closure) only on the pages that draw one, so other pages keep their bytes.
LEAVE_STYLE = ".leave { background: repeating-linear-gradient(-45deg, #fff 0 4px, #ccc 4px 6px); }\n"


def page(title: str, body: str, style: str = "") -> bytes:
    """A self-contained page: the house style plus `style` (and the leave pattern on a page that
    draws a week of leave), then `body`."""
    style = STYLE + (LEAVE_STYLE if 'class="week leave' in body else "") + style
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    ).encode()


LEAVE_LEGEND = ("company leave", "CP", "congés payés : entreprise fermée, ni CFA ni entreprise")
REVISION_LEGEND = ("company", "R", "révisions avant les épreuves écrites (congé d'examen, art. L6222-35)")


def _legend(cells: dict[date, Cell] | None = None) -> str:
    """The legend, with the marks of leave and revision days only on pages that have them."""
    extra = []
    if cells and any(c.leave for c in cells.values()):
        extra.append(LEAVE_LEGEND)
    if cells and any(c.revision for c in cells.values()):
        extra.append(REVISION_LEGEND)
    items = "".join(f'<span><i class="{css}">{mark}</i>{escape(text)}</span>' for css, mark, text in (*LEGEND, *extra))
    return f'<div class="legend">{items}</div>\n'


def cohort_cells(calendar: SiteCalendar, cw: CohortWeeks, solution: RhythmSolution) -> dict[date, Cell]:
    """A cohort's weeks as the pages draw them, without anyone's busy seasons or closures: made
    once per cohort for its own page and each of its companies' pages."""
    c = cw.cohort
    cells: dict[date, Cell] = {}
    revising = set(calendar.revision_days(c))
    running = 0
    exams = c.written_exams
    for week, wp in zip(cw.weeks, solution.cohort(c.id).weeks):
        days = [week.monday + timedelta(days=i) for i in range(5)]
        running += wp.minutes
        fixed = c.fixed_at(week.monday)
        held = [e.name for e in c.exams if e.start <= days[-1] and days[0] <= e.end]
        note = "; ".join(([f"fixée : {fixed[1].reason}"] if fixed and fixed[1].reason else []) + held)
        kind = "cfa" if wp.kind == CFA else "closed" if week.closed else "company"
        cells[week.monday] = Cell(
            monday=week.monday,
            kind=kind,
            minutes=wp.minutes,
            running=running,
            holiday=any(calendar.public_holiday(d) for d in days),
            exam=bool(held) or (exams is not None and any(exams[0] <= d <= exams[1] for d in days)),
            peak=False,
            reason=", ".join(week.reasons),
            note=note,
            revision=any(d in revising for d in days),
        )
    return cells


def _with_leave(cells: dict[date, Cell], companies: list[Company], named: bool) -> dict[date, Cell]:
    """The cells with the closures of these companies marked (their apprentices on leave), by
    name when `named` (a company's own page), else only as leave."""
    if not any(c.closures for c in companies):
        return cells
    marked = {}
    for monday, cell in cells.items():
        days = [monday + timedelta(days=i) for i in range(5)]
        found = {hit[1].name: None for d in days for co in companies if co.closures and (hit := co.closure_at(d))}
        if not found:
            marked[monday] = cell
            continue
        whole = any(all(co.closure_at(d) for d in days) for co in companies if co.closures)
        leave = ", ".join(found) if named else "entreprise fermée"
        marked[monday] = replace(cell, leave=leave, wholly_on_leave=named and whole and cell.kind != "cfa")
    return marked


def _with_peaks(cells: dict[date, Cell], companies: list[Company]) -> dict[date, Cell]:
    """The cells with the busy seasons of these companies marked."""
    mondays = tuple(cells)
    busy = set().union(*(_peak_weeks(company, mondays) for company in companies))
    return {monday: replace(cell, peak=True) if monday in busy else cell for monday, cell in cells.items()}


@lru_cache(maxsize=1 << 12)  # a company's busy weeks show in its cohort's page and in its own
def _peak_weeks(company: Company, mondays: tuple[date, ...]) -> frozenset[date]:
    """The weeks among `mondays` with a busy day of the company, Monday to Friday."""
    if not company.peaks:
        return frozenset()
    return frozenset(m for m in mondays if any(company.peak_weight(m + timedelta(days=i)) for i in range(5)))


# Characters of labels a printed week holds (company or closed week, CFA week): four and three
# lines of 9 px text under its letter and hours. Longer, the cell shows their start and the
# year's notes show them whole.
CELL_CHARS = {False: 40, True: 26}


def _labels(cell: Cell) -> list[str]:
    """What a week's cell says in words: its holidays or closure (but on a CFA week), then why it
    was fixed and its exams."""
    return [x for x in (cell.reason if cell.kind != "cfa" else "", cell.note) if x]


def _notes(cells: dict[date, Cell]) -> str:
    """The labels of the weeks too long for their cell, whole, under the year's grid."""
    lines = [
        f"S{m.isocalendar().week:02d} ({m.strftime('%d/%m')}) : {escape(' ; '.join(_labels(cell)))}"
        for m, cell in sorted(cells.items())
        if len(" ; ".join(_labels(cell))) > CELL_CHARS[cell.kind == "cfa"]
    ]
    return f'<p class="notes">* {" · ".join(lines)}</p>\n' if lines else ""


@lru_cache(maxsize=1 << 15)  # a cohort's week is drawn alike in its page and its companies' pages
def _cell_html(cell: Cell | None, monday: date) -> str:
    number = monday.isocalendar().week
    head = f'<span class="n">S{number:02d}</span><span class="d">{monday.strftime("%d/%m")}</span>'
    if cell is None:
        return f'<div class="week out" title="hors formation">{head}<span class="k">–</span></div>'
    kind = "leave" if cell.wholly_on_leave else cell.kind
    css = [kind] + (["exam"] if cell.exam else []) + (["peak"] if cell.peak else [])
    mark = {"cfa": "C", "company": "E", "closed": "F", "leave": "CP"}[kind]
    text = f'<span class="k">{mark}</span>'
    labels = _labels(cell)
    cut = len(" ; ".join(labels)) > CELL_CHARS[cell.kind == "cfa"]
    if cell.kind == "cfa":
        text += f'<span class="h">{hours(cell.minutes)}</span>'
    elif cell.reason and not cut:
        text += f'<span class="t">{escape(cell.reason)}</span>'
    if cell.leave:
        text += f'<span class="t">congés : {escape(cell.leave)}</span>'
    text += f'<span class="t">Σ {hours(cell.running)}</span>'
    marks = (
        ("J", cell.holiday),
        ("X", cell.exam),
        ("P", cell.peak),
        ("R", cell.revision),
        ("CP", bool(cell.leave) and not cell.wholly_on_leave),
    )
    badges = "".join(b for b, on in marks if on)
    if badges:
        text += f'<span class="b">{badges}</span>'
    if cut:  # the whole labels are in the notes under the year's grid
        shown = " ; ".join(labels)[: CELL_CHARS[cell.kind == "cfa"] - 3].rstrip(" ;,")
        text += f'<span class="t">{escape(shown)}… *</span>'
    elif cell.note:
        text += f'<span class="t">{escape(cell.note)}</span>'
    title = {
        "cfa": "CFA",
        "company": "entreprise",
        "closed": "CFA fermé : en entreprise",
        "leave": "congés : entreprise fermée",
    }[kind]
    if cell.revision:
        title += " — révisions (congé d'examen)"
    if cell.leave and not cell.wholly_on_leave:
        title += f" — congés : {cell.leave}"
    if cell.note:
        title += f" — {cell.note}"
    return f'<div class="week {" ".join(css)}" title="{escape(title)}">{head}{text}</div>'


def _year_grid(cells: dict[date, Cell], first_year: int) -> str:
    """Months September to August side by side, each week a cell under its Monday's month."""
    months = [(first_year + (m < 9), m) for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)]
    html = []
    for year, month in months:
        start = date(year, month, 1)
        monday = monday_of(start) if monday_of(start).month == month else monday_of(start) + timedelta(days=7)
        weeks = []
        while monday.month == month:
            weeks.append(_cell_html(cells.get(monday), monday))
            monday += timedelta(days=7)
        html.append(f'<div class="month"><h3>{MONTHS[month - 1]} {year}</h3>{"".join(weeks)}</div>')
    # Twelve months on nine columns would wrap; the grid shows them in two rows of six.
    return '<div class="grid" style="grid-template-columns: repeat(12, 1fr)">' + "".join(html) + "</div>\n"


def _grid_year(monday: date) -> int:
    """The September-to-August grid a week is drawn in, by its Monday (the date on its cell).
    plan.json and the hours report cut training years at 1 August (the training year); the printed grid
    runs September to August, so a week starting in August is drawn at the end of its grid."""
    return monday.year if monday.month >= 9 else monday.year - 1


def cohort_calendar(plan: Plan, cw: CohortWeeks, solution: RhythmSolution, cells: dict[date, Cell]) -> bytes:
    """`<cohort>/calendar.html`: the calendrier d'alternance of one cohort, a page per year;
    `cells` are the cohort's (`cohort_cells`)."""
    c = cw.cohort
    apprentices = plan.apprentices_of(c.id)
    companies = [plan.company(a.company) for a in apprentices]
    mine = list({x.id: x for x in companies}.values())
    cells = _with_leave(_with_peaks(cells, mine), mine, named=False)
    total = solution.cohort(c.id).minutes
    contracts = (
        (
            f" · contrats du {min(a.contract_start for a in apprentices).strftime('%d/%m/%Y')}"
            f" au {max(a.contract_end for a in apprentices).strftime('%d/%m/%Y')}"
        )
        if apprentices
        else ""
    )

    def heading(year: int, cfa: int, minutes: int) -> str:
        return (
            f"<h1>Calendrier d'alternance — {escape(c.name)} — {year}-{year + 1}</h1>\n"
            f"<p>{escape(plan.name)} · {escape(plan.site)} · formation du {c.start.strftime('%d/%m/%Y')} au {c.end.strftime('%d/%m/%Y')}{contracts}</p>\n"
            f"<p><b>{cfa} semaines au CFA, {hours(minutes)} cette année</b> · total de la formation : "
            f"{hours(total)} pour {hours(cw.target_minutes)} prévues</p>\n"
        )

    return page(f"Calendrier d'alternance — {c.name}", "".join(_year_sections(cw, cells, heading)))


def _year_sections(cw: CohortWeeks, cells: dict[date, Cell], heading) -> list[str]:
    """One section (one printed page) per training year, its heading written by `heading(year,
    CFA weeks, CFA minutes)`."""
    sections = []
    for year in sorted({_grid_year(m) for m in cells}):
        mine = {m: cell for m, cell in cells.items() if _grid_year(m) == year}
        cfa = sum(1 for cell in mine.values() if cell.kind == "cfa")
        minutes = sum(cell.minutes for cell in mine.values())
        sections.append(
            f'<section class="year" data-year="{year}-{year + 1}" data-cfa-weeks="{cfa}">\n'
            + heading(year, cfa, minutes)
            + _legend(mine)
            + _year_grid(mine, year)
            + _notes(mine)
            + "</section>\n"
        )
    return sections


def company_calendar(
    company: Company, cohorts: list[tuple[CohortWeeks, list[Apprentice]]], cells_of: dict[str, dict[date, Cell]]
) -> bytes:
    """`companies/<id>.html`: this company's apprentices and its own busy seasons only;
    `cells_of` holds each cohort's cells (`cohort_cells`)."""
    body = [f"<h1>Calendrier d'alternance — {escape(company.name)}</h1>\n"]
    closures = "; ".join(
        f"{c.name} du {c.start.strftime('%d/%m/%Y')} au {c.end.strftime('%d/%m/%Y')}" for c in company.closures
    )
    for cw, apprentices in cohorts:
        c = cw.cohort
        cells = _with_leave(_with_peaks(cells_of[c.id], [company]), [company], named=True)
        names = ", ".join(
            f"{escape(a.name)} (contrat du {a.contract_start.strftime('%d/%m/%Y')} au {a.contract_end.strftime('%d/%m/%Y')})"
            for a in apprentices
        )

        def heading(year: int, cfa: int, minutes: int, c=c, names=names) -> str:
            return (
                f"<h2>{escape(c.name)} — {year}-{year + 1} : {cfa} semaines au CFA</h2>\n"
                f"<p>Apprenti·e·s : {names}</p>\n"
                f"<p>Périodes de forte activité : {escape('; '.join(p.label() for p in company.peaks) or 'aucune')}</p>\n"
                + (f"<p>Fermetures (apprenti·e·s en congés) : {escape(closures)}</p>\n" if closures else "")
            )

        body.extend(_year_sections(cw, cells, heading))
    return page(f"Calendrier d'alternance — {company.name}", "".join(body))


def hours_report(plan: Plan, cw: CohortWeeks, solution: RhythmSolution, lessons: LessonSolution | None) -> bytes:
    """`<cohort>/report.html`: subject hours per training year against the target, trainer load per week."""
    c = cw.cohort
    programme = plan.programme(c.programme)
    years = sorted({w.year for w in cw.weeks})
    year_of = {w.monday: w.year for w in cw.weeks}
    body = [f"<h1>Heures — {escape(c.name)}</h1>\n"]
    if lessons is None:
        body.append("<p>Pas de cours planifiés (le plan n'a pas de créneaux).</p>\n")
        return page(f"Heures — {c.name}", "".join(body))
    per: dict[tuple[str, int], int] = {}
    load: dict[tuple[str, date], int] = {}
    mine = {x.trainer for x in lessons.of(c.id) if x.trainer}
    for x in lessons.of(c.id):
        per[x.subject, year_of[monday_of(x.day)]] = per.get((x.subject, year_of[monday_of(x.day)]), 0) + x.minutes
    for x in lessons.lessons:  # a trainer's load counts every cohort they teach
        if x.trainer in mine:
            load[x.trainer, monday_of(x.day)] = load.get((x.trainer, monday_of(x.day)), 0) + x.minutes
    head = "".join(f"<th>{cw.year_label(y)}</th>" for y in years)
    rows = []
    for subject in [*programme.subjects, None]:
        sid = subject.id if subject else ACCOMPANIMENT
        name = subject.name if subject else "Accompagnement"
        target = subject.minutes if subject else programme.accompaniment_minutes
        planned = sum(per.get((sid, y), 0) for y in years)
        cells = "".join(f"<td>{hours(per.get((sid, y), 0))}</td>" for y in years)
        rows.append(f"<tr><td>{escape(name)}</td>{cells}<td>{hours(planned)}</td><td>{hours(target)}</td></tr>")
    body.append(
        f'<table id="subjects"><tr><th>Matière</th>{head}<th>Total</th><th>Cible</th></tr>{"".join(rows)}</table>\n'
    )
    body.append("<h2>Charge des formateurs de cette promotion par semaine (toutes promotions)</h2>\n")
    body.extend(_load_tables(plan, load))
    return page(f"Heures — {c.name}", "".join(body))


LOAD_COLUMNS = 16  # weeks side by side in one trainer-load table: what an A4 landscape line holds


def _load_tables(plan: Plan, load: dict[tuple[str, date], int]) -> list[str]:
    """The trainers' weekly load, one table per training year (September to August), each cut
    into tables of at most LOAD_COLUMNS weeks of about the same width, so that every week is
    printed: one wide table would be cut at the page's right edge."""
    trainers = sorted({t for t, _ in load})
    by_year: dict[int, list[date]] = {}
    for monday in sorted({m for _, m in load}):
        by_year.setdefault(_grid_year(monday), []).append(monday)
    tables = []
    for year, mondays in by_year.items():
        parts = -(-len(mondays) // LOAD_COLUMNS)
        size = -(-len(mondays) // parts)
        for chunk in (mondays[i : i + size] for i in range(0, len(mondays), size)):
            head = "".join(f"<th>{m.strftime('%d/%m/%y')}</th>" for m in chunk)
            rows = []
            for tid in trainers:
                cells = "".join(f"<td>{hours(load[tid, m]) if (tid, m) in load else ''}</td>" for m in chunk)
                rows.append(f"<tr><td>{escape(plan.trainer(tid).name)}</td>{cells}</tr>")
            span = f"semaines du {chunk[0].strftime('%d/%m/%y')} au {chunk[-1].strftime('%d/%m/%y')}"
            tables.append(
                f'<table class="small trainers"><caption>{year}-{year + 1} : {span}</caption>'
                f"<tr><th>Formateur·rice</th>{head}</tr>{''.join(rows)}</table>\n"
            )
    return tables
