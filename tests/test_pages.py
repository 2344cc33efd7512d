"""The printable HTML pages: calendar.html, report.html and companies/<id>.html.

Without a browser: the pages are parsed with html.parser and checked against plan.json and the
plan (CFA weeks per training year, legend, self-contained, a letter in every cell, privacy of the
company pages, the hours report). With headless Chromium (skipped when it is missing or does not
start): the DOM the browser builds, a screenshot, and the printed PDF (one A4 landscape page per
training year).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.domain import Plan
from alternance.plan.loader import load_plans
from alternance.schedule.lessons import ACCOMPANIMENT

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "calendars"
SEED_PLAN = ROOT / "constraints" / "charmilles-agora.toml"
CHROMIUM = Path("/usr/bin/chromium")
TODAY = "2025-08-01"
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
LEGEND = ["C", "E", "F", "J", "X", "P", "–"]

# The tiny plan of test_rebuild.py with lessons, birth dates and one busy season per company.
MINI = """
[plan]
id = "mini"
name = "Mini CFA"
site = "1 rue du Test, 38000 Grenoble"
timezone = "Europe/Paris"
public_holidays = "metropole"
school_holidays_zone = "none"
day_slots = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]

[[programme]]
id = "prog"
name = "Programme"
total_hours = 210
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 80
[[programme.subject]]
id = "compta"
name = "Comptabilité"
hours = 80

[[cohort]]
id = "c1"
programme = "prog"
name = "Cohorte 1"
start = 2025-09-01
end = 2025-11-28
rhythm = [1, 1]
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3

[[company]]
id = "acme"
name = "ACME"
[[company.peak]]
start = 2025-10-06
end = 2025-10-17

[[company]]
id = "bolt"
name = "Bolt"
[[company.peak]]
start = 2025-11-03
end = 2025-11-14

[[apprentice]]
id = "a-1"
name = "Alice Alpha"
cohort = "c1"
company = "acme"
birth_date = 2006-05-17
contract_start = 2025-09-01
contract_end = 2025-11-30

[[apprentice]]
id = "a-2"
name = "Bob Beta"
cohort = "c1"
company = "bolt"
birth_date = 2005-02-23
contract_start = 2025-09-01
contract_end = 2025-11-30

[[trainer]]
id = "t-a"
name = "Ada Trainer"
subjects = ["maths"]
[[trainer]]
id = "t-b"
name = "Ben Trainer"
subjects = ["compta"]
"""

# A cohort over the summer: its weeks of August are training weeks, some of them at the CFA.
SUMMER = """
[plan]
id = "summer"
name = "Summer CFA"
site = "1 rue du Test, 38000 Grenoble"
timezone = "Europe/Paris"
public_holidays = "metropole"
school_holidays_zone = "none"

[[programme]]
id = "prog"
name = "Programme"
total_hours = 350
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 350

[[cohort]]
id = "s1"
programme = "prog"
name = "Cohorte été"
start = 2026-06-01
end = 2026-10-30
rhythm = [1, 1]
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3

[[company]]
id = "acme"
name = "ACME"

[[apprentice]]
id = "s-1"
name = "Sam Summer"
cohort = "s1"
company = "acme"
contract_start = 2026-06-01
contract_end = 2026-10-30
"""


# ---------------------------------------------------------------------------------------------
# Parsing the pages


@dataclass
class PageCell:
    classes: set[str]
    monday: date
    letter: str = ""
    badges: str = ""
    hours: str = ""


@dataclass
class Section:
    year: str  # "2024-2025"
    cfa_weeks: int
    legend: list[str] = field(default_factory=list)
    cells: list[PageCell] = field(default_factory=list)

    @property
    def first_year(self) -> int:
        return int(self.year.split("-")[0])


class PageParser(HTMLParser):
    """Sections, their legend and their week cells; plus everything a self-contained page must not have."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.external: list[str] = []  # tags that load something (src=, href=, <link>, <script>, ...)
        self.text: list[str] = []
        self._month: tuple[int, int] | None = None  # (year, month) of the month column
        self._in_h3 = False
        self._h3 = ""
        self._cell: dict | None = None
        self._span: str | None = None
        self._legend_i = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag in ("script", "link", "iframe", "object", "embed", "img", "base", "meta") and not (
            tag == "meta" and set(a) <= {"charset"}
        ):
            self.external.append(self.get_starttag_text() or tag)
        for name in ("src", "href", "srcset", "data", "action", "poster", "background"):
            if name in a and not (name == "href" and (a[name] or "").startswith("#")):
                self.external.append(self.get_starttag_text() or tag)
        if tag == "section" and "year" in classes:
            self.sections.append(Section(a.get("data-year") or "", int(a.get("data-cfa-weeks") or -1)))
        elif tag == "h3":
            self._in_h3, self._h3 = True, ""
        elif tag == "div" and "week" in classes:
            self._cell = {"classes": classes, "n": "", "d": "", "k": "", "b": "", "h": ""}
        elif tag == "span" and self._cell is not None:
            self._span = next((c for c in ("n", "d", "k", "b", "h") if c in classes), None)
        elif tag == "i" and self.sections and not self._cell:
            self._legend_i = True
            self.sections[-1].legend.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._in_h3:
            self._in_h3 = False
            name, year = self._h3.strip().rsplit(" ", 1)
            self._month = (int(year), MONTHS.index(name.lower()) + 1)
        elif tag == "span":
            self._span = None
        elif tag == "i":
            self._legend_i = False
        elif tag == "div" and self._cell is not None:
            c, self._cell = self._cell, None
            assert self._month is not None, "a week cell outside a month column"
            day, month = (int(x) for x in c["d"].strip().split("/"))
            assert month == self._month[1], f"week {c['d']} in the column of month {self._month}"
            self.sections[-1].cells.append(
                PageCell(c["classes"], date(self._month[0], month, day), c["k"].strip(), c["b"].strip(), c["h"].strip())
            )

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h3:
            self._h3 += data
        elif self._cell is not None and self._span:
            self._cell[self._span] += data
        elif self._legend_i:
            self.sections[-1].legend[-1] += data.strip()


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def training_year(monday: date) -> int:
    """The first calendar year of the training year (September to August) of a week, by its Monday."""
    return monday.year if monday.month >= 9 else monday.year - 1


def plan_cfa_weeks(plan_json: dict) -> dict[int, int]:
    """CFA weeks of plan.json per training year (September to August)."""
    found: dict[int, int] = {}
    for w in plan_json["weeks"]:
        if w["kind"] == "cfa":
            y = training_year(date.fromisoformat(w["start"]))
            found[y] = found.get(y, 0) + 1
    return found


def minutes(text: str) -> int:
    """'75 h 30' -> 4530."""
    m = re.fullmatch(r"(\d+) h(?: (\d\d))?", text.strip())
    assert m, f"not an hours figure: {text!r}"
    return int(m[1]) * 60 + int(m[2] or 0)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Builds


def run_build(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, ["build", str(plan), "--out", str(out), "--today", TODAY], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> tuple[Plan, Path]:
    folder = tmp_path_factory.mktemp("mini")
    out = run_build(folder, MINI)
    return load_plans([folder / "plan.toml"])[0], out


@pytest.fixture(scope="module")
def summer(tmp_path_factory) -> tuple[Plan, Path]:
    folder = tmp_path_factory.mktemp("summer")
    out = run_build(folder, SUMMER)
    return load_plans([folder / "plan.toml"])[0], out


@pytest.fixture(scope="module")
def seed() -> tuple[Plan, Path]:
    if not (SEED / "agora-2024" / "calendar.html").exists():
        pytest.skip("no committed seed output in calendars/")
    return load_plans([SEED_PLAN])[0], SEED


def every_page(out: Path) -> list[Path]:
    return sorted(
        [
            *out.glob("*/calendar.html"),
            *out.glob("*/report.html"),
            *out.glob("companies/*.html"),
            *out.glob("apprentices/*.html"),
        ]
    )


# ---------------------------------------------------------------------------------------------
# Without a browser


def check_cfa_counts(page: PageParser, plan_json: dict) -> None:
    """data-cfa-weeks == the "week cfa" cells of the section == plan.json's CFA weeks of that year."""
    expected = plan_cfa_weeks(plan_json)
    assert page.sections, "no <section class=year>"
    seen = set()
    for s in page.sections:
        cells = [c for c in s.cells if "cfa" in c.classes]
        assert s.cfa_weeks == len(cells), f"{s.year}: data-cfa-weeks={s.cfa_weeks} but {len(cells)} CFA cells"
        assert s.cfa_weeks == expected.get(s.first_year, 0), (
            f"{s.year}: data-cfa-weeks={s.cfa_weeks}, plan.json has {expected.get(s.first_year, 0)} CFA weeks (September to August)"
        )
        seen.add(s.first_year)
    assert set(expected) <= seen, f"training years with CFA weeks but no section: {sorted(set(expected) - seen)}"


@pytest.mark.parametrize("cohort", ["c1"])
def test_mini_calendar_counts_legend_letters(mini, cohort: str) -> None:
    _, out = mini
    page = parse((out / cohort / "calendar.html").read_text(encoding="utf-8"))
    plan_json = read_json(out / cohort / "plan.json")
    check_cfa_counts(page, plan_json)
    assert sum(s.cfa_weeks for s in page.sections) == plan_json["cfa_weeks"]
    for s in page.sections:
        assert s.legend == LEGEND, s.legend
        check_letters(s)


@pytest.mark.parametrize("cohort", ["agora-2024", "agora-2025"])
def test_seed_calendar_counts_legend_letters(seed, cohort: str) -> None:
    _, out = seed
    page = parse((out / cohort / "calendar.html").read_text(encoding="utf-8"))
    plan_json = read_json(out / cohort / "plan.json")
    check_cfa_counts(page, plan_json)
    for s in page.sections:
        assert s.legend == LEGEND, s.legend
        check_letters(s)


def check_letters(s: Section) -> None:
    """Every cell says what it is with a letter, not with its colour alone."""
    letter_of = {"cfa": "C", "company": "E", "closed": "F", "out": "–"}
    for c in s.cells:
        kinds = [k for k in letter_of if k in c.classes]
        assert len(kinds) == 1, f"{c.monday}: classes {c.classes}"
        assert c.letter == letter_of[kinds[0]], f"{c.monday}: class {kinds[0]} but letter {c.letter!r}"
        assert ("X" in c.badges) == ("exam" in c.classes), f"{c.monday}: exam class without X (or X without it)"
        assert ("P" in c.badges) == ("peak" in c.classes), f"{c.monday}: peak class without P (or P without it)"
        assert set(c.badges) <= {"J", "X", "P"}
        if "cfa" in c.classes:
            minutes(c.hours)  # a CFA week shows its hours


def check_every_week_shown(page: PageParser, plan_json: dict) -> None:
    """Each week of plan.json is shown exactly once, with its letter, in its training year's section."""
    shown: dict[date, list[tuple[str, str]]] = {}
    for s in page.sections:
        for c in s.cells:
            if c.letter != "–":
                shown.setdefault(c.monday, []).append((s.year, c.letter))
    problems = []
    for w in plan_json["weeks"]:
        monday = date.fromisoformat(w["start"])
        letter = "C" if w["kind"] == "cfa" else "F" if "closed" in w else "E"
        year = f"{training_year(monday)}-{training_year(monday) + 1}"
        if shown.get(monday) != [(year, letter)]:
            problems.append(
                f"{monday} ({w['kind']}{', closed' if 'closed' in w else ''}): expected {letter} in {year}, shown {shown.get(monday, 'as – or not at all')}"
            )
    assert not problems, "\n".join(problems)


def test_mini_calendar_shows_every_week(mini) -> None:
    _, out = mini
    check_every_week_shown(
        parse((out / "c1" / "calendar.html").read_text(encoding="utf-8")), read_json(out / "c1" / "plan.json")
    )


def test_seed_calendar_shows_every_week(seed) -> None:
    """The seed's agora-2024 is in training (summer closure) in August 2025: those weeks must be F."""
    _, out = seed
    for cohort in ("agora-2024", "agora-2025"):
        check_every_week_shown(
            parse((out / cohort / "calendar.html").read_text(encoding="utf-8")), read_json(out / cohort / "plan.json")
        )


def test_summer_cohort_cfa_weeks_in_august_are_shown_and_counted(summer) -> None:
    """A cohort whose CFA weeks fall in August: every CFA week has a cell, and the counts agree."""
    _, out = summer
    plan_json = read_json(out / "s1" / "plan.json")
    assert any(w["kind"] == "cfa" and w["start"][5:7] == "08" for w in plan_json["weeks"]), (
        "the fixture needs a CFA week in August"
    )
    page = parse((out / "s1" / "calendar.html").read_text(encoding="utf-8"))
    cells = sum(1 for s in page.sections for c in s.cells if "cfa" in c.classes)
    assert cells == plan_json["cfa_weeks"], (
        f"{cells} CFA cells on the page, plan.json has {plan_json['cfa_weeks']} CFA weeks"
    )
    check_cfa_counts(page, plan_json)
    check_every_week_shown(page, plan_json)


@pytest.mark.parametrize("which", ["mini", "seed"])
def test_pages_are_self_contained(which: str, request) -> None:
    _, out = request.getfixturevalue(which)
    pages = every_page(out)
    assert len(pages) >= 3
    for path in pages:
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        assert not re.search(r"https?://", html, re.I), f"{path}: a network address"
        assert not re.search(r"<script|@import|url\(", html, re.I), f"{path}: a script or a CSS fetch"
        assert not page.external, f"{path}: loads {page.external[:3]}"


def check_company_pages(plan: Plan, out: Path) -> None:
    birth_dates = [a.birth_date for a in plan.apprentices if a.birth_date]
    assert birth_dates
    for company in plan.companies:
        path = out / "companies" / f"{company.id}.html"
        if not any(a.company == company.id for a in plan.apprentices):
            continue
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        text = "".join(page.text)
        for a in plan.apprentices:
            if a.company == company.id:
                assert a.name in text, f"{company.id}: its apprentice {a.name} is missing"
            else:
                assert a.name not in html, f"{company.id}: names {a.name} of {a.company}"
        for b in birth_dates:
            for shown in (b.isoformat(), b.strftime("%d/%m/%Y"), b.strftime("%d/%m/%y")):
                assert shown not in html, f"{company.id}: a birth date {shown}"
        own = {p.label() for p in company.peaks}
        for label in own:
            assert label in text, f"{company.id}: its busy season {label} is missing"
        for other in plan.companies:
            for p in other.peaks:
                if p.label() not in own:
                    assert p.label() not in text, f"{company.id}: shows {other.id}'s busy season {p.label()}"
        # The P marks are this company's busy seasons only.
        for s in page.sections:
            for c in s.cells:
                if c.letter == "–":
                    continue
                days = [c.monday + timedelta(days=i) for i in range(5)]
                busy = any(company.peak_weight(d) for d in days)
                assert ("peak" in c.classes) == busy, (
                    f"{company.id}: week {c.monday} P={('peak' in c.classes)}, its own busy season says {busy}"
                )


def test_mini_company_pages_are_private(mini) -> None:
    plan, out = mini
    check_company_pages(plan, out)
    # The cohort page marks both companies' busy seasons; ACME's page only ACME's.
    cohort = parse((out / "c1" / "calendar.html").read_text(encoding="utf-8"))
    assert {c.monday for s in cohort.sections for c in s.cells if "peak" in c.classes} >= {
        date(2025, 10, 6),
        date(2025, 11, 3),
    }
    acme = parse((out / "companies" / "acme.html").read_text(encoding="utf-8"))
    assert {c.monday for s in acme.sections for c in s.cells if "peak" in c.classes} == {
        date(2025, 10, 6),
        date(2025, 10, 13),
    }


def test_seed_company_pages_are_private(seed) -> None:
    plan, out = seed
    check_company_pages(plan, out)


def check_report(plan: Plan, out: Path, cohort_id: str) -> None:
    plan_json = read_json(out / cohort_id / "plan.json")
    cohort = next(c for c in plan.cohorts if c.id == cohort_id)
    programme = plan.programme(cohort.programme)
    names = {s.id: s.name for s in programme.subjects} | {ACCOMPANIMENT: "Accompagnement"}

    class Table(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.inside = False
            self.cell: str | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.inside = dict(attrs).get("id") == "subjects"
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    table = Table()
    table.feed((out / cohort_id / "report.html").read_text(encoding="utf-8"))
    head, *rows = table.rows
    total, target = head.index("Total"), head.index("Cible")
    by_name = {r[0]: r for r in rows}
    assert len(by_name) == len(rows), "two rows with the same subject"
    expected = plan_json["subjects"]
    for sid, figures in expected.items():
        row = by_name.pop(names[sid])
        assert minutes(row[total]) == round(figures["planned_hours"] * 60), (
            f"{sid}: Total {row[total]} vs planned_hours {figures['planned_hours']}"
        )
        assert minutes(row[target]) == round(figures["target_hours"] * 60), (
            f"{sid}: Cible {row[target]} vs target_hours {figures['target_hours']}"
        )
        years = [minutes(x) for x in row[1:total]]
        assert sum(years) == minutes(row[total]), f"{sid}: the years do not add up to the total"
    # A subject missing from plan.json may only be an empty Accompagnement row.
    assert all(minutes(r[total]) == 0 == minutes(r[target]) for r in by_name.values()), by_name


def test_mini_report_matches_plan_json(mini) -> None:
    plan, out = mini
    check_report(plan, out, "c1")
    assert read_json(out / "c1" / "plan.json")["subjects"]["maths"]["planned_hours"] == 80


@pytest.mark.parametrize("cohort", ["agora-2024", "agora-2025"])
def test_seed_report_matches_plan_json(seed, cohort: str) -> None:
    plan, out = seed
    check_report(plan, out, cohort)


# ---------------------------------------------------------------------------------------------
# With headless Chromium

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chrome(tmp: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Path:
    """A folder for Chromium's profiles, once Chromium is known to start (else the tests skip)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    tmp = tmp_path_factory.mktemp("chromium")
    probe = tmp / "probe.html"
    probe.write_text("<!DOCTYPE html><p id=probe>ok</p>", encoding="utf-8")
    try:
        run = chrome(tmp, "--dump-dom", probe.as_uri(), timeout=45)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"{CHROMIUM} does not start: {error}")
    if run.returncode != 0 or b'id="probe"' not in run.stdout:
        pytest.skip(f"{CHROMIUM} does not start (exit {run.returncode}): {run.stderr.decode(errors='replace')[-300:]}")
    return tmp


@pytest.mark.parametrize("which, cohort", [("mini", "c1"), ("seed", "agora-2024")])
def test_browser_dom_counts_cfa_weeks(chromium: Path, request, which: str, cohort: str) -> None:
    _, out = request.getfixturevalue(which)
    run = chrome(chromium, "--dump-dom", (out / cohort / "calendar.html").resolve().as_uri())
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-500:]
    page = parse(run.stdout.decode("utf-8"))
    check_cfa_counts(page, read_json(out / cohort / "plan.json"))


def png_size_and_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # IHDR comes first
    idat, i = b"", 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        if kind == b"IDAT":
            idat += data[i + 8 : i + 8 + length]
        i += 12 + length
    return width, height, zlib.decompress(idat)


def test_browser_screenshot_of_seed_calendar(chromium: Path, seed, tmp_path: Path) -> None:
    _, out = seed
    png = tmp_path / "agora-2024.png"
    run = chrome(
        chromium,
        "--window-size=1600,1000",
        f"--screenshot={png}",
        (out / "agora-2024" / "calendar.html").resolve().as_uri(),
    )
    assert run.returncode == 0 and png.exists(), run.stderr.decode(errors="replace")[-500:]
    width, height, pixels = png_size_and_pixels(png)
    assert (width, height) == (1600, 1000)
    assert png.stat().st_size > 50_000, f"a nearly blank screenshot ({png.stat().st_size} bytes)"
    assert len(set(pixels)) > 32, "a blank screenshot"
    assert len(pixels) >= width * height * 3


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """Width and height (points) of each page: pdfinfo when there is one, else the PDF's own objects."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        count = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
        sizes = [
            (float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        ]
        assert len(sizes) == count
        return sizes
    data = pdf.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    box = boxes[0] if boxes else (b"0", b"0", b"0", b"0")
    return [(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))] * count


@pytest.mark.parametrize(
    "which, page",
    [
        ("seed", "agora-2024/calendar.html"),
        ("seed", "companies/cabinet-martin.html"),
        ("mini", "c1/calendar.html"),
        ("mini", "companies/acme.html"),
    ],
)
def test_browser_prints_one_a4_landscape_page_per_training_year(
    chromium: Path, request, tmp_path: Path, which: str, page: str
) -> None:
    _, out = request.getfixturevalue(which)
    html = out / page
    sections = parse(html.read_text(encoding="utf-8")).sections
    pdf = tmp_path / "page.pdf"
    run = chrome(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri())
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode(errors="replace")[-500:]
    sizes = pdf_pages(pdf)
    assert len(sizes) == len(sections), f"{page}: {len(sizes)} printed pages for {len(sections)} training years"
    for number, (w, h) in enumerate(sizes, start=1):
        assert abs(w - 842) < 3 and abs(h - 595) < 3, f"{page}: page {number} is {w} x {h} pts, not A4 landscape"
    if shutil.which("pdftotext"):  # each printed page holds its own year's heading
        for number, s in enumerate(sections, start=1):
            text = subprocess.run(
                ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert s.year in text, f"{page}: page {number} does not show {s.year}"
