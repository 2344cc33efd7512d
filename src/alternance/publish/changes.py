"""The change report of a rebuild: what moved, per cohort and per company, in the planner's words
(French: this is what the planner emails to companies). Each moved week says what in the plan,
as it is now, holds it where it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..continuity import Continuity, event_blocks, is_cancelled, signature, value_of
from ..domain import Company, hours
from ..schedule.rhythm import CFA
from ..schedule.solved import PlanBuild

KIND = {CFA: "CFA", "company": "entreprise", None: "—"}


def _moved_weeks(b: PlanBuild, continuity: Continuity) -> dict[str, list[tuple[date, str | None, str]]]:
    """Cohort -> (Monday, kind before, kind now) of every week whose kind changed."""
    moved = {}
    for cw in b.problem.cohorts:
        before = continuity.weeks.get(cw.cohort.id)
        if before is None:
            continue
        now = b.solution.cohort(cw.cohort.id).weeks
        changes = [
            (wp.monday, before.weeks.get(wp.monday, (None, 0))[0], wp.kind)
            for wp in now
            if before.weeks.get(wp.monday, (None, 0))[0] not in (None, wp.kind)
        ]
        if changes:
            moved[cw.cohort.id] = changes
    return moved


def _why_moved(b: PlanBuild, cohort_id: str, monday: date, now: str, company: str | None = None) -> str | None:
    """What in the plan as it is now holds the week where it moved: a fixed week, a closure, a
    company closure, a hard or soft busy season; or, for a week moved to the CFA, the hours the
    weeks taken out still owe. For one company's notice (`company`), only what is that company's
    own or the cohort's, never another company's name (None when nothing else is left to say)."""
    cw = next(c for c in b.problem.cohorts if c.cohort.id == cohort_id)
    i = next(k for k, w in enumerate(cw.weeks) if w.monday == monday)
    week, fixed = cw.weeks[i], cw.fixed(i)
    if fixed is not None:
        where = "au CFA" if fixed[1].kind == CFA else "en entreprise"
        reason = f" : {fixed[1].reason}" if fixed[1].reason else ""
        return f"semaine fixée {where}{reason}, cohort[{cohort_id}].fixed[{fixed[0]}]"
    if now == CFA:
        return (
            f"remplace les semaines de CFA déplacées : {hours(cw.target_minutes)} de formation à tenir, "
            f"programme[{cw.cohort.programme}].total_hours"
        )
    if week.closed:
        return f"CFA fermé : {', '.join(week.reasons)}"
    own = lambda ids: [x for x in ids if company is None or x == company]  # noqa: E731
    if closures := [(c, n) for c, n in cw.on_leave(i) if own([c])]:
        return "entreprise fermée : " + ", ".join(f"company[{c}].closure[{n}]" for c, n in closures)
    if hard := own(cw.hard_peaks[i]):
        return "période de forte activité impérative de " + ", ".join(hard)
    if soft := own(sorted(cw.peak_days[i])):
        return "période de forte activité de " + ", ".join(soft)
    if company is not None:
        return None
    return "garde le rythme et les heures dans les limites du plan"


def _lesson_changes(path: str, files: dict[str, bytes], continuity: Continuity) -> tuple[int, int, int]:
    """(moved, cancelled, new) lesson events of one feed against the last build."""
    if path not in files:
        return 0, 0, 0
    before = continuity.feed_events(path) or {}
    moved = cancelled = new = 0
    for block in event_blocks(files[path])[1]:
        uid = value_of(block, b"UID").decode("utf-8")
        old = before.get(uid)
        cancelled_now = is_cancelled(block)
        if old is None:
            new += 1
        elif cancelled_now and not old.cancelled:
            cancelled += 1
        elif not cancelled_now and old.signature != signature(block):
            moved += 1
    return moved, cancelled, new


@dataclass(frozen=True)
class ChangeReport:
    """The whole report of a rebuild (Markdown lines; empty when nothing changed) and each
    concerned company's own notice (company id -> Markdown lines, naming only its apprentices)."""

    lines: list[str]
    notices: dict[str, list[str]]


def change_report(
    builds: list[PlanBuild], continuity: Continuity, files: dict[str, bytes], today: date
) -> ChangeReport:
    body: list[str] = []
    notices: dict[str, list[str]] = {}
    for b in builds:
        plan = b.plan
        moved = _moved_weeks(b, continuity)
        for cw in b.problem.cohorts:
            cid = cw.cohort.id
            lessons = _lesson_changes(f"{cid}/lessons.ics", files, continuity)
            lines = []
            if cid not in continuity.weeks:
                lines.append("- nouvelle promotion : calendrier publié pour la première fois")
            for monday, was, now in moved.get(cid, []):
                lines.append(
                    f"- semaine du {monday.strftime('%d/%m/%Y')} : {KIND[was]} → {KIND[now]} "
                    f"({_why_moved(b, cid, monday, now)})"
                )
            if any(lessons):
                lines.append(f"- cours : {lessons[0]} déplacé(s), {lessons[1]} annulé(s), {lessons[2]} nouveau(x)")
            for conflict in cw.past_conflicts:
                lines.append(f"- passé conservé tel que publié, bien que la nouvelle saisie le contredise : {conflict}")
            if lines:
                body += [f"## {cid} · {cw.cohort.name}", *lines, ""]
        changed = _company_changes(b, moved, continuity)
        for company in plan.companies:
            if lines := changed.get(company.id, []):
                body += [f"## Entreprise {company.name} ({company.id})", *lines, ""]
                notices[company.id] = [*_notice_head(company, today), *lines]
        current = {a.id for a in plan.apprentices} | {c.id for c in plan.companies}
        gone = [
            f"- {kind} {fid} : retiré du calendrier (son agenda ne reçoit plus de semaine)"
            for kind, folder in (("apprenti", "apprentices"), ("entreprise", "companies"))
            for fid in continuity.published_feeds(folder)
            if fid not in current
        ]
        if gone:
            body += ["## Retirés depuis la dernière publication", *gone, ""]
    if not body:
        return ChangeReport([], {})
    head = f"# Changements du calendrier — {plan_names(builds)} — {today.strftime('%d/%m/%Y')}"
    return ChangeReport([head, "", *body], notices)


def _company_changes(
    b: PlanBuild, moved: dict[str, list[tuple[date, str | None, str]]], continuity: Continuity
) -> dict[str, list[str]]:
    """Company id -> what changed for its apprentices: a new apprentice, a week moved (each
    apprentice looked at once, whatever the number of companies)."""
    found: dict[str, list[str]] = {}
    for a in b.plan.apprentices:
        lines = found.setdefault(a.company, [])
        if not continuity.feed_events(f"apprentices/{a.id}.ics") and a.cohort in continuity.weeks:  # no feed before
            lines.append(
                f"- {a.name} : nouvel apprenti dans le calendrier ({a.cohort}, contrat du "
                f"{a.contract_start.strftime('%d/%m/%Y')} au {a.contract_end.strftime('%d/%m/%Y')})"
            )
        for monday, _was, now in moved.get(a.cohort, []):
            if a.contract_start <= monday + timedelta(days=4) and monday <= a.contract_end:
                where = "au CFA" if now == CFA else "en entreprise"
                why = _why_moved(b, a.cohort, monday, now, a.company)
                lines.append(
                    f"- {a.name} : semaine du {monday.strftime('%d/%m/%Y')} désormais {where}"
                    + (f" ({why})" if why else "")
                )
    return found


def _notice_head(company: Company, today: date) -> list[str]:
    """A company's notice starts with its name, the date, and to whom it goes when known."""
    to = " ".join(x for x in (company.tutor, f"<{company.email}>" if company.email else "") if x)
    head = [f"# Changements du calendrier d'alternance — {company.name} — {today.strftime('%d/%m/%Y')}", ""]
    return [*head, f"À : {to}", ""] if to else head


def plan_names(builds: list[PlanBuild]) -> str:
    return ", ".join(b.plan.name for b in builds)
