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
from ..i18n import N_, _, speaking

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
    text: str  # English, marked N_() for the catalogue; said in the current language
    values: Values = lambda plan, rule: {}
    # A condition the lessons need of the weeks is checked on the timetable, by these rules' checks.
    checked_by: tuple[RuleKind, ...] = ()

    def sentence(self, plan: Plan, rule: Rule, lang: Lang | None = None) -> str:
        with speaking(lang):
            return _(self.text).format(
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
        "kind": _("at the CFA") if fix.kind == "cfa" else _("in the company"),
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
_FIT_PARTS: tuple[tuple[str, str], ...] = (
    ("written_exams", N_("before the written exams")),
    (".unavailable", N_("on the days its trainer is there")),
    ("max_hours_per_week", N_("within its trainer's max_hours_per_week")),
)


def _written(plan: Plan, rule: Rule) -> Mapping[str, object]:
    cohort = plan.cohort(rule.about("cohort"))
    written = sum(s.minutes for s in plan.programme(cohort.programme).subjects if s.exam == "written")
    first = cohort.written_exams[0].isoformat() if cohort.written_exams else "?"
    return {"hours": hours(written), "first": first}


def _subject_fit(plan: Plan, rule: Rule) -> Mapping[str, object]:
    place = rule.place.replace(".exam[", ".written_exams[")  # a written exam day: the same limit
    present = [part for part in _FIT_PARTS if part[0] in place]
    return {"parts": ", ".join([_("4 h a day at most"), *(_(text) for _key, text in present)])}


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
            N_("the weeks and lessons published before --today kept as they were"),
        ),
        RuleSpec(
            RuleKind.OPEN_WEEKS,
            "rhythm",
            "[[closure]], plan.school_holidays_zone, plan.public_holidays",
            False,
            N_("CFA weeks only where the CFA is open, with the hours of their open days"),
        ),
        RuleSpec(
            RuleKind.HOURS_MIN,
            "rhythm",
            "programme[<id>].total_hours",
            True,
            N_("{cohort} reaching its {target}"),
            _hours_min,
        ),
        RuleSpec(
            RuleKind.HOURS_MAX,
            "rhythm",
            "programme[<id>].total_hours",
            True,
            N_("{cohort} staying under {limit} (less than one CFA week above its target)"),
            _hours_max,
        ),
        RuleSpec(
            RuleKind.MAX_CFA,
            "rhythm",
            "cohort[<id>].max_consecutive_cfa_weeks",
            True,
            N_("at most {n} CFA weeks in a row ({place})"),
            _max_cfa,
        ),
        RuleSpec(
            RuleKind.MAX_COMPANY,
            "rhythm",
            "cohort[<id>].max_consecutive_company_weeks",
            True,
            N_("at most {n} company weeks in a row ({place})"),
            _max_company,
        ),
        RuleSpec(
            RuleKind.HARD_PEAK,
            "rhythm",
            "company[<id>].peak (hard = true)",
            True,
            N_("no CFA week during the hard peak of {company} ({peaks})"),
            _hard_peak,
        ),
        RuleSpec(
            RuleKind.COMPANY_CLOSURE,
            "rhythm",
            "company[<id>].closure",
            True,
            N_(
                "no CFA week for {cohort} while {company} is closed and its apprentices on leave ({name}, {start} to {end}: {place})"
            ),
            _company_closure,
        ),
        RuleSpec(
            RuleKind.FIXED,
            "rhythm",
            "cohort[<id>].fixed",
            True,
            N_("{cohort}'s weeks from {start} to {end} fixed {kind} ({why}{place})"),
            _fixed,
        ),
        RuleSpec(
            RuleKind.ROOM,
            "rhythm",
            "room[<kind>].count",
            True,
            N_("at most {n} of the cohorts needing room kind {kind} ({needing}) at the CFA in one week ({place})"),
            _room,
        ),
        RuleSpec(
            RuleKind.CAPACITY,
            "rhythm",
            "plan.max_cohorts_at_cfa",
            True,
            N_("at most {n} cohort(s) at the CFA in one week ({place})"),
            _capacity,
        ),
        RuleSpec(
            RuleKind.SLOTS,
            "rhythm",
            "plan.day_slots",
            True,
            N_("the hours beyond {cohort}'s subjects filling whole lesson slots ({slots}: {place})"),
            _slots,
            checked_by=(RuleKind.DAY_FILL, RuleKind.SUBJECT_HOURS),
        ),
        RuleSpec(
            RuleKind.WRITTEN,
            "rhythm",
            "cohort[<id>].written_exams or a written [[cohort.exam]]",
            True,
            N_("{cohort}'s written-exam subjects ({hours}) taught before its written exams start on {first}"),
            _written,
            checked_by=(RuleKind.EXAMS, RuleKind.SUBJECT_HOURS),
        ),
        RuleSpec(
            RuleKind.SUBJECT_FIT,
            "rhythm",
            "programme[<id>].subject[<id>].hours",
            True,
            N_("{cohort}'s {subject} hours fitting its CFA weeks ({parts}: {place})"),
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
            N_("trainer[{trainer}] teaching their hours within max_hours_per_week in the CFA weeks of their cohorts"),
            checked_by=(RuleKind.SUBJECT_HOURS, RuleKind.UNAVAILABLE, RuleKind.ONE_PLACE, RuleKind.TRAINER_MAX),
        ),
        RuleSpec(
            RuleKind.DAY_FILL,
            "lessons",
            "plan.day_slots",
            False,
            N_("each CFA day filled with whole lesson slots, one activity per slot"),
        ),
        RuleSpec(
            RuleKind.UNDER18,
            "lessons",
            "apprentice.birth_date",
            True,
            N_("at most 8 h a day for {cohort}'s apprentices under 18"),
        ),
        RuleSpec(
            RuleKind.SUBJECT_HOURS,
            "lessons",
            "programme[<id>].subject[<id>].hours",
            True,
            N_("{cohort} must get exactly {hours} of {subject} ({place})"),
            _subject_hours,
        ),
        RuleSpec(
            RuleKind.SUBJECT_DAY_LIMIT,
            "lessons",
            SUBJECT_DAY_LIMIT_PLACE,
            True,
            N_("at most 4 h of one subject a day"),
        ),
        RuleSpec(
            RuleKind.SUBJECT_TRAINER,
            "lessons",
            "cohort[<id>].trainers",
            False,
            N_("each subject taught by its trainer, the accompaniment hours by none"),
        ),
        RuleSpec(
            RuleKind.UNAVAILABLE,
            "lessons",
            "trainer[<id>].unavailable",
            True,
            N_("trainer[{trainer}] is away on some days ({place})"),
        ),
        RuleSpec(
            RuleKind.EXAMS,
            "lessons",
            "cohort[<id>].written_exams or a written [[cohort.exam]]",
            True,
            N_("{cohort}'s written-exam subjects end before its written exams ({place})"),
        ),
        RuleSpec(
            RuleKind.ONE_PLACE,
            "lessons",
            "trainer[<id>]",
            False,
            N_("a trainer in one place at a time"),
        ),
        RuleSpec(
            RuleKind.TRAINER_MAX,
            "lessons",
            "trainer[<id>].max_hours_per_week",
            True,
            N_("{trainer} teaches at most {limit} a week ({place})"),
            _trainer_max,
        ),
    )
}


def describe(plan: Plan, rule: Rule, lang: Lang | None = None) -> str:
    """The sentence that explains one rule of the plan, with its numbers, in `lang` (by default
    the language of the messages, `i18n.current()`)."""
    return RULES[rule.kind].sentence(plan, rule, lang)
