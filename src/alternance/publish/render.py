"""Every output file of a build, as bytes by path: feeds, plan.json and the pages.

A plan's files are made in units (a cohort's, an apprentice's, a company's, the trainers'), each
from what is computed once for the plan (its lesson events, each cohort's weeks and page cells).
A large plan's units are shared out between `jobs` processes forked from this one, which
inherit the plan and the shared work and send back their files: every file depends only on the
plan and the last build, so the bytes are the same whichever process makes them.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from ..continuity import Continuity
from ..domain import Apprentice, Company
from ..facts.weeks import SiteCalendar
from ..schedule.apprentices import planned_by_week
from ..schedule.lessons import lesson_events
from ..schedule.rhythm import CohortWeeks
from ..schedule.solved import PlanBuild
from . import ical, pages
from .feed import Feed, FeedWriter
from .report import plan_json
from .statement import apprentice_statement

# Below this many units a plan is made in this process: a fork and the files sent back cost more
# than they save (the seed has 19 units and renders in a quarter of a second).
FORK_UNITS = 64

Made = tuple[dict[str, Feed], dict[str, bytes]]  # a unit's feeds (serialized later) and files


@dataclass
class _Shared:
    """What the units of one plan read, computed once before they are shared out."""

    b: PlanBuild
    weeks_of: dict[str, list]
    cells_of: dict[str, dict]
    revision: dict[str, tuple[date, ...]]
    lessons: dict[str, list[ical.FeedLesson]]
    cohort_weeks: dict[str, CohortWeeks]

    @classmethod
    def of(cls, b: PlanBuild, continuity: Continuity) -> _Shared:
        plan = b.plan
        events = (
            lesson_events(b.lesson_problem, b.lessons, continuity.lesson_identities(plan), continuity.today)
            if b.lesson_problem and b.lessons
            else {}
        )
        site = SiteCalendar(plan)
        return cls(
            b,
            {
                cw.cohort.id: ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
                for cw in b.problem.cohorts
            },
            {cw.cohort.id: pages.cohort_cells(site, cw, b.solution) for cw in b.problem.cohorts},
            {c.id: site.revision_days(c) for c in plan.cohorts if c.revision_days},
            {cohort: ical.feed_lessons(plan, cohort_events) for cohort, cohort_events in events.items()},
            {cw.cohort.id: cw for cw in b.problem.cohorts},
        )

    def cohort(self, cw: CohortWeeks) -> Made:
        b, cid = self.b, cw.cohort.id
        feeds = {
            f"{cid}/rhythm.ics": ical.rhythm_feed(b.plan, cw.cohort, self.weeks_of[cid], self.revision.get(cid, ()))
        }
        if b.lessons:
            feeds[f"{cid}/lessons.ics"] = ical.lessons_feed(b.plan, cw.cohort, self.lessons[cid])
        files = {
            f"{cid}/plan.json": plan_json(b.plan, cw, b.solution, b.lessons),
            f"{cid}/calendar.html": pages.cohort_calendar(b.plan, cw, b.solution, self.cells_of[cid]),
            f"{cid}/report.html": pages.hours_report(b.plan, cw, b.solution, b.lessons),
        }
        return feeds, files

    def apprentice(self, a: Apprentice) -> Made:
        b = self.b
        company = b.plan.company(a.company)
        feed = ical.apprentice_feed(
            b.plan, a, company, self.weeks_of[a.cohort], self.lessons.get(a.cohort, []), self.revision.get(a.cohort, ())
        )
        cw = self.cohort_weeks[a.cohort]
        planned = planned_by_week(cw, b.solution, a, b.lessons)
        page = apprentice_statement(b.plan, cw, a, company, self.cells_of[a.cohort], planned)
        return {f"apprentices/{a.id}.ics": feed}, {f"apprentices/{a.id}.html": page}

    def trainers(self) -> Made:
        taught: dict[str | None, list[ical.FeedLesson]] = {}
        for cohort_lessons in self.lessons.values():
            for x in cohort_lessons:
                taught.setdefault(x.event.trainer, []).append(x)
        plan = self.b.plan
        return {f"trainers/{t.id}.ics": ical.trainer_feed(plan, t, taught.get(t.id, [])) for t in plan.trainers}, {}

    def company(self, company: Company, staff: dict[str, list[Apprentice]]) -> Made:
        theirs = [(self.cohort_weeks[c], apprentices) for c, apprentices in staff.items()]
        feed = ical.company_feed(
            self.b.plan,
            company,
            [(apprentices, self.weeks_of[cw.cohort.id]) for cw, apprentices in theirs],
            self.revision,
        )
        return {f"companies/{company.id}.ics": feed}, {
            f"companies/{company.id}.html": pages.company_calendar(company, theirs, self.cells_of)
        }

    def units(self) -> list[tuple[int, Callable[[], Made]]]:
        """Every unit of the plan, in a fixed order, each with the index of the cohort whose
        weeks it draws (a company's: its first apprentice's), so that a share of the units is a
        share of the cohorts: a cohort's pages and feeds reuse each other's cells and lines."""
        b = self.b
        order = {cw.cohort.id: i for i, cw in enumerate(b.problem.cohorts)}
        found: list[tuple[int, Callable[[], Made]]] = [
            (i, partial(self.cohort, cw)) for i, cw in enumerate(b.problem.cohorts)
        ]
        found += [(order[a.cohort], partial(self.apprentice, a)) for a in b.plan.apprentices]
        if b.lessons:
            found.append((0, self.trainers))
        # Each company's apprentices, cohort by cohort (in the plan's cohort order), grouped once.
        staff: dict[str, dict[str, list[Apprentice]]] = {}
        for a in sorted(b.plan.apprentices, key=lambda a: order[a.cohort]):  # stable: plan order in a cohort
            staff.setdefault(a.company, {}).setdefault(a.cohort, []).append(a)
        for c in b.plan.companies:
            theirs = staff.get(c.id, {})
            found.append((min((order[cohort] for cohort in theirs), default=0), partial(self.company, c, theirs)))
        return found


def _made(shared: _Shared, units: list[Callable[[], Made]], continuity: Continuity) -> dict[str, bytes]:
    """The files of these units, their feeds serialized (one writer: they share their events)."""
    writer = FeedWriter(shared.b.plan)
    files: dict[str, bytes] = {}
    stamp_day = continuity.today or date.min
    for unit in units:
        feeds, pages_ = unit()
        files.update(pages_)
        for path, feed in feeds.items():
            files[path] = ical.stabilize(writer.to_ical(feed), continuity.feed_events(path), stamp_day)
    return files


def _forked(make: Callable[[], dict[str, bytes]]) -> Callable[[], dict[str, bytes]]:
    """Start `make` in a forked child; the returned call waits for its files (or, if the child
    failed, makes them here)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: make, send, and leave without running the parent's exit handlers
        code = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                pickle.dump(make(), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def wait() -> dict[str, bytes]:
        with os.fdopen(read, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return make()
        files: dict[str, bytes] = pickle.loads(data)
        return files

    return wait


def render(builds: list[PlanBuild], continuity: Continuity | None = None, jobs: int = 1) -> dict[str, bytes]:
    """Every output file of every plan, by path relative to --out; a large plan's files are made
    by `jobs` processes at once (the same bytes)."""
    continuity = continuity or Continuity()
    files: dict[str, bytes] = {}
    for b in builds:
        shared = _Shared.of(b, continuity)
        units = shared.units()
        shares = min(jobs, len(units) // FORK_UNITS + 1, len(b.problem.cohorts)) if hasattr(os, "fork") else 1
        share = [[unit for i, unit in units if i % shares == k] for k in range(shares)]
        children = [_forked(partial(_made, shared, share[k], continuity)) for k in range(1, shares)]
        files.update(_made(shared, share[0], continuity))
        for wait in children:
            files.update(wait())
    return dict(sorted(files.items()))
