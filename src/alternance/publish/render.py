"""Every output file of a build, as bytes by path: feeds, plan.json and the pages."""

from __future__ import annotations

from datetime import date

from ..continuity import Continuity
from ..facts.weeks import SiteCalendar
from ..schedule.lessons import lesson_events
from ..schedule.solved import PlanBuild
from . import ical, pages
from .feed import Feed, FeedWriter
from .report import plan_json


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
        site = SiteCalendar(plan)
        for cw in b.problem.cohorts:
            weeks = ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
            weeks_of[cw.cohort.id] = weeks
            calendars[f"{cw.cohort.id}/rhythm.ics"] = ical.rhythm_feed(plan, cw.cohort, weeks)
            files[f"{cw.cohort.id}/plan.json"] = plan_json(plan, cw, b.solution, b.lessons)
            files[f"{cw.cohort.id}/calendar.html"] = pages.cohort_calendar(plan, site, cw, b.solution)
            files[f"{cw.cohort.id}/report.html"] = pages.hours_report(plan, cw, b.solution, b.lessons)
            if b.lessons:
                calendars[f"{cw.cohort.id}/lessons.ics"] = ical.lessons_feed(plan, cw.cohort, events[cw.cohort.id])
        for a in plan.apprentices:
            company = plan.company(a.company)
            calendars[f"apprentices/{a.id}.ics"] = ical.apprentice_feed(
                plan, a, company, weeks_of[a.cohort], events.get(a.cohort, [])
            )
        if b.lessons:
            for trainer in plan.trainers:
                mine = [e for cohort_events in events.values() for e in cohort_events if e.trainer == trainer.id]
                calendars[f"trainers/{trainer.id}.ics"] = ical.trainer_feed(plan, trainer, mine)
        # Each company's apprentices, cohort by cohort (in the plan's cohort order), grouped once.
        staff: dict[str, dict[str, list]] = {}
        for a in plan.apprentices:
            staff.setdefault(a.company, {}).setdefault(a.cohort, []).append(a)
        for company in plan.companies:
            theirs = [(cw, staff.get(company.id, {}).get(cw.cohort.id, [])) for cw in b.problem.cohorts]
            theirs = [(cw, apprentices) for cw, apprentices in theirs if apprentices]
            calendars[f"companies/{company.id}.ics"] = ical.company_feed(
                plan, company, [(apprentices, weeks_of[cw.cohort.id]) for cw, apprentices in theirs]
            )
            files[f"companies/{company.id}.html"] = pages.company_calendar(plan, site, company, theirs, b.solution)
        writer = FeedWriter(plan)  # one plan's feeds share their events
        feeds.update((path, writer.to_ical(feed)) for path, feed in calendars.items())
    stamp_day = today or date.min
    for path, raw in feeds.items():
        files[path] = ical.stabilize(raw, continuity.feed_events(path), stamp_day)
    return dict(sorted(files.items()))
