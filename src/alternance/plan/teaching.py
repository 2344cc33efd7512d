"""The lesson keys of a plan: `day_slots`, trainers (TOML or sheet), and who teaches each
cohort's subjects."""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..domain import WEEKDAY_NAMES, Cohort, Programme, Slot, Trainer, Unavailability, hours
from ..i18n import N_, _
from .cells import decimal, suggest
from .reading import Lists, Reader, full_name, tables, unique, written_ids
from .schema import TRAINERS, TrainerKeys, UnavailableKeys
from .sheets import row_key

SLOT = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
WEEKDAYS = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name: i for i, name in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))
}


SATURDAY = 5
DAY_LABELS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))


def cfa_days(r: Reader, raw: Any, place: str) -> tuple[int, ...]:
    """`cfa_days`: weekday names, Monday to Saturday, each once (empty: unreadable, or not given)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        r.fail(place, _('must be a list of weekdays such as ["monday", "tuesday"]'))
        return ()
    days = []
    for i, name in enumerate(raw):
        word = name.strip().lower() if isinstance(name, str) else ""
        if word not in WEEKDAYS or WEEKDAYS[word] > SATURDAY:
            known = [n for n, d in WEEKDAYS.items() if d <= SATURDAY]
            r.fail(
                f"{place}[{i}]",
                _("{value!r} is not a day from Monday to Saturday{hint}").format(value=name, hint=suggest(word, known)),
            )
            return ()
        if WEEKDAYS[word] in days:
            r.fail(f"{place}[{i}]", _("{value!r} is given twice").format(value=name))
            return ()
        days.append(WEEKDAYS[word])
    return tuple(sorted(days))


def day_hours(
    r: Reader, raw: Any, place: str, days: tuple[int, ...], week: int | None
) -> tuple[tuple[int, int], ...] | None:
    """`day_hours`: the days of a CFA week that are not as long as the others, e.g.
    `{ saturday = 3.5 }`: (weekday, minutes) pairs; the other days share what is left of the
    week evenly. None when unreadable."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        r.fail(place, _("must be a table of days and hours such as {{ saturday = 3.5 }}"))
        return None
    found: dict[int, int] = {}
    for name, value in raw.items():
        word = str(name).strip().lower()
        where = f"{place}.{name}"
        if word not in WEEKDAYS or WEEKDAYS[word] not in days:
            known = [n for n, d in WEEKDAYS.items() if d in days]
            r.fail(
                where,
                _("{value!r} is not one of the cohort's cfa_days{hint}").format(value=name, hint=suggest(word, known)),
            )
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 24 or value * 60 % 1:
            r.fail(where, _("{value!r} is not a number of hours between 0 and 24 in whole minutes").format(value=value))
            return None
        found[WEEKDAYS[word]] = round(value * 60)
    if week is not None:
        rest, others = week - sum(found.values()), len(days) - len(found)
        if rest < 0 or (others == 0 and rest != 0) or (others and (rest == 0 or rest % others)):
            r.fail(
                place,
                _(
                    "the {listed} of these days leave {rest} of hours_per_week for the {others} other CFA day(s), not a whole number of minutes each"
                ).format(listed=hours(sum(found.values())), rest=hours(max(rest, 0)), others=others)
                if others
                else _("these days add up to {listed}, not hours_per_week ({week})").format(
                    listed=hours(sum(found.values())), week=hours(week)
                ),
            )
            return None
    return tuple(sorted(found.items()))


def day_slots(r: Reader, head: dict[str, Any], cohorts: list[Cohort]) -> tuple[Slot, ...]:
    """`day_slots`: ordered, non-overlapping, summing to each cohort's usual day (hours_per_week
    over its CFA days); a shorter day (`day_hours`) takes the first slots that add up to it."""
    raw = head.get("day_slots")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        r.fail("plan.day_slots", _('must be a list of slots such as ["08:30-10:30", "10:45-12:15"]'))
        return ()
    slots = []
    for i, text in enumerate(raw):
        match = SLOT.match(text) if isinstance(text, str) else None
        if not match:
            r.fail(f"plan.day_slots[{i}]", _('{value!r} is not a slot "HH:MM-HH:MM"').format(value=text))
            return ()
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h2, m2) <= (h1, m1):
            r.fail(
                f"plan.day_slots[{i}]", _("{value!r} does not end after it starts within one day").format(value=text)
            )
            return ()
        slots.append(Slot(h1 * 60 + m1, h2 * 60 + m2))
    for i, (a, b) in enumerate(itertools.pairwise(slots), start=1):
        if b.start < a.end:
            r.fail(
                f"plan.day_slots[{i}]",
                _("{slot} starts before {previous} ends").format(slot=b.label(), previous=a.label()),
            )
            return ()
    day = sum(s.minutes for s in slots)
    starts = list(itertools.accumulate(s.minutes for s in slots))
    for c in cohorts:
        if c.day_minutes != day and not c.day_hours:
            r.fail(
                f"cohort[{c.id}].hours_per_week",
                _("a day is {day} h (hours_per_week / {days} CFA days) but plan.day_slots add up to {slots} h").format(
                    day=decimal(c.day_minutes / 60), days=len(c.cfa_days), slots=decimal(day / 60)
                ),
            )
            continue
        for weekday in c.cfa_days:
            minutes = c.minutes_on(weekday)
            if minutes not in starts:
                r.fail(
                    f"cohort[{c.id}].day_hours" if c.day_hours else f"cohort[{c.id}].hours_per_week",
                    _(
                        "{weekday}: a day of {hours} is not filled by the first slots of plan.day_slots (they add up to {sums})"
                    ).format(
                        weekday=_(DAY_LABELS[weekday]),
                        hours=hours(minutes),
                        sums=", ".join(hours(m) for m in starts),
                    ),
                )
                break
    return tuple(slots)


def trainers(
    r: Reader, lists: Lists, data: dict[str, Any], programmes: list[Programme], declared_subjects: set[str]
) -> tuple[list[Trainer], set[str]]:
    """The trainers of the TOML and the sheet, and the subjects that only unreadable trainers list
    (no other line says that nobody teaches them)."""
    known_subjects = {s.id for p in programmes for s in p.subjects}
    found: list[Trainer | None] = []
    written: set[str] = set()
    for t in tables(data.get("trainer")):
        written |= written_ids(t.get("subjects"))
    for i, t in enumerate(r.tables(data.get("trainer"), "trainer")):
        tid = r.get(t, TrainerKeys.id, f"trainer[{i + 1}]")
        place = f"trainer[{tid or i + 1}]"
        r.known_keys(t, place, TrainerKeys)
        found.append(_trainer(r, t, tid, place, known_subjects | declared_subjects, _unavailable(r, t, place)))
    if loaded := lists.read(TRAINERS):
        sheet_reader, rows = loaded
        for line, row in rows:
            written |= written_ids(row.get("subjects"))
            tid = r.get(row, TrainerKeys.id, row_key(line, "trainer"))
            found.append(_trainer(sheet_reader, row, tid, row_key(line, f"trainer[{tid}]"), known_subjects, ()))
    trainers = unique(r, found, "trainer")
    readable = {sid for t in trainers for sid in t.subjects}
    return trainers, {sid for sid in written if sid not in readable}


def _trainer(
    r: Reader,
    t: dict[str, Any],
    tid: str | None,
    place: str,
    known_subjects: set[str],
    unavailable: tuple[Unavailability, ...] | None,
) -> Trainer | None:
    subjects = r.get(t, TrainerKeys.subjects, place)
    for sid in subjects or ():
        if sid not in known_subjects:
            r.fail(
                f"{place}.subjects", _("unknown subject {id!r}{hint}").format(id=sid, hint=suggest(sid, known_subjects))
            )
    maximum = r.get(t, TrainerKeys.max_hours_per_week, place)
    name = full_name(r, t, TrainerKeys.name, place, tid or "")
    if tid is None or subjects is None or unavailable is None:
        return None
    return Trainer(tid, name, subjects, maximum, unavailable)


def _unavailable(r: Reader, t: dict[str, Any], place: str) -> tuple[Unavailability, ...] | None:
    found = []
    ok = True
    for j, u in enumerate(r.tables(t.get("unavailable"), f"{place}.unavailable"), start=1):
        uplace = f"{place}.unavailable[{j}]"
        r.known_keys(u, uplace, UnavailableKeys)
        if "weekday" in u:
            name = u["weekday"].strip().lower() if isinstance(u["weekday"], str) else None
            if name not in WEEKDAYS:
                hint = suggest(name, WEEKDAYS) if name else ""
                r.fail(
                    f"{uplace}.weekday",
                    _("unknown weekday {value!r}: use monday … friday{hint}").format(value=u["weekday"], hint=hint),
                )
                ok = False
            elif "start" in u or "end" in u:
                r.fail(uplace, _("give either a weekday or start/end dates, not both"))
                ok = False
            else:
                found.append(Unavailability(weekday=WEEKDAYS[name]))
            continue
        start = r.get(u, UnavailableKeys.start, uplace)
        end = r.get(u, UnavailableKeys.end, uplace, start)
        if r.date_range(start, end, uplace):
            found.append(Unavailability(start=start, end=end))
        else:
            ok = False
    return tuple(found) if ok else None


def assignments(
    r: Reader,
    data: dict[str, Any],
    slots: tuple[Slot, ...],
    programmes: list[Programme],
    cohorts: list[Cohort],
    trainers: list[Trainer],
    declared: dict[str, set],
    only_unreadable: set[str],
) -> tuple[tuple[tuple[str, str], str], ...]:
    """Each (cohort, subject) resolves to exactly one trainer: the cohort's choice, else the only one."""
    by_programme = {p.id: p for p in programmes}
    by_trainer = {t.id: t for t in trainers}
    raw_cohorts = {t["id"]: t for t in tables(data.get("cohort")) if isinstance(t.get("id"), str)}
    resolved = []
    for c in cohorts:
        place = f"cohort[{c.id}].trainers"
        raw = raw_cohorts.get(c.id, {}).get("trainers", {})
        chosen = raw if isinstance(raw, dict) else {}  # not a table: said by _cohort
        programme = by_programme.get(c.programme)
        if programme is None:
            continue
        _check_chosen(r, place, chosen, programme, by_trainer, declared)
        if not slots:
            continue
        for subject in programme.subjects:
            if isinstance(chosen.get(subject.id), str):
                resolved.append(((c.id, subject.id), chosen[subject.id]))
                continue
            able = [t.id for t in trainers if subject.id in t.subjects]
            if subject.id in only_unreadable:
                continue  # the trainer who lists it is unreadable: said once, where it is written
            if len(able) == 1:
                resolved.append(((c.id, subject.id), able[0]))
            elif not able:
                r.fail(
                    f"cohort[{c.id}]",
                    _("no trainer teaches {subject!r}: add it to a [[trainer]]'s subjects").format(subject=subject.id),
                )
            else:
                r.fail(
                    place,
                    _("{subject!r} is taught by {trainers}: name one, e.g. {example}").format(
                        subject=subject.id, trainers=", ".join(able), example=f'{subject.id} = "{able[0]}"'
                    ),
                )
    return tuple(sorted(resolved))


def _check_chosen(
    r: Reader,
    place: str,
    chosen: dict[str, Any],
    programme: Programme,
    by_trainer: dict[str, Trainer],
    declared: dict[str, set],
) -> None:
    """A cohort's `trainers = {subject = trainer}`: known subjects, known trainers who teach them."""
    subject_ids = {s.id for s in programme.subjects}
    for sid, tid in sorted(chosen.items()):
        if not isinstance(tid, str):
            r.fail(
                f"{place}.{sid}",
                _("must be one trainer id, e.g. {example}, not {value!r}").format(
                    example=f'{sid} = "t-dupuis"', value=tid
                ),
            )
        elif sid not in subject_ids:
            if sid not in declared["subject"]:
                r.fail(
                    f"{place}.{sid}",
                    _("unknown subject {id!r} in programme {programme!r}{hint}").format(
                        id=sid, programme=programme.id, hint=suggest(sid, subject_ids)
                    ),
                )
        elif tid not in by_trainer:
            if tid not in declared["trainer"] and "trainers" not in declared["unread"]:
                r.fail(
                    f"{place}.{sid}", _("unknown trainer {id!r}{hint}").format(id=tid, hint=suggest(tid, by_trainer))
                )
        elif sid not in by_trainer[tid].subjects:
            r.fail(
                f"{place}.{sid}",
                _("trainer {trainer!r} does not list {subject!r} in their subjects").format(trainer=tid, subject=sid),
            )
