"""Printing the pages: nothing overflows its cell, report.html prints every week, and each
apprentice's statement (apprentices/<id>.html) is one A4 page whose figures match their feed.

The print layout is measured in headless Chromium by the CLI, which cannot switch to print media
for `--dump-dom`: the page is copied with its `@media print` rules applied to the screen, the
window set to the A4 landscape sheet less its margins at 96 dpi, and a small script writes every
overflowing cell into the DOM. The statement's figures are checked against the apprentice's
feed (icalendar) and plan.json, recomputed here in plain Python.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from alternance.domain import Plan
from alternance.plan.loader import load_plans

# `chromium` is test_pages' fixture (it skips when Chromium is missing or does not start).
from test_pages import MINI, chrome, chromium, parse, pdf_pages, read_json, run_build, summer  # noqa: F401

# A4 landscape (297 x 210 mm) less the pages' 8 mm margins, in CSS pixels (96 per inch).
PRINT_WIDTH = round((297 - 16) / 25.4 * 96)
PRINT_HEIGHT = round((210 - 16) / 25.4 * 96)
MEASURE = """<script>
addEventListener('load', () => {
  const bad = [];
  for (const e of document.querySelectorAll('td, th, .week, .month, .legend i')) {
    if (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
      bad.push({cell: e.textContent.trim().slice(0, 80), scroll: [e.scrollWidth, e.scrollHeight],
                client: [e.clientWidth, e.clientHeight]});
  }
  const root = document.documentElement;
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({
    bad, width: [root.scrollWidth, root.clientWidth],
    sections: [...document.querySelectorAll('section.year')].map(s => s.getBoundingClientRect().height)});
  document.body.appendChild(out);
});
</script>"""

# MINI with a third apprentice of ACME whose contract starts late and who is exempt from a
# subject: below their (reduced) target, and a name that the other ACME pages must not show;
# and labels too long for a printed week (a closure, a fixed week's reason, an exam).
LONG_LABELS = (
    "Fermeture administrative exceptionnelle pour travaux de désamiantage",
    "Rentrée : accueil, intégration et présentation du référentiel",
    "Épreuve E31 — contrôle en cours de formation, oral",
)
LATE = (
    MINI
    + f"""
[[closure]]
name = "{LONG_LABELS[0]}"
start = 2025-11-24
end = 2025-11-28

[[cohort.fixed]]
start = 2025-09-01
kind = "cfa"
reason = "{LONG_LABELS[1]}"

[[cohort.exam]]
name = "{LONG_LABELS[2]}"
kind = "ccf"
start = 2025-11-18
[[apprentice]]
id = "a-3"
name = "Chloé Gamma"
cohort = "c1"
company = "acme"
birth_date = 2007-01-09
contract_start = 2025-10-20
contract_end = 2025-11-30
exempt = ["compta"]
"""
)


def print_layout(tmp: Path, page: Path) -> dict:
    """The page laid out as Chromium prints it on A4 landscape: the overflowing cells, the
    document's width against the sheet's, and each training year's height."""
    text = page.read_text(encoding="utf-8")
    assert "@media print" in text, f"{page}: no print rules"
    text = text.replace("@media print", "@media all").replace("</body>", MEASURE + "</body>")
    copy = tmp / f"measure-{len(list(tmp.glob('measure-*')))}.html"
    copy.write_text(text, encoding="utf-8")
    run = chrome(
        tmp,
        f"--window-size={PRINT_WIDTH},{PRINT_HEIGHT}",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        "--dump-dom",
        copy.as_uri(),
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-500:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', run.stdout.decode("utf-8"), re.S)
    assert found, "the measuring script did not run"
    return json.loads(html_lib.unescape(found[1]))


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> tuple[Plan, Path]:
    folder = tmp_path_factory.mktemp("late")
    out = run_build(folder, LATE)
    return load_plans([folder / "plan.toml"])[0], out


def printed_pages(out: Path) -> list[Path]:
    return sorted(
        [
            *out.glob("*/calendar.html"),
            *out.glob("*/report.html"),
            *out.glob("companies/*.html"),
            *out.glob("apprentices/*.html"),
        ]
    )


@pytest.mark.parametrize("which", ["late", "seed_out"])
def test_no_cell_overflows_in_print(chromium: Path, request, which: str) -> None:  # noqa: F811
    """Every cell holds its content on the A4 landscape sheet, no page is wider than the sheet,
    and each training year of a calendar fits one sheet's height."""
    got = request.getfixturevalue(which)
    out = got[1] if isinstance(got, tuple) else got
    pages = printed_pages(out)
    assert any("apprentices" in str(p) for p in pages) and any("companies" in str(p) for p in pages)
    problems = []
    for page in pages:
        measured = print_layout(chromium, page)
        name = page.relative_to(out)
        problems += [f"{name}: {b['cell']!r} needs {b['scroll']} px in {b['client']}" for b in measured["bad"]]
        width, sheet = measured["width"]
        if width > sheet + 1:
            problems.append(f"{name}: {width} px wide on a {sheet} px sheet")
        problems += [f"{name}: a training year {h:.0f} px high" for h in measured["sections"] if h > PRINT_HEIGHT]
    assert not problems, "\n".join(problems[:30])


def test_labels_too_long_for_a_cell_are_printed_whole(late) -> None:
    """A label cut in its week's cell is given whole in the notes under the year's grid."""
    _, out = late
    for page in ("c1/calendar.html", "companies/acme.html"):
        text = " ".join(parse((out / page).read_text(encoding="utf-8")).text)
        for label in LONG_LABELS:
            assert label in text, f"{page}: {label!r} is not shown whole"
        assert "… *" in text


def print_pdf(tmp: Path, page: Path) -> Path:
    pdf = tmp / f"{page.parent.name}-{page.stem}.pdf"
    run = chrome(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri())
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode(errors="replace")[-500:]
    return pdf


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("which, cohort", [("late", "c1"), ("seed_out", "agora-2024"), ("seed_out", "agora-2025")])
def test_report_prints_every_week(chromium: Path, request, which: str, cohort: str) -> None:  # noqa: F811
    got = request.getfixturevalue(which)
    out = got[1] if isinstance(got, tuple) else got
    report = out / cohort / "report.html"
    labels = re.findall(r"<th>(\d\d/\d\d/\d\d)</th>", report.read_text(encoding="utf-8"))
    assert len(labels) > 12 if which == "seed_out" else labels
    pdf = print_pdf(chromium, report)
    for w, h in pdf_pages(pdf):
        assert abs(w - 842) < 3 and abs(h - 595) < 3, f"{w} x {h} pts, not A4 landscape"
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed: the printed weeks are not read back")
    text = pdf_text(pdf)
    missing = [label for label in labels if label not in text]
    assert not missing, f"{len(missing)} of {len(labels)} weeks not printed: {missing[:8]}"


# ---------------------------------------------------------------------------------------------
# The apprentice's statement


@dataclass
class Statement:
    text: str
    years: dict[str, int] = field(default_factory=dict)  # "2025-2026" -> minutes
    total: int = -1
    target: int = -1
    months: dict[str, int] = field(default_factory=dict)  # "2025-09" -> minutes
    weeks: dict[date, str] = field(default_factory=dict)  # Monday -> "C", "E J", "F X", ...


class StatementParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, dict, str]]] = []  # per <tr>: (tag, attributes, text) of its cells
        self.tables: list[str] = []
        self.text: list[str] = []
        self._cell: list | None = None
        self._month: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(a.get("id") or "")
        elif tag == "tr":
            self.rows.append([])
            self.rows[-1].append(("tr", {**a, "table": self.tables[-1] if self.tables else ""}, ""))
        elif tag in ("td", "th"):
            self._cell = [tag, a, ""]
        elif tag == "b" and self._cell is not None:
            self._cell[2] += "|"

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append((self._cell[0], self._cell[1], self._cell[2].strip()))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell[2] += data


def read_statement(path: Path) -> Statement:
    parser = StatementParser()
    parser.feed(path.read_text(encoding="utf-8"))
    s = Statement(" ".join(parser.text))
    for row in parser.rows:
        head, cells = row[0][1], row[1:]
        if head["table"] == "hours" and len(cells) == 2 and "data-minutes" in cells[1][1]:
            label, value = cells[0][2], int(cells[1][1]["data-minutes"])
            if label.startswith("Année "):
                s.years[label.removeprefix("Année ")] = value
            elif label.startswith("Total"):
                s.total = value
            elif label.startswith("Heures dues"):
                s.target = value
        elif head["table"] == "weeks" and "data-month" in head:
            month = head["data-month"]
            s.months[month] = next(int(c[1]["data-minutes"]) for c in cells if "data-minutes" in c[1])
            for _, attrs, text in cells:
                if "w" in (attrs.get("class") or "").split():
                    shown, mark = text.split("|")
                    day, month_number = (int(x) for x in shown.split()[1].split("/"))
                    assert f"{month_number:02d}" == month[5:], f"week {shown} in the row of {month}"
                    s.weeks[date(int(month[:4]), month_number, day)] = mark.strip()
    return s


def school_year(day: date) -> str:
    """The training year of a day as plan.json writes it, cut at 1 August."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


@dataclass
class FeedFigures:
    by_week: dict[date, int]  # lesson minutes by Monday
    cfa_minutes: dict[date, int]  # the CFA weeks' hours (X-ALTERNANCE-HOURS), by Monday
    kinds: dict[date, str]  # Monday -> "C" / "E" / "F"
    exam_weeks: set[date]


def feed_figures(path: Path) -> FeedFigures:
    cal = Calendar.from_ical(path.read_bytes())
    figures = FeedFigures({}, {}, {}, set())
    for event in cal.walk("VEVENT"):
        start = event.decoded("dtstart")
        day = start.date() if hasattr(start, "date") else start
        monday = day - timedelta(days=day.weekday())
        kind = str(event.get("X-ALTERNANCE-KIND", ""))
        if "X-ALTERNANCE-SUBJECT" in event:
            figures.by_week[monday] = figures.by_week.get(monday, 0) + int(str(event["X-ALTERNANCE-MINUTES"]))
        elif kind == "CFA":
            figures.kinds[monday] = "C"
            figures.cfa_minutes[monday] = round(float(str(event["X-ALTERNANCE-HOURS"])) * 60)
        elif kind == "ENTREPRISE":
            figures.kinds[monday] = "F" if "X-ALTERNANCE-CLOSED" in event else "E"
        elif kind == "EXAMEN":
            end = event.decoded("dtend")
            figures.exam_weeks |= {
                d - timedelta(days=d.weekday())
                for d in (day + timedelta(days=i) for i in range((end - day).days))
                if d.weekday() < 5
            }
    return figures


def check_statement(plan: Plan, out: Path, apprentice_id: str) -> Statement:
    a = next(x for x in plan.apprentices if x.id == apprentice_id)
    path = out / "apprentices" / f"{a.id}.html"
    s = read_statement(path)
    feed = feed_figures(out / "apprentices" / f"{a.id}.ics")
    # The weeks: those of the feed, each with the feed's kind, and an X where the feed has exams.
    assert set(s.weeks) == set(feed.kinds), f"{a.id}: weeks {sorted(set(s.weeks) ^ set(feed.kinds))[:6]}"
    for monday, mark in s.weeks.items():
        assert mark.split()[0] == feed.kinds[monday], (
            f"{a.id}: week {monday} shows {mark}, the feed says {feed.kinds[monday]}"
        )
        if monday in feed.exam_weeks:
            assert "X" in mark, f"{a.id}: week {monday} has an exam in the feed, no X on the page"
    # The hours: the feed's lessons by month and by training year, and plan.json's total.
    months: dict[str, int] = {}
    years: dict[str, int] = {}
    # Without lessons, the CFA weeks' hours (the contracts checked this way cover whole weeks).
    for monday, m in (feed.by_week or feed.cfa_minutes).items():
        months[f"{monday.year}-{monday.month:02d}"] = months.get(f"{monday.year}-{monday.month:02d}", 0) + m
        years[school_year(monday)] = years.get(school_year(monday), 0) + m
    assert {k: v for k, v in s.months.items() if v} == months, f"{a.id}: hours by month"
    assert {k: v for k, v in s.years.items() if v} == years, f"{a.id}: hours by training year"
    assert s.total == sum(years.values())
    listed = next(x for x in read_json(out / a.cohort / "plan.json")["apprentices"] if x["id"] == a.id)
    assert s.total == round(listed["planned_hours"] * 60), f"{a.id}: total {s.total} min, plan.json {listed}"
    programme = plan.programme(plan.cohort(a.cohort).programme)
    target = programme.total_minutes - sum(x.minutes for x in programme.subjects if x.id in a.exempt)
    assert s.target == target
    assert ("Sous l'objectif" in s.text) == (s.total < target), f"{a.id}: {s.total} min for {target}"
    # Who: theirs, and no one else's; never a birth date.
    company = plan.company(a.company)
    html = path.read_text(encoding="utf-8")
    assert a.name in s.text and company.name in s.text and plan.cohort(a.cohort).name in s.text
    for when in (a.contract_start, a.contract_end):
        assert when.strftime("%d/%m/%Y") in s.text
    for other in plan.apprentices:
        if other.id != a.id:
            assert other.name not in html and f'"{other.id}"' not in html, f"{a.id}: names {other.id}"
        if other.birth_date:
            for shown in (
                other.birth_date.isoformat(),
                other.birth_date.strftime("%d/%m/%Y"),
                other.birth_date.strftime("%d/%m/%y"),
            ):
                assert shown not in html, f"{a.id}: a birth date {shown}"
    for other in plan.companies:
        if other.id != company.id:
            assert other.name not in html, f"{a.id}: names the company {other.id}"
    return s


def test_statement_of_each_tiny_apprentice(late) -> None:
    plan, out = late
    full = check_statement(plan, out, "a-1")
    assert full.total >= full.target and "Sous l'objectif" not in full.text
    check_statement(plan, out, "a-2")
    short = check_statement(plan, out, "a-3")
    assert short.target == (210 - 80) * 60, "the exemption from compta lowers the target"
    assert 0 < short.total < short.target and "Sous l'objectif" in short.text
    assert min(short.weeks) >= date(2025, 10, 20) - timedelta(days=4), "a week before the contract is shown"


def test_statement_without_lessons(summer) -> None:  # noqa: F811
    """A plan without lesson slots: the statement counts the CFA days under contract."""
    plan, out = summer
    assert not plan.has_lessons
    s = check_statement(plan, out, "s-1")
    assert s.total > 0 and sum(s.months.values()) == s.total


def test_statement_of_each_seed_apprentice(seed_out: Path) -> None:
    plan = load_plans([Path(__file__).resolve().parents[1] / "constraints" / "charmilles-agora.toml"])[0]
    assert plan.apprentices
    for a in plan.apprentices:
        check_statement(plan, seed_out, a.id)


@pytest.mark.parametrize("which, apprentice", [("late", "a-1"), ("late", "a-3"), ("seed_out", "a-001")])
def test_statement_prints_on_one_a4_page(chromium: Path, request, which: str, apprentice: str) -> None:  # noqa: F811
    got = request.getfixturevalue(which)
    out = got[1] if isinstance(got, tuple) else got
    sizes = pdf_pages(print_pdf(chromium, out / "apprentices" / f"{apprentice}.html"))
    assert len(sizes) == 1, f"{apprentice}: {len(sizes)} printed pages"
    (w, h) = sizes[0]
    assert abs(w - 842) < 3 and abs(h - 595) < 3, f"{w} x {h} pts, not A4 landscape"


def test_statement_has_a_secret_link_like_the_feed(late) -> None:
    plan, out = late
    result = CliRunner().invoke(main, ["links", str(out.parent / "plan.toml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    links = dict(line.split(" ", 1) for line in result.output.splitlines() if " " in line)
    for a in plan.apprentices:
        page, feed = links[f"apprentices/{a.id}.html"], links[f"apprentices/{a.id}"]
        assert re.fullmatch(r"/p/[A-Za-z0-9_-]{27}\.html", page), page
        assert a.id not in page and page.removeprefix("/p/")[:-5] not in feed
        assert (out / "public" / page.lstrip("/")).read_bytes() == (out / "apprentices" / f"{a.id}.html").read_bytes()
