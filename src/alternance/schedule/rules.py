"""The plan's hard rules, one entry each: its kind, the stage that holds it, where the planner
wrote it, and the sentence that explains it with its numbers, in English and French.

Pure Python. The registry `RULES` is the one list of hard rules: the CP-SAT models declare which
kinds each of their `add_*` functions holds (solver/rhythm.py, solver/lessons.py), the
plain-Python checkers declare which kinds each check tests (schedule/rhythm.py,
schedule/lessons.py), explanations call `describe`, and tests/test_layout.py checks that every
kind has a model, a check and a sentence. The model and the check stay in two modules on
purpose: the check is an independent model of the same rule, so that a bug in one is caught by
the other."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from ..domain import Plan, hours, monday_of
from ..i18n import current

Lang = Literal["en", "fr"]


class RuleKind(StrEnum):
    """Every kind of hard rule a calendar obeys."""

    # The week rhythm.
    PAST = "past"  # what was published before --today stays as it was
    OPEN_WEEKS = "open_weeks"  # CFA weeks only where the CFA is open, with the hours of their open days
    HOURS_MIN = "hours_min"
    HOURS_MAX = "hours_max"
    MAX_CFA = "max_cfa"
    MAX_COMPANY = "max_company"
    HARD_PEAK = "hard_peak"
    COMPANY_CLOSURE = "company_closure"  # apprentices on leave while their company is closed
    FIXED = "fixed"  # weeks the planner fixed at the CFA or in the company
    CAPACITY = "capacity"
    ROOM = "room"  # rooms of a kind that some cohorts need
    # What the lessons need of the weeks (the rhythm model holds them so that lessons fit).
    SLOTS = "slots"
    WRITTEN = "written"
    SUBJECT_FIT = "subject_fit"
    TRAINER_FIT = "trainer_fit"
    # The lessons.
    DAY_FILL = "day_fill"
    UNDER18 = "under18"
    SUBJECT_HOURS = "subject_hours"
    SUBJECT_DAY_LIMIT = "subject_day_limit"
    SUBJECT_TRAINER = "subject_trainer"
    UNAVAILABLE = "unavailable"
    EXAMS = "exams"
    ONE_PLACE = "one_place"
    TRAINER_MAX = "trainer_max"


# Not a key of the plan file but a rule of the diploma's organisation, named as planners say it.
SUBJECT_DAY_LIMIT_PLACE = "at most 4 h of one subject a day"


@dataclass(frozen=True)
class Rule:
    """One instance of a plan-file rule that a guard literal can switch off: its kind, where the
    planner wrote it, and what it is about (the fields an explanation needs, never re-parsed)."""

    kind: RuleKind
    place: str  # e.g. "cohort[agora-2024].max_consecutive_cfa_weeks"
    cohort: str | None = None
    company: str | None = None
    trainer: str | None = None
    subject: str | None = None
    week: date | None = None  # a Monday
    room: str | None = None  # a `[[room]]` kind
    minutes: int | None = None  # the figure the rule asks for here (e.g. a subject's hours still owed)

    def about(self, name: str) -> str:
        """The cohort, company, trainer or subject this rule is about; it must have one."""
        value = getattr(self, name)
        if not isinstance(value, str):
            raise ValueError(f"rule {self.key} is not about one {name}")
        return value

    @property
    def key(self) -> str:
        """A stable name, e.g. "max_cfa[agora-2024]" or "trainer_max[t-brun,2025-10-13]"."""
        fields = (self.cohort, self.company, self.trainer, self.subject, self.week, self.room)
        parts = [str(p) for p in fields if p is not None]
        return f"{self.kind}[{','.join(parts)}]" if parts else str(self.kind)


Values = Callable[[Plan, Rule], Mapping[str, object]]


@dataclass(frozen=True)
class RuleSpec:
    """One hard rule: its kind, the stage whose model and check hold it, the plan-file key it
    comes from, whether a guard can switch it off in an explanation, and its sentence: a template
    per language filled with `values(plan, rule)` (names and hours, never solver choices)."""

    kind: RuleKind
    stage: Literal["rhythm", "lessons"]
    key: str  # where in the plan file, e.g. "cohort[<id>].max_consecutive_cfa_weeks"
    guarded: bool
    en: str
    fr: str
    values: Values = lambda plan, rule: {}
    # A condition the lessons need of the weeks is checked on the timetable, by these rules' checks.
    checked_by: tuple[RuleKind, ...] = ()

    def sentence(self, plan: Plan, rule: Rule, lang: Lang | None = None) -> str:
        template = self.fr if (lang or current()) == "fr" else self.en
        return template.format(
            place=rule.place,
            cohort=rule.cohort,
            company=rule.company,
            trainer=rule.trainer,
            subject=rule.subject,
            week=rule.week,
            **self.values(plan, rule),
        )


def _target(plan: Plan, rule: Rule) -> int:
    return plan.programme(plan.cohort(rule.about("cohort")).programme).total_minutes


def _hours_min(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"target": hours(_target(plan, rule))}


def _hours_max(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"limit": hours(_target(plan, rule) + plan.cohort(rule.about("cohort")).week_minutes)}


def _max_cfa(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"n": plan.cohort(rule.about("cohort")).max_consecutive_cfa_weeks}


def _max_company(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"n": plan.cohort(rule.about("cohort")).max_consecutive_company_weeks}


def _hard_peak(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"peaks": "; ".join(p.label() for p in plan.company(rule.about("company")).peaks if p.hard)}


def _company_closure(plan: Plan, rule: Rule) -> Mapping[str, object]:
    company = plan.company(rule.about("company"))
    closure = next(c for c in company.closures if rule.week is None or monday_of(c.start) == rule.week)
    return {"name": closure.name, "start": closure.start.isoformat(), "end": closure.end.isoformat()}


def _fixed(plan: Plan, rule: Rule) -> Mapping[str, object]:
    fix = next(f for f in plan.cohort(rule.about("cohort")).fixed if f.covers(rule.week or f.start))
    return {
        "kind_en": "at the CFA" if fix.kind == "cfa" else "in the company",
        "kind_fr": "au CFA" if fix.kind == "cfa" else "en entreprise",
        "start": fix.start.isoformat(),
        "end": fix.end.isoformat(),
        "why": f"{fix.reason}; " if fix.reason else "",
    }


def _room(plan: Plan, rule: Rule) -> Mapping[str, object]:
    kind = rule.about("room")
    needing = ", ".join(c.id for c in plan.cohorts if c.room == kind)
    return {"n": next(r.count for r in plan.rooms if r.kind == kind), "kind": kind, "needing": needing}


def _capacity(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"n": plan.max_cohorts_at_cfa}


# The limits that make one subject's hours fit its CFA weeks, by the plan key that sets each.
_FIT_PARTS: tuple[tuple[str, str, str], ...] = (
    ("written_exams", "before the written exams", "avant les épreuves écrites"),
    (".unavailable", "on the days its trainer is there", "les jours où son formateur est là"),
    ("max_hours_per_week", "within its trainer's max_hours_per_week", "dans le max_hours_per_week de son formateur"),
)


def _written(plan: Plan, rule: Rule) -> Mapping[str, object]:
    cohort = plan.cohort(rule.about("cohort"))
    written = sum(s.minutes for s in plan.programme(cohort.programme).subjects if s.exam == "written")
    first = cohort.written_exams[0].isoformat() if cohort.written_exams else "?"
    return {"hours": hours(written), "first": first}


def _subject_fit(plan: Plan, rule: Rule) -> Mapping[str, object]:
    place = rule.place.replace(".exam[", ".written_exams[")  # a written exam day: the same limit
    present = [part for part in _FIT_PARTS if part[0] in place]
    return {
        "parts_en": ", ".join(["4 h a day at most", *(en for _, en, _ in present)]),
        "parts_fr": ", ".join(["4 h par jour au plus", *(fr for _, _, fr in present)]),
    }


def _subject_hours(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"hours": hours(rule.minutes or 0)}


def _trainer_max(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"limit": hours(plan.trainer(rule.about("trainer")).max_week_minutes or 0)}


def _slots(plan: Plan, rule: Rule) -> Mapping[str, object]:
    return {"slots": ", ".join(hours(s.minutes) for s in plan.day_slots)}


RULES: dict[RuleKind, RuleSpec] = {
    spec.kind: spec
    for spec in (
        RuleSpec(
            RuleKind.PAST,
            "rhythm",
            "--today",
            False,
            "the weeks and lessons published before --today kept as they were",
            "les semaines et les cours publiés avant --today gardés tels quels",
        ),
        RuleSpec(
            RuleKind.OPEN_WEEKS,
            "rhythm",
            "[[closure]], plan.school_holidays_zone, plan.public_holidays",
            False,
            "CFA weeks only where the CFA is open, with the hours of their open days",
            "des semaines au CFA seulement quand le CFA est ouvert, avec les heures de leurs jours ouverts",
        ),
        RuleSpec(
            RuleKind.HOURS_MIN,
            "rhythm",
            "programme[<id>].total_hours",
            True,
            "{cohort} reaching its {target}",
            "{cohort} atteignant ses {target}",
            _hours_min,
        ),
        RuleSpec(
            RuleKind.HOURS_MAX,
            "rhythm",
            "programme[<id>].total_hours",
            True,
            "{cohort} staying under {limit} (less than one CFA week above its target)",
            "{cohort} restant sous {limit} (moins d'une semaine de CFA au-delà de son objectif)",
            _hours_max,
        ),
        RuleSpec(
            RuleKind.MAX_CFA,
            "rhythm",
            "cohort[<id>].max_consecutive_cfa_weeks",
            True,
            "at most {n} CFA weeks in a row ({place})",
            "au plus {n} semaines de CFA d'affilée ({place})",
            _max_cfa,
        ),
        RuleSpec(
            RuleKind.MAX_COMPANY,
            "rhythm",
            "cohort[<id>].max_consecutive_company_weeks",
            True,
            "at most {n} company weeks in a row ({place})",
            "au plus {n} semaines en entreprise d'affilée ({place})",
            _max_company,
        ),
        RuleSpec(
            RuleKind.HARD_PEAK,
            "rhythm",
            "company[<id>].peak (hard = true)",
            True,
            "no CFA week during the hard peak of {company} ({peaks})",
            "aucune semaine de CFA pendant la forte activité impérative de {company} ({peaks})",
            _hard_peak,
        ),
        RuleSpec(
            RuleKind.COMPANY_CLOSURE,
            "rhythm",
            "company[<id>].closure",
            True,
            "no CFA week for {cohort} while {company} is closed and its apprentices on leave ({name}, {start} to "
            "{end}: {place})",
            "aucune semaine de CFA pour {cohort} pendant la fermeture de {company}, ses apprentis en congés ({name}, "
            "du {start} au {end} : {place})",
            _company_closure,
        ),
        RuleSpec(
            RuleKind.FIXED,
            "rhythm",
            "cohort[<id>].fixed",
            True,
            "{cohort}'s weeks from {start} to {end} fixed {kind_en} ({why}{place})",
            "les semaines de {cohort} du {start} au {end} fixées {kind_fr} ({why}{place})",
            _fixed,
        ),
        RuleSpec(
            RuleKind.ROOM,
            "rhythm",
            "room[<kind>].count",
            True,
            "at most {n} of the cohorts needing room kind {kind} ({needing}) at the CFA in one week ({place})",
            "au plus {n} des promotions qui ont besoin d'une salle {kind} ({needing}) au CFA la même semaine ({place})",
            _room,
        ),
        RuleSpec(
            RuleKind.CAPACITY,
            "rhythm",
            "plan.max_cohorts_at_cfa",
            True,
            "at most {n} cohort(s) at the CFA in one week ({place})",
            "au plus {n} promotion(s) au CFA la même semaine ({place})",
            _capacity,
        ),
        RuleSpec(
            RuleKind.SLOTS,
            "rhythm",
            "plan.day_slots",
            True,
            "the hours beyond {cohort}'s subjects filling whole lesson slots ({place})",
            "les heures au-delà des matières de {cohort} remplissant des créneaux entiers ({slots} : {place})",
            _slots,
            checked_by=(RuleKind.DAY_FILL, RuleKind.SUBJECT_HOURS),
        ),
        RuleSpec(
            RuleKind.WRITTEN,
            "rhythm",
            "cohort[<id>].written_exams or a written [[cohort.exam]]",
            True,
            "{cohort}'s written-exam subjects ({hours}) taught before its written exams start on {first}",
            "les matières à l'écrit de {cohort} ({hours}) enseignées avant ses épreuves écrites du {first}",
            _written,
            checked_by=(RuleKind.EXAMS, RuleKind.SUBJECT_HOURS),
        ),
        RuleSpec(
            RuleKind.SUBJECT_FIT,
            "rhythm",
            "programme[<id>].subject[<id>].hours",
            True,
            "{cohort}'s {subject} hours fitting its CFA weeks ({parts_en}: {place})",
            "les heures de {subject} de {cohort} tenant dans ses semaines de CFA ({parts_fr} : {place})",
            _subject_fit,
            checked_by=(
                RuleKind.SUBJECT_HOURS,
                RuleKind.SUBJECT_DAY_LIMIT,
                RuleKind.UNAVAILABLE,
                RuleKind.EXAMS,
                RuleKind.TRAINER_MAX,
            ),
        ),
        RuleSpec(
            RuleKind.TRAINER_FIT,
            "rhythm",
            "trainer[<id>].max_hours_per_week",
            True,
            "trainer[{trainer}] teaching their hours within max_hours_per_week in the CFA weeks of their cohorts",
            "trainer[{trainer}] donnant ses heures dans son max_hours_per_week pendant les semaines de CFA de ses "
            "promotions",
            checked_by=(RuleKind.SUBJECT_HOURS, RuleKind.UNAVAILABLE, RuleKind.ONE_PLACE, RuleKind.TRAINER_MAX),
        ),
        RuleSpec(
            RuleKind.DAY_FILL,
            "lessons",
            "plan.day_slots",
            False,
            "each CFA day filled with whole lesson slots, one activity per slot",
            "chaque journée au CFA remplie de créneaux entiers, une activité par créneau",
        ),
        RuleSpec(
            RuleKind.UNDER18,
            "lessons",
            "apprentice.birth_date",
            True,
            "at most 8 h a day for {cohort}'s apprentices under 18",
            "au plus 8 h par jour pour les apprentis mineurs de {cohort}",
        ),
        RuleSpec(
            RuleKind.SUBJECT_HOURS,
            "lessons",
            "programme[<id>].subject[<id>].hours",
            True,
            "{cohort} must get exactly {hours} of {subject} ({place})",
            "{cohort} doit recevoir exactement {hours} de {subject} ({place})",
            _subject_hours,
        ),
        RuleSpec(
            RuleKind.SUBJECT_DAY_LIMIT,
            "lessons",
            SUBJECT_DAY_LIMIT_PLACE,
            True,
            "at most 4 h of one subject a day",
            "au plus 4 h d'une même matière par jour",
        ),
        RuleSpec(
            RuleKind.SUBJECT_TRAINER,
            "lessons",
            "cohort[<id>].trainers",
            False,
            "each subject taught by its trainer, the accompaniment hours by none",
            "chaque matière donnée par son formateur, l'accompagnement sans formateur",
        ),
        RuleSpec(
            RuleKind.UNAVAILABLE,
            "lessons",
            "trainer[<id>].unavailable",
            True,
            "trainer[{trainer}] is away on some days ({place})",
            "trainer[{trainer}] est absent certains jours ({place})",
        ),
        RuleSpec(
            RuleKind.EXAMS,
            "lessons",
            "cohort[<id>].written_exams or a written [[cohort.exam]]",
            True,
            "{cohort}'s written-exam subjects end before its written exams ({place})",
            "les matières à l'écrit de {cohort} se terminent avant ses épreuves écrites ({place})",
        ),
        RuleSpec(
            RuleKind.ONE_PLACE,
            "lessons",
            "trainer[<id>]",
            False,
            "a trainer in one place at a time",
            "un formateur à un seul endroit à la fois",
        ),
        RuleSpec(
            RuleKind.TRAINER_MAX,
            "lessons",
            "trainer[<id>].max_hours_per_week",
            True,
            "{trainer} teaches at most {limit} a week ({place})",
            "{trainer} enseigne au plus {limit} par semaine ({place})",
            _trainer_max,
        ),
    )
}


def describe(plan: Plan, rule: Rule, lang: Lang | None = None) -> str:
    """The sentence that explains one rule of the plan, with its numbers, in `lang` (by default
    the language of the messages, `i18n.current()`)."""
    return RULES[rule.kind].sentence(plan, rule, lang)
