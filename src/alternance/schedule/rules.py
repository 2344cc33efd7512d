"""The plan's hard rules by kind: what each one is about, where the planner wrote it, and the
sentence that explains it. Pure Python: the solver adds them to its models (solver/rhythm.py,
solver/lessons.py), the checkers test answers against them (schedule/rhythm.py,
schedule/lessons.py), and explanations loop over `MEANING` to say what a clash means."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ..domain import Plan, hours


class RuleKind(StrEnum):
    """Every kind of hard rule that comes from the plan file (and can be guarded)."""

    # The week rhythm.
    HOURS_MIN = "hours_min"
    HOURS_MAX = "hours_max"
    MAX_CFA = "max_cfa"
    MAX_COMPANY = "max_company"
    HARD_PEAK = "hard_peak"
    CAPACITY = "capacity"
    SLOTS = "slots"
    WRITTEN = "written"
    SUBJECT_FIT = "subject_fit"
    TRAINER_FIT = "trainer_fit"
    # The lessons.
    UNDER18 = "under18"
    SUBJECT_HOURS = "subject_hours"
    SUBJECT_DAY_LIMIT = "subject_day_limit"
    UNAVAILABLE = "unavailable"
    EXAMS = "exams"
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

    def about(self, name: str) -> str:
        """The cohort, company, trainer or subject this rule is about; it must have one."""
        value = getattr(self, name)
        if not isinstance(value, str):
            raise ValueError(f"rule {self.key} is not about one {name}")
        return value

    @property
    def key(self) -> str:
        """A stable name, e.g. "max_cfa[agora-2024]" or "trainer_max[t-brun,2025-10-13]"."""
        parts = [str(p) for p in (self.cohort, self.company, self.trainer, self.subject, self.week) if p is not None]
        return f"{self.kind}[{','.join(parts)}]" if parts else str(self.kind)


def _max_cfa(plan: Plan, rule: Rule) -> str:
    cohort = plan.cohort(rule.about("cohort"))
    return f"at most {cohort.max_consecutive_cfa_weeks} CFA weeks in a row ({rule.place})"


def _max_company(plan: Plan, rule: Rule) -> str:
    cohort = plan.cohort(rule.about("cohort"))
    return f"at most {cohort.max_consecutive_company_weeks} company weeks in a row ({rule.place})"


def _hard_peak(plan: Plan, rule: Rule) -> str:
    peaks = "; ".join(p.label() for p in plan.company(rule.about("company")).peaks if p.hard)
    return f"no CFA week during the hard peak of {rule.company} ({peaks})"


def _slots(plan: Plan, rule: Rule) -> str:
    return f"the hours beyond {rule.cohort}'s subjects filling whole lesson slots ({rule.place})"


def _written(plan: Plan, rule: Rule) -> str:
    return f"{rule.cohort}'s written-exam subjects taught before its written exams"


def _subject_fit(plan: Plan, rule: Rule) -> str:
    parts = ["4 h a day at most"]
    if "written_exams" in rule.place:
        parts.append("before the written exams")
    if ".unavailable" in rule.place:
        parts.append("on the days its trainer is there")
    if "max_hours_per_week" in rule.place:
        parts.append("within its trainer's max_hours_per_week")
    return f"{rule.cohort}'s {rule.subject} hours fitting its CFA weeks ({', '.join(parts)}: {rule.place})"


def _trainer_fit(plan: Plan, rule: Rule) -> str:
    return f"trainer[{rule.trainer}] teaching their hours within max_hours_per_week in the CFA weeks of their cohorts"


def _capacity(plan: Plan, rule: Rule) -> str:
    return f"at most {plan.max_cohorts_at_cfa} cohort(s) at the CFA in one week ({rule.place})"


def _hours_min(plan: Plan, rule: Rule) -> str:
    target = plan.programme(plan.cohort(rule.about("cohort")).programme).total_minutes
    return f"{rule.cohort} reaching its {hours(target)}"


def _hours_max(plan: Plan, rule: Rule) -> str:
    cohort = plan.cohort(rule.about("cohort"))
    target = plan.programme(cohort.programme).total_minutes
    return (
        f"{rule.cohort} staying under {hours(target + cohort.week_minutes)} (less than one CFA week above its target)"
    )


@dataclass(frozen=True)
class Meaning:
    """What one kind of rule means to a planner: the plan-file key it comes from and its sentence."""

    kind: RuleKind
    key: str  # where in the plan file, e.g. "cohort[<id>].max_consecutive_cfa_weeks"
    sentence: Callable[[Plan, Rule], str]


# The rhythm's rules; the lessons' rules are explained by solver/explain_lessons.py for now.
MEANING: dict[RuleKind, Meaning] = {
    m.kind: m
    for m in (
        Meaning(RuleKind.HOURS_MIN, "programme[<id>].total_hours", _hours_min),
        Meaning(RuleKind.HOURS_MAX, "programme[<id>].total_hours", _hours_max),
        Meaning(RuleKind.MAX_CFA, "cohort[<id>].max_consecutive_cfa_weeks", _max_cfa),
        Meaning(RuleKind.MAX_COMPANY, "cohort[<id>].max_consecutive_company_weeks", _max_company),
        Meaning(RuleKind.HARD_PEAK, "company[<id>].peak (hard = true)", _hard_peak),
        Meaning(RuleKind.CAPACITY, "plan.max_cohorts_at_cfa", _capacity),
        Meaning(RuleKind.SLOTS, "plan.day_slots", _slots),
        Meaning(RuleKind.WRITTEN, "cohort[<id>].written_exams", _written),
        Meaning(RuleKind.SUBJECT_FIT, "programme[<id>].subject[<id>].hours", _subject_fit),
        Meaning(RuleKind.TRAINER_FIT, "trainer[<id>].max_hours_per_week", _trainer_fit),
    )
}


def describe(plan: Plan, rule: Rule) -> str:
    """The sentence that explains one rule of the plan, with its numbers."""
    meaning = MEANING.get(rule.kind)
    return meaning.sentence(plan, rule) if meaning else rule.place
