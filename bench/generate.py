"""Synthetic plans for the benchmark: `generate_plan(n_cohorts, seed, trainers)` returns the TOML
text of a valid plan shaped like constraints/charmilles-agora.toml, only bigger.

* one programme of 1350 h (subjects summing to 1320 h, the rest is "Accompagnement");
* n cohorts, half starting 2024-09-02 (ending 2026-06-26), half starting 2025-09-01 (ending
  2027-06-25), rhythm [1, 1], at most 2 CFA weeks and 3 company weeks in a row;
* max_cohorts_at_cfa = ceil(60 % of n): the cohorts really share the classrooms (a cohort needs
  about 54 % of its open weeks at the CFA, and every cohort has the same closed weeks), yet the
  plan stays feasible;
* about 10 companies per cohort (8 to 12), each with one or two realistic busy seasons repeated
  every year (weights 1 to 3), a few short hard peaks (at most one hard-peak company per cohort,
  the "two weeks before Christmas" kind of the seed plan), and one apprentice per company.

With `trainers` (an int), the plan also asks for lessons, like the seed plan:

* `day_slots = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]` (7 h a day, 35 h a week);
* the programme's subjects are the AGOrA brochure table of /work/shared/DOMAIN.md (1340 h, every
  subject a multiple of 10 h; 10 h of "Accompagnement");
* that many [[trainer]]s shared by all cohorts: each subject has 2 or 3 trainers; each cohort
  names its trainer for every subject (`trainers = {...}`), the least loaded of that subject's
  trainers (over the cycle, then in the cohort's intake); of all 2^12 choices of 2 or 3 trainers
  per subject (subjects dealt largest share first to the least loaded trainer, every trainer
  teaching something), the one with the most even hours per trainer is kept;
* max_hours_per_week from 18 to 30: 1.5 times the trainer's busiest plausible week (its
  largest weekly rates over at most max_cohorts_at_cfa cohorts), rounded up to even hours;
* about a quarter of the trainers whose busiest week is at most 16 h are away one weekday every
  week, and about a quarter of all trainers are away once for 1 to 3 weeks (Monday to Friday)
  between October 2025 and March 2026, when both intakes are at the CFA.

Everything is drawn from `random.Random(seed)` (the trainers from a second generator, so that the
rhythm part of a lessons plan is the rhythm-only plan's): the same arguments give the same text.
Feasibility of a lessons plan: `python bench/check_lessons.py 10 --trainers 25` finds a complete
timetable that breaks no hard rule (checked by `broken_lesson_rules`) for the 10-cohort,
25-trainer plan of seed 0; the default build does not (see bench/results.md).

    python bench/generate.py 10 --seed 0 > /tmp/synth-10.toml
    python bench/generate.py 10 --trainers 25 --check
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

TOTAL_HOURS = 1350
SUBJECTS = (  # (id, name, hours, exam): 1320 h, so 30 h are "Accompagnement"
    ("maths", "Mathématiques", 120, "ccf"),
    ("eco-droit", "Économie-droit", 40, "written"),
    ("bloc-1", "Bloc 1 — Relations clients", 160, "ccf"),
    ("bloc-2", "Bloc 2 — Organiser et suivre la production", 240, "written"),
    ("bloc-3", "Bloc 3 — Administrer le personnel", 80, "ccf"),
    ("pse", "Prévention-santé-environnement", 80, "written"),
    ("langue", "Langue vivante", 180, "ccf"),
    ("francais", "Français", 120, "written"),
    ("histoire-geo", "Histoire-géographie et EMC", 80, "written"),
    ("arts", "Arts appliqués", 40, "ccf"),
    ("eps", "Éducation physique et sportive", 60, "ccf"),
    ("chef-oeuvre", "Chef-d'œuvre", 120, "ccf"),
)
assert sum(s[2] for s in SUBJECTS) <= TOTAL_HOURS
EXEMPTABLE = ("langue", "arts", "eps", "histoire-geo")

# (start, end) of each group of cohorts, and its national written-exam window.
INTAKES = (
    (date(2024, 9, 2), date(2026, 6, 26), (date(2026, 5, 18), date(2026, 6, 12))),
    (date(2025, 9, 1), date(2027, 6, 25), (date(2027, 5, 18), date(2027, 6, 11))),
)
CLOSURES = (  # the "Pont de l'Ascension" Fridays of the seed plan
    date(2025, 5, 30),
    date(2026, 5, 15),
    date(2027, 5, 7),
)
CAPACITY_SHARE = 0.6

# Sectors: a company name prefix and its busy seasons as (start "MM-DD", end "MM-DD", weight).
# Dates get a few days of jitter per company; a season may wrap over 31 December.
SECTORS = (
    ("Cabinet comptable", [("01-05", "04-30", 2)], [("05-01", "05-31", 1)]),
    ("Expertise & Conseil", [("01-10", "03-31", 3)], [("10-01", "10-31", 1)]),
    ("Boutique", [("12-01", "12-24", 2)], [("01-08", "02-04", 1), ("06-25", "07-22", 1)]),
    ("Chocolaterie", [("12-01", "12-31", 3)], [("03-20", "04-20", 1)]),
    ("Mairie", [("03-01", "04-15", 1)], [("09-01", "09-20", 1)]),
    ("Association sportive", [("09-01", "09-30", 1)], [("06-01", "06-20", 1)]),
    ("Transports", [("06-16", "06-30", 1)], [("12-26", "01-10", 2)]),
    ("Hôtel", [("06-15", "08-31", 2)], [("12-20", "01-05", 2)]),
    ("Station de ski", [("12-20", "03-31", 1)], []),
    ("Agence de voyages", [("01-05", "02-28", 2)], [("06-01", "06-30", 1)]),
    ("Domaine viticole", [("09-01", "10-15", 3)], []),
    ("Jardinerie", [("03-15", "05-31", 2)], []),
    ("Librairie-papeterie", [("08-16", "09-15", 3)], [("12-01", "12-24", 1)]),
    ("Cabinet RH", [("12-01", "01-31", 2)], []),
    ("Assurances", [("01-02", "01-31", 1)], [("09-15", "10-15", 1)]),
    ("Agence événementielle", [("05-01", "06-30", 2)], [("11-15", "12-20", 1)]),
    ("Centre des impôts", [("04-10", "06-10", 2)], []),
    ("Clinique", [("11-01", "11-30", 1)], []),
)
# Short hard peaks (never at the CFA): the seed plan's Christmas fortnight, and an inventory week.
HARD_PEAKS = (("12-15", "12-24"), ("06-22", "06-30"))
HARD_PEAK_COHORT_SHARE = 0.3  # share of cohorts with one hard-peak company

# Lessons plans (trainers=N): the seed plan's slots and the AGOrA brochure's subject table.
DAY_SLOTS = ("08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15")
LESSON_SUBJECTS = (  # (id, name, hours, exam): 1340 h, so 10 h are "Accompagnement"
    ("maths", "Mathématiques", 120, "ccf"),
    ("eco-droit", "Économie-droit", 40, "written"),
    ("bloc-1", "Bloc 1 — Relations clients, usagers, adhérents", 160, "ccf"),
    ("bloc-2", "Bloc 2 — Organiser et suivre la production", 240, "written"),
    ("bloc-3", "Bloc 3 — Administrer le personnel", 80, "ccf"),
    ("pse", "Prévention-santé-environnement", 80, "written"),
    ("langue", "Langue vivante", 180, "ccf"),
    ("francais", "Français", 120, "written"),
    ("histoire-geo", "Histoire-géographie et EMC", 80, "written"),
    ("arts", "Arts appliqués et cultures artistiques", 40, "ccf"),
    ("eps", "Éducation physique et sportive", 80, "ccf"),
    ("chef-oeuvre", "Chef-d'œuvre", 120, "ccf"),
)
assert sum(s[2] for s in LESSON_SUBJECTS) <= TOTAL_HOURS
assert all(s[2] % 10 == 0 for s in LESSON_SUBJECTS)
# CFA weeks in which a subject is taught, roughly (about 40 CFA weeks; written-exam subjects end
# in May of the second year): a subject's weekly hours are its hours over these.
TEACHING_WEEKS = {"ccf": 40, "written": 35}
MAX_WEEK_HOURS = (18, 30)
WEEKDAY_AWAY_SHARE = 0.25
RANGE_AWAY_SHARE = 0.25
WEEKDAY_AWAY_MAX_BUSIEST = 16  # hours: a trainer away one weekday keeps 4 days (16 slots, 28 h) a week
AWAY_WINDOW = (date(2025, 10, 6), date(2026, 3, 16))  # Mondays on which a date range may start
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")

FIRST_NAMES = (
    "Léa",
    "Yanis",
    "Chloé",
    "Nathan",
    "Inès",
    "Hugo",
    "Sarah",
    "Lucas",
    "Emma",
    "Louis",
    "Jade",
    "Gabriel",
    "Manon",
    "Adam",
    "Camille",
    "Arthur",
    "Zoé",
    "Rayan",
    "Lina",
    "Tom",
    "Anaïs",
    "Théo",
    "Mila",
    "Noah",
    "Clara",
    "Enzo",
    "Lou",
    "Mathis",
    "Nora",
    "Sacha",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Belkacem",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
)
TOWNS = (
    "Grenoble",
    "Échirolles",
    "Eybens",
    "Meylan",
    "Voiron",
    "Vizille",
    "Crolles",
    "Seyssinet",
    "Fontaine",
    "Saint-Égrève",
    "Sassenage",
    "Domène",
    "Pontcharra",
    "Chambéry",
    "Vienne",
)


def _s(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def _md(month_day: str, jitter: int, rng: random.Random) -> str:
    """Shift "MM-DD" by up to `jitter` days (in a non-leap year, so never "02-29")."""
    month, day = map(int, month_day.split("-"))
    shifted = date(2023, month, day) + timedelta(days=rng.randint(-jitter, jitter))
    return f"{shifted.month:02d}-{shifted.day:02d}"


def _peaks(rng: random.Random, sector: tuple, hard: tuple[str, str] | None) -> list[dict]:
    _, main, extra = sector
    chosen = [main[0]]
    if extra and rng.random() < 0.5:
        chosen.append(rng.choice(extra))
    peaks = []
    for start, end, base in chosen:
        weight = max(1, min(3, base + rng.choice((-1, 0, 0, 1))))
        peaks.append({"start": _md(start, 5, rng), "end": _md(end, 5, rng), "weight": weight})
    if hard is not None:
        peaks.append({"start": hard[0], "end": hard[1], "hard": True})
    return peaks


@dataclass
class TrainerDraft:
    id: str
    name: str
    subjects: list[str] = field(default_factory=list)
    cohorts: dict[str, list[str]] = field(default_factory=dict)  # subject -> cohort ids
    max_hours: int = MAX_WEEK_HOURS[0]
    weekday_away: str | None = None
    away: tuple[date, date] | None = None

    def weekly_rates(self) -> list[tuple[str, float]]:
        """(cohort id, hours a CFA week) of each class this trainer teaches."""
        hours = {sid: (h, exam) for sid, _, h, exam in LESSON_SUBJECTS}
        return [
            (cid, hours[sid][0] / TEACHING_WEEKS[hours[sid][1]]) for sid, cids in self.cohorts.items() for cid in cids
        ]

    def busiest_week(self, capacity: int) -> float:
        """Hours in a week when the trainer's heaviest cohorts (at most `capacity`) are all at the CFA."""
        per_cohort: dict[str, float] = {}
        for cid, rate in self.weekly_rates():
            per_cohort[cid] = per_cohort.get(cid, 0.0) + rate
        return sum(sorted(per_cohort.values(), reverse=True)[:capacity])

    def total_hours(self) -> int:
        hours = {sid: h for sid, _, h, _ in LESSON_SUBJECTS}
        return sum(hours[sid] * len(cids) for sid, cids in self.cohorts.items())


def _pack(shares: list[tuple[str, float]], n_trainers: int) -> tuple[list[list[str]], list[float]]:
    """Largest share first, each to the least loaded trainer who lacks that subject."""
    owners: list[list[str]] = [[] for _ in range(n_trainers)]
    load = [0.0] * n_trainers
    for sid, share in sorted(shares, key=lambda p: (-p[1], p[0])):
        k = min((k for k in range(n_trainers) if sid not in owners[k]), key=lambda k: (load[k], k))
        owners[k].append(sid)
        load[k] += share
    return owners, load


def _assign(
    owners: list[list[str]], cohort_ids: list[str], intake_of: dict[str, int]
) -> tuple[list[dict[str, list[str]]], list[int]]:
    """Each cohort's trainer for each subject (largest subjects first): the least loaded of that
    subject's trainers over the whole cycle, then in the cohort's intake (both intakes are at the
    CFA in 2025-2026, so this keeps a trainer's busiest week down). Returns, per trainer, subject
    -> cohort ids, and each trainer's hours over the cycle."""
    classes: list[dict[str, list[str]]] = [{} for _ in owners]
    total = [0] * len(owners)
    per_intake = [[0, 0] for _ in owners]
    for sid, _, hours, _ in sorted(LESSON_SUBJECTS, key=lambda s: -s[2]):
        teachers = [k for k, subjects in enumerate(owners) if sid in subjects]
        for cid in cohort_ids:
            intake = intake_of[cid]
            k = min(teachers, key=lambda k: (total[k], per_intake[k][intake], k))
            classes[k].setdefault(sid, []).append(cid)
            total[k] += hours
            per_intake[k][intake] += hours
    return classes, total


def _deal_subjects(
    n_trainers: int, cohort_ids: list[str], intake_of: dict[str, int]
) -> tuple[list[list[str]], list[dict[str, list[str]]]]:
    """Which subjects each trainer teaches, and to which cohorts. Each subject gets 2 or 3
    trainers: of every such choice that leaves no trainer without a subject, the subjects' shares
    are dealt largest first to the least loaded trainer, the classes assigned (`_assign`), and the
    choice with the most even hours wins (least sum of squares, then fewest pairs)."""
    ids = [sid for sid, *_ in LESSON_SUBJECTS]
    demand = {sid: len(cohort_ids) * h for sid, _, h, _ in LESSON_SUBJECTS}
    best = None
    for choice in itertools.product((2, 3), repeat=len(ids)):
        if sum(choice) < n_trainers:
            continue
        count = dict(zip(ids, choice))
        shares = [(sid, demand[sid] / count[sid]) for sid in ids for _ in range(count[sid])]
        owners, _ = _pack(shares, n_trainers)
        classes, total = _assign(owners, cohort_ids, intake_of)
        key = (sum(x * x for x in total), sum(choice))
        if best is None or key < best[0]:
            best = (key, owners, classes)
    assert best is not None
    return best[1], best[2]


def draft_trainers(
    n_trainers: int, cohort_ids: list[str], intake_of: dict[str, int], capacity: int, rng: random.Random
) -> list[TrainerDraft]:
    """Who teaches what, to whom, how much a week at most, and when they are away (see the module doc)."""
    n_subjects = len(LESSON_SUBJECTS)
    if not 2 <= n_trainers <= 3 * n_subjects:
        raise ValueError(f"trainers must be between 2 and {3 * n_subjects} (2 or 3 trainers per subject)")
    owners, classes = _deal_subjects(n_trainers, cohort_ids, intake_of)
    drafts = [
        TrainerDraft(
            f"t-{k + 1:02d}",
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            subjects=owners[k],
            cohorts=classes[k],
        )
        for k in range(n_trainers)
    ]
    low, high = MAX_WEEK_HOURS
    for t in drafts:
        wanted = 1.5 * t.busiest_week(capacity)
        t.max_hours = max(low, min(high, 2 * math.ceil(wanted / 2)))
    # Unavailabilities: a weekday only for trainers whose busiest week fits in 4 days with room to
    # spare; a date range independently.
    mondays = (AWAY_WINDOW[1] - AWAY_WINDOW[0]).days // 7
    for t in drafts:
        if rng.random() < WEEKDAY_AWAY_SHARE and t.busiest_week(capacity) <= WEEKDAY_AWAY_MAX_BUSIEST:
            t.weekday_away = rng.choice(WEEKDAYS)
        if rng.random() < RANGE_AWAY_SHARE:
            start = AWAY_WINDOW[0] + timedelta(weeks=rng.randint(0, mondays))
            t.away = (start, start + timedelta(days=7 * rng.randint(1, 3) - 3))  # Monday to Friday
    return drafts


def generate_plan(n_cohorts: int, seed: int = 0, trainers: int | None = None) -> str:
    """The TOML text of a valid synthetic plan with `n_cohorts` cohorts, deterministic from `seed`;
    with `trainers` (an int), it also asks for lessons taught by that many shared trainers."""
    if n_cohorts < 1:
        raise ValueError("n_cohorts must be at least 1")
    rng = random.Random(seed)
    plan_id = plan_name(n_cohorts, seed, trainers)
    capacity = max(1, math.ceil(CAPACITY_SHARE * n_cohorts))
    first_group = (n_cohorts + 1) // 2  # the odd cohort, if any, starts in 2024
    cohort_ids = [f"c{ci + 1:03d}-{INTAKES[0 if ci < first_group else 1][0].year}" for ci in range(n_cohorts)]
    drafts: list[TrainerDraft] = []
    if trainers is not None:
        intake_of = {cid: 0 if ci < first_group else 1 for ci, cid in enumerate(cohort_ids)}
        drafts = draft_trainers(trainers, cohort_ids, intake_of, capacity, random.Random(f"trainers-{seed}"))
    subjects = LESSON_SUBJECTS if trainers is not None else SUBJECTS
    out: list[str] = [
        f"# Synthetic benchmark plan: {n_cohorts} cohort(s), seed {seed} (bench/generate.py).",
        "",
        "[plan]",
        f"id = {_s(plan_id)}",
        f"name = {_s(f'Banc d’essai · {n_cohorts} promotions (graine {seed})')}",
        f"site = {_s('CFA synthétique, Grenoble')}",
        'timezone = "Europe/Paris"',
        'public_holidays = "metropole"',
        'school_holidays_zone = "A"',
        f"max_cohorts_at_cfa = {capacity}",
    ]
    if trainers is not None:
        out.append("day_slots = [" + ", ".join(_s(slot) for slot in DAY_SLOTS) + "]")
    out += [""]
    for day in CLOSURES:
        out += ["[[closure]]", f"name = {_s('Pont de l’Ascension')}", f"start = {day}", f"end = {day}", ""]
    out += [
        "[[programme]]",
        'id = "agora"',
        f"name = {_s('Bac pro AGOrA')}",
        f"total_hours = {TOTAL_HOURS}",
    ]
    for sid, name, hours, exam in subjects:
        out += [
            "[[programme.subject]]",
            f"id = {_s(sid)}",
            f"name = {_s(name)}",
            f"hours = {hours}",
            f"exam = {_s(exam)}",
        ]
    out.append("")

    companies: list[str] = []
    apprentices: list[str] = []
    for ci in range(n_cohorts):
        start, end, exams = INTAKES[0 if ci < first_group else 1]
        cid = cohort_ids[ci]
        out += [
            "[[cohort]]",
            f"id = {_s(cid)}",
            'programme = "agora"',
            f"name = {_s(f'AGOrA {start.year}-{end.year} groupe {ci + 1}')}",
            f"start = {start}",
            f"end = {end}",
            "rhythm = [1, 1]",
            "hours_per_week = 35",
            "max_consecutive_cfa_weeks = 2",
            "max_consecutive_company_weeks = 3",
            f"written_exams = {{ start = {exams[0]}, end = {exams[1]} }}",
        ]
        if drafts:
            mine = {sid: t.id for t in drafts for sid, cids in t.cohorts.items() if cid in cids}
            out.append(
                "trainers = { " + ", ".join(f"{_s(sid)} = {_s(mine[sid])}" for sid, *_ in LESSON_SUBJECTS) + " }"
            )
        out.append("")
        n_companies = rng.randint(8, 12)
        hard_at = rng.randrange(n_companies) if rng.random() < HARD_PEAK_COHORT_SHARE else None
        hard_kind = rng.choice(HARD_PEAKS)
        for k in range(n_companies):
            sector = rng.choice(SECTORS)
            company_id = f"{cid}-e{k + 1:02d}"
            name = f"{sector[0]} {rng.choice(LAST_NAMES)} ({rng.choice(TOWNS)})"
            companies += ["[[company]]", f"id = {_s(company_id)}", f"name = {_s(name)}"]
            for peak in _peaks(rng, sector, hard_kind if k == hard_at else None):
                companies += [
                    "[[company.peak]]",
                    "every_year = true",
                    f"start = {_s(peak['start'])}",
                    f"end = {_s(peak['end'])}",
                ]
                if peak.get("hard"):
                    companies.append("hard = true")
                else:
                    companies.append(f"weight = {peak['weight']}")
            companies.append("")
            contract_start = start - timedelta(days=rng.choice((0, 0, 0, 7, 14, 28, 56)))
            contract_end = end + timedelta(days=rng.choice((0, 0, 4, 14, 35)))
            birth = date(start.year - rng.randint(16, 22), rng.randint(1, 12), rng.randint(1, 28))
            exempt = rng.sample(EXEMPTABLE, rng.choice((0, 0, 0, 0, 1, 2)))
            apprentices += [
                "[[apprentice]]",
                f"id = {_s(f'{cid}-a{k + 1:02d}')}",
                f"name = {_s(f'{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}')}",
                f"cohort = {_s(cid)}",
                f"company = {_s(company_id)}",
                f"birth_date = {birth}",
                f"contract_start = {contract_start}",
                f"contract_end = {contract_end}",
                "exempt = [" + ", ".join(_s(e) for e in exempt) + "]",
                "",
            ]
    lines = out + companies + apprentices
    for t in drafts:
        lines += [
            "[[trainer]]",
            f"id = {_s(t.id)}",
            f"name = {_s(t.name)}",
            "subjects = [" + ", ".join(_s(sid) for sid in t.subjects) + "]",
            f"max_hours_per_week = {t.max_hours}",
        ]
        if t.weekday_away:
            lines += ["[[trainer.unavailable]]", f"weekday = {_s(t.weekday_away)}"]
        if t.away:
            lines += ["[[trainer.unavailable]]", f"start = {t.away[0]}", f"end = {t.away[1]}"]
        lines.append("")
    return "\n".join(lines)


def plan_name(n_cohorts: int, seed: int = 0, trainers: int | None = None) -> str:
    """The plan id (and file stem): synth-<n>-s<seed>, or synth-<n>-t<trainers>-s<seed>."""
    return f"synth-{n_cohorts}-s{seed}" if trainers is None else f"synth-{n_cohorts}-t{trainers}-s{seed}"


def write_plan(n_cohorts: int, folder: Path, seed: int = 0, trainers: int | None = None) -> Path:
    """Write the plan to `folder/<plan id>.toml` and return its path."""
    path = Path(folder) / f"{plan_name(n_cohorts, seed, trainers)}.toml"
    path.write_text(generate_plan(n_cohorts, seed, trainers), encoding="utf-8")
    return path


def validate(n_cohorts: int, seed: int = 0, trainers: int | None = None):
    """Load the generated plan with the real loader (raises PlanError if invalid); return the Plan."""
    from alternance.plan.loader import load_plans

    with tempfile.TemporaryDirectory() as tmp:
        (plan,) = load_plans([write_plan(n_cohorts, Path(tmp), seed, trainers)])
    return plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_cohorts", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--trainers", type=int, default=None, help="also ask for lessons, taught by this many shared trainers"
    )
    parser.add_argument(
        "--check", action="store_true", help="load it with alternance.plan.loader and print a summary instead"
    )
    args = parser.parse_args(argv)
    if args.check:
        plan = validate(args.n_cohorts, args.seed, args.trainers)
        print(
            f"{plan.id}: ok — {len(plan.cohorts)} cohorts, {len(plan.companies)} companies, "
            f"{len(plan.apprentices)} apprentices, max_cohorts_at_cfa = {plan.max_cohorts_at_cfa}, "
            f"{len(plan.trainers)} trainers, {len(plan.day_slots)} day slots"
        )
        if plan.trainers:
            assigned: dict[str, list[tuple[str, str]]] = {}
            for (cid, sid), tid in plan.assignments:
                assigned.setdefault(tid, []).append((cid, sid))
            hours = {s.id: s.minutes // 60 for p in plan.programmes for s in p.subjects}
            for t in plan.trainers:
                mine = assigned.get(t.id, [])
                away = ", ".join(
                    WEEKDAYS[u.weekday] if u.weekday is not None else f"{u.start}..{u.end}" for u in t.unavailable
                )
                print(
                    f"  {t.id}: {'+'.join(t.subjects)}; {len(mine)} classes, {sum(hours[s] for _, s in mine)} h "
                    f"over the cycle; max {t.max_week_minutes // 60} h/week; away: {away or '-'}"
                )
        return
    sys.stdout.write(generate_plan(args.n_cohorts, args.seed, args.trainers))


if __name__ == "__main__":
    main()
