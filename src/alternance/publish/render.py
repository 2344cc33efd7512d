"""Every output file of a build, as bytes by path: feeds, plan.json and the pages."""

from __future__ import annotations

from datetime import date

from ..continuity import Continuity
from ..facts.weeks import SiteCalendar
from ..schedule.apprentices import planned_by_week
from ..schedule.lessons import lesson_events
from ..schedule.solved import PlanBuild
from . import ical, pages
from .feed import Feed, FeedWriter
from .report import plan_json
from .statement import apprentice_statement


def render(builds: list[PlanBuild], continuity: Continuity | None = None) -> dict[str, bytes]:
    """Every output file of every plan, by path relative to --out."""
    continuity = continuity or Continuity()
    today = continuity.today
    feeds: dict[str, bytes] = {}
    files: dict[str, bytes] = {}
    for b in builds:
        plan = b.plan
        calendars: dict[str, Feed] = {}
        weeks_of = {}
        events = (
            lesson_events(b.lesson_problem, b.lessons, continuity.lesson_identities(plan), today)
            if b.lesson_problem and b.lessons
            else {}
        )
        lessons = {cohort: ical.feed_lessons(plan, cohort_events) for cohort, cohort_events in events.items()}
        site = SiteCalendar(plan)
        cells_of = {}  # each cohort's weeks as the pages draw them, made once
        revision = {c.id: site.revision_days(c) for c in plan.cohorts if c.revision_days}
        for cw in b.problem.cohorts:
            weeks = ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
            weeks_of[cw.cohort.id] = weeks
            calendars[f"{cw.cohort.id}/rhythm.ics"] = ical.rhythm_feed(
                plan, cw.cohort, weeks, revision.get(cw.cohort.id, ())
            )
            files[f"{cw.cohort.id}/plan.json"] = plan_json(plan, cw, b.solution, b.lessons)
            cells_of[cw.cohort.id] = pages.cohort_cells(site, cw, b.solution)
            files[f"{cw.cohort.id}/calendar.html"] = pages.cohort_calendar(plan, cw, b.solution, cells_of[cw.cohort.id])
            files[f"{cw.cohort.id}/report.html"] = pages.hours_report(plan, cw, b.solution, b.lessons)
            if b.lessons:
                calendars[f"{cw.cohort.id}/lessons.ics"] = ical.lessons_feed(plan, cw.cohort, lessons[cw.cohort.id])
        cohort_weeks = {cw.cohort.id: cw for cw in b.problem.cohorts}
        for a in plan.apprentices:
            company = plan.company(a.company)
            calendars[f"apprentices/{a.id}.ics"] = ical.apprentice_feed(
                plan, a, company, weeks_of[a.cohort], lessons.get(a.cohort, []), revision.get(a.cohort, ())
            )
            cw = cohort_weeks[a.cohort]
            planned = planned_by_week(cw, b.solution, a, b.lessons)
            files[f"apprentices/{a.id}.html"] = apprentice_statement(plan, cw, a, company, cells_of[a.cohort], planned)
        if b.lessons:
            taught: dict[str | None, list[ical.FeedLesson]] = {}
            for cohort_lessons in lessons.values():
                for x in cohort_lessons:
                    taught.setdefault(x.event.trainer, []).append(x)
            for trainer in plan.trainers:
                calendars[f"trainers/{trainer.id}.ics"] = ical.trainer_feed(plan, trainer, taught.get(trainer.id, []))
        # Each company's apprentices, cohort by cohort (in the plan's cohort order), grouped once.
        order = {cw.cohort.id: i for i, cw in enumerate(b.problem.cohorts)}
        staff: dict[str, dict[str, list]] = {}
        for a in sorted(plan.apprentices, key=lambda a: order[a.cohort]):  # stable: plan order within a cohort
            staff.setdefault(a.company, {}).setdefault(a.cohort, []).append(a)
        for company in plan.companies:
            theirs = [(cohort_weeks[c], apprentices) for c, apprentices in staff.get(company.id, {}).items()]
            calendars[f"companies/{company.id}.ics"] = ical.company_feed(
                plan, company, [(apprentices, weeks_of[cw.cohort.id]) for cw, apprentices in theirs], revision
            )
            files[f"companies/{company.id}.html"] = pages.company_calendar(company, theirs, cells_of)
        writer = FeedWriter(plan)  # one plan's feeds share their events
        feeds.update((path, writer.to_ical(feed)) for path, feed in calendars.items())
    stamp_day = today or date.min
    for path, raw in feeds.items():
        files[path] = ical.stabilize(raw, continuity.feed_events(path), stamp_day)
    return dict(sorted(files.items()))
