"""The change report of a rebuild: what moved, per cohort and per company, in the planner's words
(French: this is what the planner emails to companies)."""

from __future__ import annotations

from datetime import date, timedelta

from ..continuity import Continuity, event_blocks, is_cancelled, signature, value_of
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


def change_report(builds: list[PlanBuild], continuity: Continuity, files: dict[str, bytes], today: date) -> list[str]:
    """Markdown lines; empty when nothing changed."""
    body: list[str] = []
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
                lines.append(f"- semaine du {monday.strftime('%d/%m/%Y')} : {KIND[was]} → {KIND[now]}")
            if any(lessons):
                lines.append(f"- cours : {lessons[0]} déplacé(s), {lessons[1]} annulé(s), {lessons[2]} nouveau(x)")
            for conflict in cw.past_conflicts:
                lines.append(f"- passé conservé tel que publié, bien que la nouvelle saisie le contredise : {conflict}")
            if lines:
                body += [f"## {cid} · {cw.cohort.name}", *lines, ""]
        for company in plan.companies:
            lines = _company_lines(b, company.id, moved, continuity)
            if lines:
                body += [f"## Entreprise {company.name} ({company.id})", *lines, ""]
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
        return []
    return [f"# Changements du calendrier — {plan_names(builds)} — {today.strftime('%d/%m/%Y')}", "", *body]


def _company_lines(
    b: PlanBuild, company_id: str, moved: dict[str, list[tuple[date, str | None, str]]], continuity: Continuity
) -> list[str]:
    """What changed for one company's apprentices: a new apprentice, a week moved."""
    lines = []
    for a in b.plan.apprentices:
        if a.company != company_id:
            continue
        if not continuity.feed_events(f"apprentices/{a.id}.ics") and a.cohort in continuity.weeks:  # no feed before
            lines.append(
                f"- {a.name} : nouvel apprenti dans le calendrier ({a.cohort}, contrat du "
                f"{a.contract_start.strftime('%d/%m/%Y')} au {a.contract_end.strftime('%d/%m/%Y')})"
            )
        for monday, _was, now in moved.get(a.cohort, []):
            if a.contract_start <= monday + timedelta(days=4) and monday <= a.contract_end:
                where = "au CFA" if now == CFA else "en entreprise"
                lines.append(f"- {a.name} : semaine du {monday.strftime('%d/%m/%Y')} désormais {where}")
    return lines


def company_notices(builds: list[PlanBuild], continuity: Continuity, today: date) -> dict[str, list[str]]:
    """One notice per company whose apprentices' calendar changed, ready to send to its tutor:
    company id -> Markdown lines (only that company's apprentices, never another's)."""
    notices = {}
    for b in builds:
        moved = _moved_weeks(b, continuity)
        for company in b.plan.companies:
            lines = _company_lines(b, company.id, moved, continuity)
            if not lines:
                continue
            to = " ".join(x for x in (company.tutor, f"<{company.email}>" if company.email else "") if x)
            head = [f"# Changements du calendrier d'alternance — {company.name} — {today.strftime('%d/%m/%Y')}", ""]
            if to:
                head += [f"À : {to}", ""]
            notices[company.id] = [*head, *lines]
    return notices


def plan_names(builds: list[PlanBuild]) -> str:
    return ", ".join(b.plan.name for b in builds)
