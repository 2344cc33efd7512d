"""The errors a planner can see. The CLI turns each into one clear message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import _


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a plan file: where, and what."""

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        if self.place:
            return _("{file}: {place}: {message}").format(file=self.file, place=self.place, message=self.message)
        return _("{file}: {message}").format(file=self.file, message=self.message)


class AlternanceError(Exception):
    """Base of every error the CLI reports without a traceback. Each one pickles (`__reduce__`)
    so that a plan solved in another process (`build --jobs`) reports it as its own."""

    exit_code = 2


class PlanError(AlternanceError):
    """The plan files are invalid: one Problem per thing wrong."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def __reduce__(self):
        return type(self), (self.problems,)


class OutputError(AlternanceError):
    """The output folder cannot be written safely."""


class NoSolution(AlternanceError):
    """The plan is valid but nothing was published: the reasons say why (exit 1)."""

    exit_code = 1

    def __init__(self, reasons: list[str]):
        super().__init__("\n".join(reasons))
        self.reasons = reasons

    def __reduce__(self):
        return type(self), (self.reasons,)


class Infeasible(NoSolution):
    """A model that holds every hard rule proved that no calendar (or timetable) exists; the
    reasons name the plan's rules that clash."""


class SolverTimeout(NoSolution):
    """The time limit ran out before a calendar (or timetable) was found; none is proven impossible."""


class SolverDisagreement(AlternanceError):
    """The plain-Python check refused what the solver returned: a bug, never published."""

    exit_code = 3

    def __init__(self, what: str, broken: list[str]):
        super().__init__(
            _(
                "internal error: {what} breaks hard rules ({broken}); nothing was published. Please report this with the plan file."
            ).format(what=what, broken="; ".join(broken[:5]))
        )
        self.what, self.broken = what, broken

    def __reduce__(self):
        return type(self), (self.what, self.broken)
