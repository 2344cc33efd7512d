"""The loader turns every invalid input into one line: the file, the place, what is wrong."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from alternance.errors import PlanError, Problem
from alternance.plan.loader import load_plans
from helpers import DROP, END, MINI, START, load, make_plan, problems

SEED = Path(__file__).resolve().parents[1] / "constraints" / "charmilles-agora.toml"


def only_problem(path: Path, place: str, *words: str) -> Problem:
    """The plan fails with exactly one problem, at `place`, in `path`, whose message has `words`."""
    found = problems(path)
    assert [p.place for p in found] == [place], "\n".join(map(str, found))
    return has_problem(path, place, *words, found=found)


def has_problem(path: Path, place: str, *words: str, found: list[Problem] | None = None) -> Problem:
    """The plan fails with a problem at `place`, in `path`, whose message has `words`.

    For an invalid programme, cohort or company, whose later uses are checked separately
    (see the tests of cascades below)."""
    found = problems(path) if found is None else found
    at_place = [p for p in found if p.place == place]
    assert len(at_place) == 1, "\n".join(map(str, found))
    (problem,) = at_place
    assert problem.file == str(path)
    for word in words:
        assert word.lower() in problem.message.lower(), str(problem)
    assert str(problem) == f"{path}: {place}: {problem.message}"
    assert "\n" not in str(problem)
    return problem


def test_the_tiny_default_plan_loads(tmp_path):
    plan = load(make_plan(tmp_path))
    assert [c.id for c in plan.cohorts] == ["c1"]
    assert plan.programme("prog").total_minutes == 140 * 60
    assert plan.cohort("c1").week_minutes == 35 * 60


def test_the_seed_plan_loads():
    (plan,) = load_plans([SEED])
    assert plan.id == "charmilles-agora"
    assert plan.school_holidays_zone == "A"
    rows = (SEED.parent / "apprentices.csv").read_text(encoding="utf-8").strip().splitlines()[1:]
    assert sorted(a.id for a in plan.apprentices) == sorted(row.split(",")[0] for row in rows)
    agora = plan.programme("agora")
    assert agora.total_minutes == 1350 * 60
    assert agora.subject_minutes == 1340 * 60  # the brochure's 10 h gap stays visible
    assert agora.accompaniment_minutes == 10 * 60


# --- bad TOML ---------------------------------------------------------------------------------


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[plan]\nid = "x"\nname = \nsite = "y"\n', encoding="utf-8")
    (problem,) = problems(path)
    assert problem.file == str(path)
    assert "line 3" in str(problem)
    assert "toml" in str(problem).lower()


def test_toml_that_ends_inside_a_value_names_the_last_line(tmp_path):
    # tomllib says only "at end of document" for an unclosed array: the planner still gets a line.
    path = tmp_path / "unclosed.toml"
    path.write_text('[plan]\nid = "x"\nday_slots = ["08:30-10:30",\n\n', encoding="utf-8")
    (problem,) = problems(path)
    assert problem.place == "line 4 (end of file)"
    assert "never closed" in problem.message


def test_a_missing_plan_file_is_one_problem(tmp_path):
    path = tmp_path / "nowhere.toml"
    (problem,) = problems(path)
    assert problem.file == str(path)


# --- unknown and duplicate ids --------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, place, word",
    [
        ({"cohort": {"programme": "nope"}}, "cohort[c1].programme", "nope"),
        ({"apprentice": {"cohort": "nope"}}, "apprentice[a-1].cohort", "nope"),
        ({"apprentice": {"company": "nope"}}, "apprentice[a-1].company", "nope"),
    ],
    ids=["programme", "cohort", "company"],
)
def test_unknown_ids(tmp_path, overrides, place, word):
    only_problem(make_plan(tmp_path, **overrides), place, "unknown", word)


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"programmes": [{}, {}]}, "programme[prog].id"),
        ({"cohorts": [{}, {}]}, "cohort[c1].id"),
        ({"companies": [{}, {}]}, "company[acme].id"),
        ({"apprentices": [{}, {}]}, "apprentice[a-1].id"),
        (
            {"programme": {"subject": [{"id": "maths", "hours": 10}, {"id": "maths", "hours": 20}]}},
            "programme[prog].subject[maths].id",
        ),
    ],
    ids=["programme", "cohort", "company", "apprentice", "subject"],
)
def test_duplicate_ids(tmp_path, overrides, place):
    only_problem(make_plan(tmp_path, **overrides), place, "duplicate")


def test_ids_must_be_slugs(tmp_path):
    has_problem(
        make_plan(tmp_path, company={"id": "Acme SA"}, apprentice={"company": "acme"}), "company[1].id", "Acme SA"
    )


# --- hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [0, -10, 0.0, float("nan"), float("inf")], ids=["zero", "negative", "zero-float", "nan", "inf"]
)
@pytest.mark.parametrize(
    "overrides, place",
    [
        (lambda v: {"programme": {"total_hours": v}}, "programme[prog].total_hours"),
        (lambda v: {"programme": {"subject": [{"id": "maths", "hours": v}]}}, "programme[prog].subject[maths].hours"),
        (lambda v: {"cohort": {"hours_per_week": v}}, "cohort[c1].hours_per_week"),
    ],
    ids=["total_hours", "subject", "hours_per_week"],
)
def test_hours_must_be_positive(tmp_path, overrides, place, value):
    has_problem(make_plan(tmp_path, **overrides(value)), place)


def test_subject_hours_above_total_hours(tmp_path):
    path = make_plan(tmp_path, programme={"total_hours": 50, "subject": [{"id": "maths", "hours": 60}]})
    only_problem(path, "programme[prog].subject", "60", "50")


def test_hours_per_week_must_split_into_five_days(tmp_path):
    # 0.1 h = 6 min a week does not make 5 days of whole minutes.
    has_problem(make_plan(tmp_path, cohort={"hours_per_week": 0.1}), "cohort[c1].hours_per_week")


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"cohort": {"start": END, "end": START}}, "cohort[c1].end"),
        ({"closures": [{"start": date(2025, 10, 10), "end": date(2025, 10, 3)}]}, "closure[1].end"),
        ({"company": {"peak": [{"start": date(2025, 10, 10), "end": date(2025, 10, 3)}]}}, "company[acme].peak[1].end"),
        ({"apprentice": {"contract_start": END, "contract_end": START}}, "apprentice[a-1].contract_end"),
        (
            {"cohort": {"written_exams": {"start": date(2025, 10, 20), "end": date(2025, 10, 6)}}},
            "cohort[c1].written_exams.end",
        ),
    ],
    ids=["cohort", "closure", "peak", "contract", "written-exams"],
)
def test_reversed_dates(tmp_path, overrides, place):
    has_problem(make_plan(tmp_path, **overrides), place, "before")


def test_a_datetime_is_not_a_date(tmp_path):
    path = make_plan(tmp_path, closures=[{"start": datetime(2025, 10, 3, 8, 0), "end": date(2025, 10, 3)}])
    only_problem(path, "closure[1].start", "date")


@pytest.mark.parametrize(
    "overrides",
    [
        {"closures": [{"start": date(2025, 10, 10), "end": date(2025, 10, 3)}]},
        {"company": {"peak": [{"start": date(2025, 10, 10), "end": date(2025, 10, 3)}]}},
        {"apprentice": {"contract_start": END, "contract_end": START}},
        {"cohort": {"written_exams": {"start": date(2025, 10, 20), "end": date(2025, 10, 6)}}},
    ],
    ids=["closure", "peak", "contract", "written-exams"],
)
def test_reversed_dates_are_one_line(tmp_path, overrides):
    assert len(problems(make_plan(tmp_path, **overrides))) == 1


# --- an invalid item is reported once, not again as "unknown" wherever it is used ------------


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"programme": {"total_hours": 0}}, "programme[prog].total_hours"),
        ({"programme": {"total_hours": -10}}, "programme[prog].total_hours"),
        ({"cohort": {"hours_per_week": 0}}, "cohort[c1].hours_per_week"),
        ({"cohort": {"start": END, "end": START}}, "cohort[c1].end"),
        ({"cohort": {"rhythm": [0, 1]}}, "cohort[c1].rhythm"),
    ],
    ids=["total-hours-zero", "total-hours-negative", "hours-per-week", "cohort-dates", "rhythm"],
)
def test_invalid_item_is_not_also_unknown(tmp_path, overrides, place):
    found = problems(make_plan(tmp_path, **overrides))
    assert [p.place for p in found] == [place], "\n".join(map(str, found))


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"apprentice": {"contract_start": DROP}}, "apprentice[a-1].contract_start"),
        ({"closures": [{"start": DROP, "end": START}]}, "closure[1].start"),
        ({"company": {"peak": [{"start": START, "end": DROP}]}}, "company[acme].peak[1].end"),
        ({"programme": {"total_hours": DROP}}, "programme[prog].total_hours"),
        ({"cohort": {"start": DROP}}, "cohort[c1].start"),
    ],
    ids=["contract_start", "closure", "peak", "total_hours", "cohort-start"],
)
def test_missing_keys(tmp_path, overrides, place):
    has_problem(make_plan(tmp_path, **overrides), place, "missing")


# --- zones and holiday sets -----------------------------------------------------------------


def test_unknown_school_holidays_zone(tmp_path):
    only_problem(make_plan(tmp_path, {"school_holidays_zone": "D"}), "plan.school_holidays_zone", "'D'")


def test_unknown_public_holidays(tmp_path):
    only_problem(make_plan(tmp_path, {"public_holidays": "belgique"}), "plan.public_holidays", "belgique")


def test_cohort_after_the_school_holiday_data(tmp_path):
    cohort = {"start": date(2028, 6, 5), "end": date(2028, 9, 29)}
    contract = {"contract_start": date(2028, 6, 5), "contract_end": date(2028, 9, 29)}
    path = make_plan(tmp_path, {"school_holidays_zone": "A"}, cohort=cohort, apprentice=contract)
    only_problem(path, "cohort[c1].end", "2028-08-31")
    # Without school holidays, the same dates are fine.
    assert load(make_plan(tmp_path, {"school_holidays_zone": "none"}, cohort=cohort, apprentice=contract))


def test_cohort_ending_on_the_last_day_of_the_data_loads(tmp_path):
    cohort = {"start": date(2028, 6, 5), "end": date(2028, 8, 31)}
    contract = {"contract_start": date(2028, 6, 5), "contract_end": date(2028, 8, 31)}
    assert load(make_plan(tmp_path, {"school_holidays_zone": "A"}, cohort=cohort, apprentice=contract))


# --- contracts and exemptions ---------------------------------------------------------------


def test_contract_may_start_three_months_before_and_end_two_months_after(tmp_path):
    path = make_plan(tmp_path, apprentice={"contract_start": date(2025, 6, 1), "contract_end": date(2025, 12, 31)})
    assert load(path).apprentices[0].contract_start == date(2025, 6, 1)


def test_contract_starting_too_early(tmp_path):
    path = make_plan(tmp_path, apprentice={"contract_start": date(2025, 5, 31)})
    only_problem(path, "apprentice[a-1].contract_start", "3 months", "2025-06-01")


def test_contract_ending_too_late(tmp_path):
    path = make_plan(tmp_path, apprentice={"contract_end": date(2026, 1, 1)})
    only_problem(path, "apprentice[a-1].contract_end", "2 months", "2025-12-31")


def test_exemption_from_an_unknown_subject(tmp_path):
    only_problem(make_plan(tmp_path, apprentice={"exempt": ["latin"]}), "apprentice[a-1].exempt", "latin")


def test_exemption_from_a_known_subject(tmp_path):
    assert load(make_plan(tmp_path, apprentice={"exempt": ["maths"]})).apprentices[0].exempt == ("maths",)


# --- peaks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["13-01", "1-5", "12/01", "02-30", "12-01-2025"])
@pytest.mark.parametrize("key", ["start", "end"])
def test_malformed_month_day_peak(tmp_path, bad, key):
    peak = {"every_year": True, "start": "12-01", "end": "12-31", key: bad}
    only_problem(make_plan(tmp_path, company={"peak": [peak]}), f"company[acme].peak[1].{key}", bad)


def test_month_day_peak_over_new_year_loads(tmp_path):
    peak = {"every_year": True, "start": "12-15", "end": "01-10", "weight": 3, "hard": True}
    (company,) = load(make_plan(tmp_path, company={"peak": [peak]})).companies
    assert company.peak_weight(date(2025, 12, 20)) == 3
    assert company.hard_peak(date(2026, 1, 5))
    assert not company.hard_peak(date(2026, 1, 11))


def test_fixed_peak_outside_every_cohort(tmp_path):
    peak = {"start": date(2026, 1, 5), "end": date(2026, 1, 9)}
    only_problem(make_plan(tmp_path, company={"peak": [peak]}), "company[acme].peak[1]", "outside")


def test_fixed_peak_overlapping_the_cohort_loads(tmp_path):
    peak = {"start": date(2025, 10, 27), "end": date(2026, 1, 9)}  # overlaps the last week only
    assert load(make_plan(tmp_path, company={"peak": [peak]})).companies[0].peaks


# --- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"plan": {"colour": "red"}}, "plan.colour"),
        ({"cohort": {"colour": "red"}}, "cohort[c1].colour"),
        (
            {"programme": {"subject": [{"id": "maths", "hours": 10, "colour": "red"}]}},
            "programme[prog].subject[maths].colour",
        ),
        ({"company": {"colour": "red"}}, "company[acme].colour"),
        ({"company": {"peak": [{"start": START, "end": END, "colour": "red"}]}}, "company[acme].peak[1].colour"),
        ({"apprentice": {"colour": "red"}}, "apprentice[a-1].colour"),
        ({"closures": [{"start": START, "end": START, "colour": "red"}]}, "closure[1].colour"),
        ({"extra": '\n[[teacher]]\nid = "t"\n'}, "teacher"),
    ],
    ids=["plan", "cohort", "subject", "company", "peak", "apprentice", "closure", "top-level"],
)
def test_unknown_keys(tmp_path, overrides, place):
    overrides = dict(overrides)
    plan = overrides.pop("plan", None)
    only_problem(make_plan(tmp_path, plan, **overrides), place, "unknown")


# --- CSV lists ------------------------------------------------------------------------------

APPRENTICES_CSV = """id,name,cohort,company,birth_date,contract_start,contract_end,exempt
a-2,Yanis B,c1,acme,2007-11-02,2025-09-01,2025-10-31,
a-3,Chloé D,c1,acme,2006-03-21,2025-08-01,2025-12-01,maths
"""
COMPANIES_CSV = """id,name,peak_start,peak_end,peak_weight,peak_hard,peak_every_year
acme,Acme,,,,,
bolt,Bolt SARL,2025-09-15,2025-09-19,2,true,false
bolt,Bolt SARL,12-01,12-24,1,false,true
"""


def csv_plan(tmp_path, apprentices: str | None = APPRENTICES_CSV, companies: str | None = None) -> Path:
    head = {}
    if apprentices is not None:
        (tmp_path / "apprentices.csv").write_text(apprentices, encoding="utf-8")
        head["apprentices"] = "apprentices.csv"
    if companies is not None:
        (tmp_path / "companies.csv").write_text(companies, encoding="utf-8")
        head["companies"] = "companies.csv"
        return make_plan(tmp_path, head, companies=[], apprentices=[])
    return make_plan(tmp_path, head, apprentices=[])


def test_apprentices_and_companies_from_csv(tmp_path):
    plan = load(csv_plan(tmp_path, companies=COMPANIES_CSV))
    assert [a.id for a in plan.apprentices] == ["a-2", "a-3"]
    assert plan.apprentices[1].exempt == ("maths",)
    assert plan.apprentices[1].contract_start == date(2025, 8, 1)
    assert [c.id for c in plan.companies] == ["acme", "bolt"]
    bolt = plan.company("bolt")
    assert len(bolt.peaks) == 2  # one row per peak
    assert bolt.hard_peak(date(2025, 9, 17)) and bolt.peak_weight(date(2025, 9, 17)) == 2
    assert bolt.peak_weight(date(2026, 12, 10)) == 1 and not bolt.hard_peak(date(2026, 12, 10))


def test_semicolon_csv_from_a_french_spreadsheet(tmp_path):
    plan = load(csv_plan(tmp_path, apprentices=APPRENTICES_CSV.replace(",", ";")))
    assert [a.name for a in plan.apprentices] == ["Yanis B", "Chloé D"]


def test_csv_error_names_the_csv_file_and_its_row(tmp_path):
    path = csv_plan(tmp_path, APPRENTICES_CSV.replace("2025-12-01", "2025-13-01"))
    (problem,) = problems(path)
    assert problem.file == str(tmp_path / "apprentices.csv")
    assert "row 3" in problem.place and "contract_end" in problem.place
    assert "2025-13-01" in problem.message


def test_csv_unknown_company_names_the_csv_file_and_its_row(tmp_path):
    path = csv_plan(tmp_path, APPRENTICES_CSV.replace("c1,acme,2007", "c1,nope,2007"))
    (problem,) = problems(path)
    assert problem.file == str(tmp_path / "apprentices.csv")
    assert problem.place == "row 2: apprentice[a-2].company"
    assert "nope" in problem.message


def test_csv_contract_too_early_names_the_csv_row(tmp_path):
    path = csv_plan(tmp_path, APPRENTICES_CSV.replace("2025-08-01", "2025-05-01"))
    (problem,) = problems(path)
    assert problem.file == str(tmp_path / "apprentices.csv")
    assert problem.place == "row 3: apprentice[a-3].contract_start"


def test_csv_duplicate_apprentice_names_the_csv_file_and_its_row(tmp_path):
    path = csv_plan(tmp_path, APPRENTICES_CSV.replace("a-3,", "a-2,"))
    (problem,) = problems(path)
    assert "duplicate" in problem.message
    assert problem.file == str(tmp_path / "apprentices.csv"), str(problem)
    assert "row 3" in problem.place, str(problem)


def test_csv_unknown_column_is_one_problem(tmp_path):
    text = (
        APPRENTICES_CSV.replace("exempt\n", "exempt,colour\n").replace(",\n", ",,\n").replace(",maths\n", ",maths,\n")
    )
    found = problems(csv_plan(tmp_path, text))
    assert len(found) == 1, "\n".join(map(str, found))
    assert found[0].file == str(tmp_path / "apprentices.csv")
    assert "colour" in str(found[0])


def test_company_csv_bad_peak_names_the_csv_file_and_its_row(tmp_path):
    path = csv_plan(tmp_path, companies=COMPANIES_CSV.replace("12-01,12-24,1", "13-01,12-24,1"))
    (problem,) = problems(path)
    assert problem.file == str(tmp_path / "companies.csv")
    assert "row 4" in problem.place and "start" in problem.place
    assert "13-01" in problem.message


def test_missing_csv_file(tmp_path):
    path = make_plan(tmp_path, {"apprentices": "missing.csv"})
    only_problem(path, "plan.apprentices", "missing.csv", "not found")


# --- odd values get a problem, never a traceback ---------------------------------------------


@pytest.mark.parametrize(
    "overrides, place",
    [
        ({"cohort": {"id": ["c1"]}}, "cohort[1].id"),
        ({"programme": {"id": {"name": "prog"}}}, "programme[1].id"),
    ],
    ids=["list-id", "table-id"],
)
def test_an_id_that_is_not_a_string(tmp_path, overrides, place):
    has_problem(make_plan(tmp_path, **overrides), place, "string")


@pytest.mark.parametrize("csv_path", ["", ".", "data"], ids=["empty", "dot", "folder"])
def test_a_csv_path_that_is_a_folder(tmp_path, csv_path):
    (tmp_path / "data").mkdir()
    found = problems(make_plan(tmp_path, {"apprentices": csv_path}))
    assert [p.place for p in found] == ["plan.apprentices"], "\n".join(map(str, found))


@pytest.mark.parametrize(
    "cohort",
    [
        {"start": date(2025, 9, 1), "end": date(9999, 12, 1)},
        {"start": date(1, 1, 2), "end": date(2025, 10, 31)},
    ],
    ids=["year-9999", "year-1"],
)
def test_dates_at_the_ends_of_the_calendar(tmp_path, cohort):
    path = make_plan(
        tmp_path, cohort=cohort, apprentice={"contract_start": cohort["start"], "contract_end": cohort["end"]}
    )
    try:
        load_plans([path])
    except PlanError:
        pass  # a problem is a fine answer; any other exception is a traceback for the planner


# --- several problems at once ---------------------------------------------------------------


def test_several_problems_are_reported_together(tmp_path):
    path = make_plan(
        tmp_path,
        {"school_holidays_zone": "D"},
        closures=[{"start": date(2025, 10, 10), "end": date(2025, 10, 3)}],
        company={"colour": "red"},
        apprentice={"exempt": ["latin"], "contract_end": date(2026, 3, 1)},
    )
    found = problems(path)
    assert sorted(p.place for p in found) == sorted(
        [
            "plan.school_holidays_zone",
            "closure[1].end",
            "company[acme].colour",
            "apprentice[a-1].exempt",
            "apprentice[a-1].contract_end",
        ]
    )
    assert all(p.file == str(path) for p in found)
    with pytest.raises(PlanError) as caught:
        load_plans([path])
    assert str(caught.value).count("\n") == len(found) - 1  # one line each


def test_problems_of_several_files_are_reported_together(tmp_path):
    first = make_plan(tmp_path, {"public_holidays": "belgique"}, name="one.toml")
    second = make_plan(tmp_path, {"id": "two"}, name="two.toml", cohort={"programme": "nope"})
    found = problems_of_many([first, second])
    assert {(p.file, p.place) for p in found} == {
        (str(first), "plan.public_holidays"),
        (str(second), "cohort[c1].programme"),
    }


def test_ids_shared_across_plan_files(tmp_path):
    first = make_plan(tmp_path, name="one.toml")
    second = make_plan(tmp_path, {"id": "two"}, name="two.toml")
    places = {p.place for p in problems_of_many([first, second])}
    assert places == {"cohort[c1].id", "company[acme].id", "apprentice[a-1].id"}


def problems_of_many(paths: list[Path]) -> list[Problem]:
    with pytest.raises(PlanError) as caught:
        load_plans(paths)
    return caught.value.problems


# --- a complete small plan kept as files ----------------------------------------------------


def test_the_mini_plan_loads_with_its_csv_lists():
    plan = load(MINI)
    assert [c.id for c in plan.cohorts] == ["mini-a", "mini-b"]
    assert plan.max_cohorts_at_cfa == 1
    assert [a.id for a in plan.apprentices] == ["m-001", "m-002", "m-003", "m-004"]
    assert plan.apprentices[1].exempt == ("maths",)
    boutique = plan.company("boutique")
    assert len(boutique.peaks) == 2
    assert boutique.hard_peak(date(2025, 12, 18)) and not boutique.hard_peak(date(2025, 12, 10))
    assert boutique.peak_weight(date(2025, 12, 10)) == 2
    assert plan.company("mairie").peaks == ()
    assert plan.programme("shorter").subjects == ()
    assert plan.programme("short").accompaniment_minutes == 10 * 60


# --- any wrong TOML type is one line, never a traceback --------------------------------------

WRONG_VALUES = [[1, 2], {"a": 1}, True, 3, 2.5, date(2025, 9, 1), "x", [{"a": 1}], ["t-a"]]


def _each_key():
    from alternance.plan.schema import TABLES

    for table in TABLES:
        for key in sorted(table.keys()):
            yield table.title, key


def _plan_with(tmp_path: Path, title: str, key: str, value) -> Path:
    """The tiny plan, with lessons, whose `title` table has `key = value`."""
    lessons = {"day_slots": ["08:00-11:30", "12:30-16:00"]}
    trainer = '\n[[trainer]]\nid = "t-a"\nsubjects = ["maths"]\n'
    peak = {"start": START, "end": END}
    match title:
        case "[plan]":
            return make_plan(tmp_path, {**lessons, key: value}, extra=trainer)
        case "[[closure]]":
            return make_plan(tmp_path, closures=[{"start": START, key: value}])
        case "[[programme.subject]]":
            return make_plan(
                tmp_path, lessons, programme={"subject": [{"id": "maths", "hours": 20, key: value}]}, extra=trainer
            )
        case "cohort.written_exams":
            return make_plan(tmp_path, cohort={"written_exams": {"start": START, "end": END, key: value}})
        case "[[company.peak]]":
            return make_plan(tmp_path, company={"peak": [{**peak, key: value}]})
        case "[[company.closure]]":
            return make_plan(tmp_path, company={"closure": [{"start": START, key: value}]})
        case "[[room]]":
            room = {"kind": "informatique", "count": 1, key: value}
            return make_plan(tmp_path, extra="\n[[room]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in room.items()))
        case "[[cohort.exam]]":
            return make_plan(tmp_path, cohort={"exam": [{"name": "Écrit", "start": START, key: value}]})
        case "[[cohort.fixed]]":
            return make_plan(tmp_path, cohort={"fixed": [{"start": START, "kind": "cfa", key: value}]})
        case "[[trainer]]":
            return make_plan(tmp_path, lessons, extra=trainer + f"{key} = {_toml(value)}\n")
        case "[[trainer.unavailable]]":
            return make_plan(tmp_path, lessons, extra=trainer + f"[[trainer.unavailable]]\n{key} = {_toml(value)}\n")
        case "[[cohort]]":
            return make_plan(tmp_path, lessons, cohort={key: value}, extra=trainer)
    kind = title.strip("[]")
    return make_plan(tmp_path, lessons, **{kind: {key: value}}, extra=trainer)


@pytest.mark.parametrize("title, key", list(_each_key()))
def test_a_wrong_type_anywhere_is_a_problem_not_a_traceback(tmp_path, title, key):
    for value in WRONG_VALUES:
        try:
            load_plans([_plan_with(tmp_path, title, key, value)], note=lambda _: None)
        except PlanError as error:
            assert all("\n" not in str(p) for p in error.problems)


def test_a_trainer_given_as_a_list_in_cohort_trainers(tmp_path):
    path = make_plan(tmp_path, cohort={"trainers": {"maths": ["t-a"]}})
    only_problem(path, "cohort[c1].trainers.maths", "one trainer id")


def _toml(value) -> str:
    from helpers import _value

    return _value(value)


def test_cohort_trainers_written_as_a_list_is_one_line(tmp_path):
    only_problem(make_plan(tmp_path, cohort={"trainers": ["t-a"]}), "cohort[c1].trainers", "must be a table")


@pytest.mark.parametrize(
    "overrides, place, maximum",
    [
        ({"programme": {"total_hours": 1e308}}, "programme[prog].total_hours", "10000 h"),
        ({"programme": {"total_hours": 10**15}}, "programme[prog].total_hours", "10000 h"),
        ({"cohort": {"hours_per_week": 10**15}}, "cohort[c1].hours_per_week", "168 h"),
        (
            {"company": {"peak": [{"start": START, "end": END, "weight": 10**15}]}},
            "company[acme].peak[1].weight",
            "1000",
        ),
        ({"cohort": {"max_consecutive_cfa_weeks": 10**15}}, "cohort[c1].max_consecutive_cfa_weeks", "520"),
        ({"cohort": {"rhythm": [10**15, 1]}}, "cohort[c1].rhythm", "52"),
    ],
    ids=["hours-1e308", "hours-1e15", "week-hours", "weight", "max-cfa", "rhythm"],
)
def test_numbers_beyond_what_the_solver_holds_name_the_maximum(tmp_path, overrides, place, maximum):
    only_problem(make_plan(tmp_path, **overrides), place, maximum)


def test_a_french_date_in_toml_says_how_to_write_it(tmp_path):
    path = make_plan(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("start = 2025-09-01", "start = 01/09/2025", 1))
    (problem,) = problems(path)
    assert problem.message.endswith("year first, without quotes: 2025-09-01, not 01/09/2025"), str(problem)
    assert problem.place.startswith("line ")
    path.write_text(
        path.read_text(encoding="utf-8").replace("start = 01/09/2025", "start = 2025-09-01")
        + "written_exams = { start = 20-10-2025, end = 2025-10-24 }\n"
    )
    (problem,) = problems(path)
    assert problem.message.endswith("2025-10-20, not 20-10-2025"), str(problem)


def test_an_invalid_subject_is_not_also_unknown_where_it_is_used(tmp_path):
    programme = {"subject": [{"id": "maths", "hours": 20, "exam": "oral"}]}
    found = problems(make_plan(tmp_path, programme=programme, apprentice={"exempt": ["maths"]}))
    assert [p.place for p in found] == ["programme[prog].subject[maths].exam"]
    assert "'ccf' or 'written'" in found[0].message


def test_exam_accepts_the_french_word(tmp_path):
    programme = {"subject": [{"id": "maths", "hours": 20, "exam": "écrit"}]}
    assert load(make_plan(tmp_path, programme=programme)).programme("prog").subjects[0].exam == "written"


def test_an_unknown_key_gets_a_did_you_mean(tmp_path):
    only_problem(
        make_plan(tmp_path, cohort={"hours_per_weeks": 35}),
        "cohort[c1].hours_per_weeks",
        "did you mean 'hours_per_week'",
    )


def test_an_unknown_id_gets_a_did_you_mean(tmp_path):
    only_problem(make_plan(tmp_path, apprentice={"cohort": "c11"}), "apprentice[a-1].cohort", "did you mean 'c1'")
