"""Every key of a plan file and every column of its spreadsheets: name, converter, default, meaning.

The loader reads each value through its `Field` here (no converter is looked up by name), and
`reference()` writes `docs/plan-reference.md` from the same objects, so the reference cannot
drift from what the loader accepts (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from . import cells
from .cells import Convert, fold

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def structured(value: Any) -> Any:
    """The converter of a key the loader reads itself (a list of slots, a table, tables)."""
    return value


# Bounds that keep every number inside what the solver's integer models hold (minutes × weights
# summed over a cycle stay far below 2**53), and inside what a CFA plans.
MAX_TOTAL_HOURS = 10_000  # a programme or a subject: a long apprenticeship is 1 350 h a year
MAX_WEEK_HOURS = 168  # hours in a week
MAX_WEIGHT = 1_000
MAX_WEEKS_IN_A_ROW = 520
MAX_COHORTS_AT_CFA = 10_000
MAX_REVISION_DAYS = 10  # the law gives 5 (Code du travail L6222-35); a branch agreement may give more

PUBLIC_HOLIDAY_SETS = {"metropole": "metropole", "alsace moselle": "alsace-moselle"}
ZONES = {"a": "A", "b": "B", "c": "C", "zone a": "A", "zone b": "B", "zone c": "C", "none": "none", "aucune": "none"}
EXAMS = {"ccf": "ccf", "written": "written", "ecrit": "written"}


@dataclass(frozen=True)
class Field(Generic[T]):
    """One key of a table (or one column of a sheet): how its value converts, and what it means."""

    convert: Convert[T]
    kind: str
    doc: str
    default: Any = REQUIRED
    default_doc: str = ""  # when the default depends on another key ("the id")
    headers: tuple[str, ...] = ()  # French spreadsheet headers (SPEC "Spreadsheets")
    key: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "key", name)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def default_text(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.required:
            return "required"
        if self.default is None:
            return "none"
        if isinstance(self.default, bool):
            return str(self.default).lower()
        if isinstance(self.default, tuple):
            return "`[" + ", ".join(map(str, self.default)) + "]`"
        if self.default == "":
            return "empty"
        return f'`"{self.default}"`' if isinstance(self.default, str) else f"`{self.default}`"


class Table:
    """The keys of one TOML table (or the columns of one sheet), as class attributes."""

    title: ClassVar[str]
    doc: ClassVar[str]

    @classmethod
    def fields(cls) -> list[Field[Any]]:
        return [v for v in vars(cls).values() if isinstance(v, Field)]

    @classmethod
    def keys(cls) -> set[str]:
        return {f.key for f in cls.fields()}


_ID = "lowercase letters, digits and `-` (used in file names, links and UIDs)"


class PlanKeys(Table):
    title = "[plan]"
    doc = "The site: one plan file per CFA site."
    id = Field(cells.slug, "id", "the plan's id; " + _ID)
    name = Field(cells.text, "text", "shown in feeds and pages", default_doc="the id")
    site = Field(cells.text, "text", "address of the CFA: the LOCATION of CFA events", "")
    timezone = Field(cells.text, "text", "time zone of lessons (an IANA name)", "Europe/Paris")
    public_holidays = Field(
        cells.choice(PUBLIC_HOLIDAY_SETS),
        "word",
        '"metropole" or "alsace-moselle" (adds Good Friday and 26 December)',
        "metropole",
    )
    school_holidays_zone = Field(
        cells.choice(ZONES), "word", '"A", "B", "C" or "none": the CFA is closed in that zone\'s school holidays'
    )
    max_cohorts_at_cfa = Field(
        cells.whole(1, MAX_COHORTS_AT_CFA), "whole number", "at most this many cohorts at the CFA in one week", None
    )
    companies = Field(cells.text, "file", "a `.csv`, `.xlsx` or `.ods` file of companies (below)", None)
    apprentices = Field(cells.text, "file", "a `.csv`, `.xlsx` or `.ods` file of apprentices (below)", None)
    trainers = Field(cells.text, "file", "a `.csv`, `.xlsx` or `.ods` file of trainers (below)", None)
    day_slots = Field(
        structured, "list of slots", 'lesson slots of a CFA day, e.g. `["08:30-10:30", "10:45-12:15"]`', None
    )


class ClosureKeys(Table):
    title = "[[closure]]"
    doc = "Extra closed days of the CFA (inclusive dates)."
    name = Field(cells.text, "text", "shown in feeds and pages", "Fermeture")
    start = Field(cells.day, "date", "first closed day")
    end = Field(cells.day, "date", "last closed day", default_doc="the start")
    cohorts = Field(cells.slugs, "ids", "only these cohorts (a study trip); none: the whole site", ())


class RoomKeys(Table):
    title = "[[room]]"
    doc = "Rooms of one kind that only the cohorts naming it need; `max_cohorts_at_cfa` stays for all."
    kind = Field(cells.slug, "id", "the kind, e.g. informatique (cohorts name it in `room`)")
    count = Field(cells.whole(1, MAX_COHORTS_AT_CFA), "whole number", "how many such rooms", 1)


class ProgrammeKeys(Table):
    title = "[[programme]]"
    doc = "A diploma's training: its hours and subjects."
    id = Field(cells.slug, "id", _ID)
    name = Field(cells.text, "text", "shown in feeds and pages", default_doc="the id")
    total_hours = Field(cells.hours(MAX_TOTAL_HOURS), "hours", "hours of training the contract promises")
    subject = Field(structured, "tables", "`[[programme.subject]]`, below", None)


class SubjectKeys(Table):
    title = "[[programme.subject]]"
    doc = "One subject of a programme."
    id = Field(cells.slug, "id", _ID)
    name = Field(cells.text, "text", "the lesson's SUMMARY", default_doc="the id")
    hours = Field(cells.hours(MAX_TOTAL_HOURS), "hours", "hours taught inside CFA weeks")
    exam = Field(
        cells.choice(EXAMS), "word", '"ccf" (in-course assessment) or "written" (national exam; also "écrit")', "ccf"
    )


class CohortKeys(Table):
    title = "[[cohort]]"
    doc = "A group of apprentices who follow one programme together."
    id = Field(cells.slug, "id", _ID)
    programme = Field(cells.slug, "id", "the programme's id")
    name = Field(cells.text, "text", "shown in feeds and pages", default_doc="the id")
    start = Field(cells.day, "date", "first day of training")
    end = Field(cells.day, "date", "last day of training")
    rhythm = Field(cells.rhythm, "[weeks, weeks]", "weeks at the CFA, then weeks in the company, repeated", (1, 1))
    hours_per_week = Field(
        cells.hours(MAX_WEEK_HOURS), "hours", "CFA hours of a full week (Monday to Friday, equal days)", 35 * 60, "35"
    )
    max_consecutive_cfa_weeks = Field(
        cells.whole(1, MAX_WEEKS_IN_A_ROW), "whole number", "longest run of CFA weeks", default_doc="rhythm[0]"
    )
    max_consecutive_company_weeks = Field(
        cells.whole(1, MAX_WEEKS_IN_A_ROW),
        "whole number",
        "longest run of company weeks, closed weeks not counted",
        default_doc="rhythm[1]",
    )
    written_exams = Field(structured, "{start, end}", "national exam window, two dates", None)
    trainers = Field(structured, "{subject = trainer}", "the trainer of a subject taught by several", None)
    fixed = Field(structured, "tables", "`[[cohort.fixed]]`, below", None)
    exam = Field(structured, "tables", "`[[cohort.exam]]`, below", None)
    room = Field(cells.slug, "id", "the kind of room it needs (a `[[room]]` kind)", None)
    cfa_days = Field(
        structured,
        "list of weekdays",
        'the days of a CFA week, Monday to Saturday (e.g. `["monday", "tuesday", "wednesday", "thursday"]`, or '
        "French names); hours_per_week is split evenly over them, but for the days of `day_hours`",
        default_doc="Monday to Friday",
    )
    day_hours = Field(
        structured,
        "{weekday = hours}",
        "the CFA days not as long as the others, e.g. `{ saturday = 3.5 }` for a Saturday morning; the "
        "other days share what is left of hours_per_week evenly; a shorter day takes the first slots "
        "of `day_slots` that add up to it",
        None,
    )
    revision_days = Field(
        cells.whole(0, MAX_REVISION_DAYS),
        "whole number",
        "paid days to revise (Code du travail L6222-35): the last open weekdays before the first written "
        "exam day; no lessons and no company then",
        0,
    )


class WrittenExamsKeys(Table):
    title = "cohort.written_exams"
    doc = "The national exam window: written-exam subjects are finished before it starts."
    start = Field(cells.day, "date", "first day of the window")
    end = Field(cells.day, "date", "last day of the window")


FIXED_KINDS = {"cfa": "cfa", "company": "company", "entreprise": "company"}


class FixedKeys(Table):
    title = "[[cohort.fixed]]"
    doc = "Weeks the planner fixes (the rentrée, a mock-exam week, a trip); the solver plans the rest."
    start = Field(cells.day, "date", "the first fixed week is the one holding this day")
    end = Field(cells.day, "date", "the last fixed week is the one holding this day", default_doc="the start")
    kind = Field(cells.choice(FIXED_KINDS), "word", '"cfa" or "company" (also "entreprise")')
    reason = Field(cells.text, "text", "shown in feeds and pages", "")


class ExamKeys(Table):
    title = "[[cohort.exam]]"
    doc = (
        "Exam days, shown in the cohort's, its apprentices' and their companies' feeds. A written exam "
        "also ends the written-exam subjects' teaching, as `written_exams` does (its first day counts)."
    )
    name = Field(cells.text, "text", 'the event\'s SUMMARY, e.g. "Épreuve E2 — écrit"')
    kind = Field(cells.choice(EXAMS), "word", '"written" (also "écrit") or "ccf"', "written")
    start = Field(cells.day, "date", "first day")
    end = Field(cells.day, "date", "last day", default_doc="the start")


class CompanyKeys(Table):
    title = "[[company]]"
    doc = "A host company (also from a sheet, below)."
    id = Field(cells.slug, "id", _ID, headers=("identifiant", "code"))
    name = Field(cells.text, "text", "shown in its feed", default_doc="the id", headers=("nom",))
    peak = Field(structured, "tables", "`[[company.peak]]`, below", None)
    closure = Field(structured, "tables", "`[[company.closure]]`, below", None)
    address = Field(cells.text, "text", "the LOCATION of its apprentices' company weeks", "", headers=("adresse",))
    tutor = Field(
        cells.text,
        "text",
        "the maître d'apprentissage, named in the apprentice's feed",
        "",
        headers=("maître d'apprentissage", "tuteur"),
    )
    email = Field(cells.email, "e-mail", "where this company's notices go", "", headers=("courriel", "e-mail", "mail"))


class PeakKeys(Table):
    title = "[[company.peak]]"
    doc = "A busy season: keep the apprentices in the company."
    start = Field(cells.day, "date or month-day", 'first day; a month-day "12-01" when every_year')
    end = Field(cells.day, "date or month-day", 'last day; a month-day "12-31" when every_year')
    every_year = Field(cells.boolean, "true/false", "the season repeats every year (month-days)", False)
    weight = Field(cells.whole(1, MAX_WEIGHT), "whole number", "how much a CFA day inside it counts", 1)
    hard = Field(cells.boolean, "true/false", "never at the CFA then", False)


class CompanyClosureKeys(Table):
    title = "[[company.closure]]"
    doc = (
        "The company is closed (inclusive dates): its apprentices are on paid leave, so their cohorts have "
        "no CFA week then; their feeds show the leave."
    )
    name = Field(cells.text, "text", "shown in feeds and pages", "Fermeture")
    start = Field(cells.day, "date", "first closed day")
    end = Field(cells.day, "date", "last closed day", default_doc="the start")


class ApprenticeKeys(Table):
    title = "[[apprentice]]"
    doc = "An apprentice (also from a sheet, below)."
    id = Field(cells.slug, "id", _ID, headers=("identifiant", "code"))
    name = Field(cells.text, "text", "shown in feeds", default_doc="the id", headers=("nom",))
    cohort = Field(cells.slug, "id", "the cohort's id", headers=("promotion", "groupe"))
    company = Field(cells.slug, "id", "the company's id", headers=("entreprise", "employeur"))
    birth_date = Field(
        cells.day,
        "date",
        "for the 8 h a day of minors; never written to any output",
        None,
        headers=("date de naissance", "naissance"),
    )
    contract_start = Field(
        cells.day, "date", "up to 3 months before the cohort's start", headers=("début de contrat", "début contrat")
    )
    contract_end = Field(
        cells.day, "date", "up to 2 months after the cohort's end", headers=("fin de contrat", "fin contrat")
    )
    exempt = Field(
        cells.slugs,
        "ids",
        "subject ids the apprentice is exempted from (`,` or `;` in a cell)",
        (),
        headers=("dispenses",),
    )


class TrainerKeys(Table):
    title = "[[trainer]]"
    doc = "A trainer (also from a sheet, below)."
    id = Field(cells.slug, "id", _ID, headers=("identifiant", "code"))
    name = Field(cells.text, "text", "shown in feeds", default_doc="the id", headers=("nom",))
    subjects = Field(cells.slugs, "ids", "subject ids this trainer teaches", (), headers=("matières",))
    max_hours_per_week = Field(
        cells.hours(MAX_WEEK_HOURS),
        "hours",
        "at most this many hours a week",
        None,
        headers=("heures max par semaine",),
    )
    unavailable = Field(structured, "tables", "`[[trainer.unavailable]]`, below (not in a sheet)", None)


class UnavailableKeys(Table):
    title = "[[trainer.unavailable]]"
    doc = "A weekday every week, or dates (inclusive)."
    weekday = Field(cells.text, "weekday", "monday … friday (or lundi … vendredi)", None)
    start = Field(cells.day, "date", "first day away")
    end = Field(cells.day, "date", "last day away", default_doc="the start")


# --- spreadsheets ------------------------------------------------------------------------------

FIRST_NAME = Field(
    cells.text, "text", 'with `name`: the name is "First-name Name"', None, headers=("prénom",), key="first_name"
)


@dataclass(frozen=True)
class Sheet:
    """The columns of one list kept in a spreadsheet, and where its sheet is found in a workbook."""

    key: str  # the [plan] key that names the file
    names: tuple[str, ...]  # sheet names found without `#Sheet` (French first)
    columns: tuple[Field[Any], ...]
    required: tuple[str, ...]  # columns every row needs: without one, the rows are not read

    def by_header(self) -> dict[str, str]:
        """Every accepted header, folded, → its field key."""
        found: dict[str, str] = {}
        for f in self.columns:
            for header in (f.key, *f.headers):
                found[fold(header)] = f.key
        return found


def _column(key: str, field: Field[Any], doc: str, headers: tuple[str, ...], default_doc: str = "") -> Field[Any]:
    return Field(field.convert, field.kind, doc, field.default, default_doc or field.default_doc, headers, key)


COMPANIES = Sheet(
    "companies",
    ("Entreprises", "Companies"),
    (
        CompanyKeys.id,
        CompanyKeys.name,
        CompanyKeys.address,
        CompanyKeys.tutor,
        CompanyKeys.email,
        _column(
            "peak_start",
            PeakKeys.start,
            'a busy season\'s first day: a date, or with every_year a month-day "12-01", "01/12" (day first) or a date cell',
            ("début forte activité",),
            "no season",
        ),
        _column("peak_end", PeakKeys.end, "its last day", ("fin forte activité",), "no season"),
        _column("peak_weight", PeakKeys.weight, "its weight", ("poids",)),
        _column("peak_hard", PeakKeys.hard, "never at the CFA then", ("impérative",)),
        _column("peak_every_year", PeakKeys.every_year, "it repeats every year", ("chaque année",)),
        _column(
            "closure_start",
            CompanyClosureKeys.start,
            "a closure's first day (its apprentices on leave)",
            ("début fermeture", "début de fermeture"),
            "no closure",
        ),
        _column("closure_end", CompanyClosureKeys.end, "its last day", ("fin fermeture", "fin de fermeture")),
        _column("closure_name", CompanyClosureKeys.name, "its name", ("fermeture", "nom fermeture")),
    ),
    ("id",),
)
APPRENTICES = Sheet(
    "apprentices",
    ("Apprentis", "Apprentices"),
    (*(f for f in ApprenticeKeys.fields()), FIRST_NAME),
    ("id", "cohort", "company", "contract_start", "contract_end"),
)
TRAINERS = Sheet(
    "trainers",
    ("Formateurs", "Trainers"),
    (
        TrainerKeys.id,
        TrainerKeys.name,
        TrainerKeys.subjects,
        TrainerKeys.max_hours_per_week,
        FIRST_NAME,
    ),
    ("id",),
)
SHEETS = (COMPANIES, APPRENTICES, TRAINERS)
TABLES: tuple[type[Table], ...] = (
    PlanKeys,
    ClosureKeys,
    RoomKeys,
    ProgrammeKeys,
    SubjectKeys,
    CohortKeys,
    WrittenExamsKeys,
    FixedKeys,
    ExamKeys,
    CompanyKeys,
    PeakKeys,
    CompanyClosureKeys,
    ApprenticeKeys,
    TrainerKeys,
    UnavailableKeys,
)
TOP_KEYS = {"plan", "closure", "room", "programme", "cohort", "company", "apprentice", "trainer"}


# --- the reference -----------------------------------------------------------------------------

REFERENCE_INTRO = """\
# Plan file reference

Generated from `src/alternance/plan/schema.py` (the loader's own fields) by
`python -m alternance.plan.schema > docs/plan-reference.md`; a test fails when it is stale.
A plan is a TOML file (UTF-8; dates are TOML dates, `2025-09-01`, year first and unquoted).
Every invalid value is one line `file: place: what is wrong`, exit 2. An unknown key, column,
id or word gets "did you mean …?" when one known name is close.

Types: **id** lowercase letters, digits and `-`; **text** a string; **date** a TOML date, or
`2025-09-01`, `01/09/2025`, `01/09/25` (day first; two-digit years 00-29 are 2000-2029, 30-99
are 1930-1999) or a workbook's date cell; **hours** a number, `12,5` or `12.5`, a whole number of
minutes; **true/false** also vrai/faux, oui/non, 1/0, x (an empty cell is the default);
**ids** a list, or in a cell ids separated by `,`, `;` or spaces.

Numbers are bounded so that the solver's integer models always hold them: hours of a programme
or subject at most {total} h, of a week at most {week} h; a peak's weight at most {weight}; runs
of weeks at most {run}; a rhythm's numbers 1 to 52; `max_cohorts_at_cfa` at most {cohorts}.
"""

SHEETS_INTRO = """\
## Spreadsheets

`companies`, `apprentices` and `trainers` in `[plan]` may name a `.csv`, `.xlsx` or `.ods` file
in the plan's folder (or below it; at most 40 MB, and 400 MB unzipped). `file.xlsx#Sheet` names a sheet; without it
the sheet is found by its name below (any case, accents or not), or is the only sheet. The first
row that is not empty names the columns: the English field name or a French header, in any case,
with or without accents, with spaces or underscores. Empty rows are skipped; an empty cell is the
default. CSV: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or cp1252
(said on stderr: « lu en cp1252 »), separated by `;`, `,` or tab, whichever the header uses.
"""


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|")


def reference() -> str:
    """docs/plan-reference.md, from the fields above."""
    lines = [
        REFERENCE_INTRO.format(
            total=MAX_TOTAL_HOURS,
            week=MAX_WEEK_HOURS,
            weight=MAX_WEIGHT,
            run=MAX_WEEKS_IN_A_ROW,
            cohorts=MAX_COHORTS_AT_CFA,
        )
    ]
    for table in TABLES:
        lines += [f"## `{table.title}`", "", table.doc, "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for f in table.fields():
            lines.append(f"| `{f.key}` | {f.kind} | {f.default_text()} | {_cell_text(f.doc)} |")
        lines.append("")
    lines.append(SHEETS_INTRO)
    for sheet in SHEETS:
        names = " or ".join(f"`{n}`" for n in sheet.names)
        lines += [
            f"### `{sheet.key}` (sheet {names})",
            "",
            "| column | French headers | type | default | meaning |",
            "|---|---|---|---|---|",
        ]
        for f in sheet.columns:
            french = ", ".join(f"`{h}`" for h in f.headers) or "–"
            lines.append(f"| `{f.key}` | {french} | {f.kind} | {f.default_text()} | {_cell_text(f.doc)} |")
        if sheet is COMPANIES:
            lines += [
                "",
                "One row per busy season or closure: rows that repeat an id (with the same name) add seasons and "
                "closures.",
            ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
