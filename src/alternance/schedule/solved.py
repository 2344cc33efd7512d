"""One plan solved: its rhythm problem and answer, and its lessons problem and answer."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Plan
from .lessons import LessonProblem, LessonSolution
from .rhythm import RhythmProblem, RhythmSolution


@dataclass(frozen=True)
class PlanBuild:
    problem: RhythmProblem
    solution: RhythmSolution
    lesson_problem: LessonProblem | None = None
    lessons: LessonSolution | None = None
    why: tuple[str, ...] = ()  # what forces each cost of the calendar (solver/why.py)

    @property
    def plan(self) -> Plan:
        return self.problem.plan
