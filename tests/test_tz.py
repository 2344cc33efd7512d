"""VTIMEZONE in the yearly RRULE form (SPEC "Output"): the rules read off zoneinfo must be the
zone's real rules, as icalendar and dateutil expand them, with no RDATE list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from alternance.facts.tz import vtimezone


def parsed(tzid: str, year: int = 2025):
    """The VTIMEZONE as a calendar client gets it: serialized, then parsed back."""
    raw = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n"
        + vtimezone(tzid, year).to_ical()
        + b"END:VCALENDAR\r\n"
    )
    assert b"RDATE" not in raw
    (zone,) = Calendar.from_ical(raw).walk("VTIMEZONE")
    return zone


def part(zone, name: str):
    (found,) = zone.walk(name)
    return found


def rule_text(component) -> str:
    return component["RRULE"].to_ical().decode()


def onsets(component, start: datetime, end: datetime) -> list[datetime]:
    """The local onsets the component's RRULE gives between start and end (dateutil expansion)."""
    first = component["DTSTART"].dt
    return rrulestr(rule_text(component), dtstart=first).between(start, end, inc=True)


def offset(component, prop: str) -> timedelta:
    return component[prop].td


def test_europe_paris() -> None:
    zone = parsed("Europe/Paris")
    assert str(zone["TZID"]) == "Europe/Paris"
    summer, winter = part(zone, "DAYLIGHT"), part(zone, "STANDARD")
    assert summer["RRULE"]["FREQ"] == ["YEARLY"] and summer["RRULE"]["BYMONTH"] == [3]
    assert [str(d) for d in summer["RRULE"]["BYDAY"]] == ["-1SU"]
    assert summer["DTSTART"].dt.time().isoformat() == "02:00:00"
    assert (offset(summer, "TZOFFSETFROM"), offset(summer, "TZOFFSETTO")) == (timedelta(hours=1), timedelta(hours=2))
    assert winter["RRULE"]["FREQ"] == ["YEARLY"] and winter["RRULE"]["BYMONTH"] == [10]
    assert [str(d) for d in winter["RRULE"]["BYDAY"]] == ["-1SU"]
    assert winter["DTSTART"].dt.time().isoformat() == "03:00:00"
    assert (offset(winter, "TZOFFSETFROM"), offset(winter, "TZOFFSETTO")) == (timedelta(hours=2), timedelta(hours=1))
    assert str(summer["TZNAME"]) == "CEST" and str(winter["TZNAME"]) == "CET"


def test_a_zone_without_summer_time() -> None:
    zone = parsed("Indian/Reunion")
    assert not zone.walk("DAYLIGHT")
    standard = part(zone, "STANDARD")
    assert "RRULE" not in standard and "RDATE" not in standard
    assert offset(standard, "TZOFFSETFROM") == offset(standard, "TZOFFSETTO") == timedelta(hours=4)


def test_america_new_york() -> None:
    zone = parsed("America/New_York")
    summer, winter = part(zone, "DAYLIGHT"), part(zone, "STANDARD")
    assert summer["RRULE"]["BYMONTH"] == [3] and [str(d) for d in summer["RRULE"]["BYDAY"]] == ["2SU"]
    assert winter["RRULE"]["BYMONTH"] == [11] and [str(d) for d in winter["RRULE"]["BYDAY"]] == ["1SU"]
    assert summer["DTSTART"].dt.time().isoformat() == winter["DTSTART"].dt.time().isoformat() == "02:00:00"
    assert (offset(summer, "TZOFFSETFROM"), offset(summer, "TZOFFSETTO")) == (timedelta(hours=-5), timedelta(hours=-4))
    assert (offset(winter, "TZOFFSETFROM"), offset(winter, "TZOFFSETTO")) == (timedelta(hours=-4), timedelta(hours=-5))


@pytest.mark.parametrize(
    "tzid, summer, winter",
    [
        (
            "Europe/Paris",
            [datetime(2025, 3, 30, 2), datetime(2026, 3, 29, 2)],
            [datetime(2025, 10, 26, 3), datetime(2026, 10, 25, 3)],
        ),
        (
            "America/New_York",
            [datetime(2025, 3, 9, 2), datetime(2026, 3, 8, 2)],
            [datetime(2025, 11, 2, 2), datetime(2026, 11, 1, 2)],
        ),
        (
            "Australia/Sydney",  # southern hemisphere: summer time starts in October
            [datetime(2025, 10, 5, 2), datetime(2026, 10, 4, 2)],
            [datetime(2025, 4, 6, 3), datetime(2026, 4, 5, 3)],
        ),
    ],
)
def test_rrules_expand_to_the_real_2025_and_2026_transitions(tzid, summer, winter) -> None:
    zone = parsed(tzid)
    window = (datetime(2025, 1, 1), datetime(2026, 12, 31, 23, 59))
    assert onsets(part(zone, "DAYLIGHT"), *window) == summer
    assert onsets(part(zone, "STANDARD"), *window) == winter
    for component in (part(zone, "DAYLIGHT"), part(zone, "STANDARD")):
        # DTSTART is itself an onset of its rule (RFC 5545: they SHOULD be in step)
        first = component["DTSTART"].dt
        assert rrulestr(rule_text(component), dtstart=first)[0] == first


def test_the_rules_do_not_depend_on_the_year_read() -> None:
    for tzid in ("Europe/Paris", "America/New_York", "Indian/Reunion"):
        assert vtimezone(tzid, 2024).to_ical() == vtimezone(tzid, 2025).to_ical() == vtimezone(tzid, 2027).to_ical()


def _utc_offset(zone, moment: datetime) -> timedelta:
    """The UTC offset the VTIMEZONE alone gives at a UTC instant: the latest onset before it."""
    changes = []
    for kind in ("DAYLIGHT", "STANDARD"):
        for component in zone.walk(kind):
            before, after = offset(component, "TZOFFSETFROM"), offset(component, "TZOFFSETTO")
            first = component["DTSTART"].dt
            local = (
                rrulestr(rule_text(component), dtstart=first).between(datetime(2023, 1, 1), datetime(2029, 1, 1))
                if "RRULE" in component
                else [first]
            )
            changes += [((t - before).replace(tzinfo=UTC), after) for t in local]
    changes.sort()
    found = [after for at, after in changes if at <= moment]
    return found[-1] if found else changes[0][1]


def _zone_transitions(tzid: str, years: range) -> list[datetime]:
    """UTC instants at which zoneinfo's offset changes (day by day, then bisected to the minute)."""
    tz = ZoneInfo(tzid)
    found = []
    moment = datetime(years.start, 1, 1, tzinfo=UTC)
    end = datetime(years.stop, 1, 1, tzinfo=UTC)
    while moment < end:
        nxt = moment + timedelta(days=1)
        if nxt.astimezone(tz).utcoffset() != moment.astimezone(tz).utcoffset():
            lo, hi = moment, nxt  # offset(lo) is the old one, offset(hi) the new one
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        moment = nxt
    return found


# French zones (metropole and overseas) and a few with odd offsets or southern summers.
ZONES = [
    "Europe/Paris",
    "America/Miquelon",
    "Indian/Reunion",
    "America/Cayenne",
    "Pacific/Noumea",
    "Pacific/Marquesas",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/St_Johns",
    "Australia/Lord_Howe",
]


@pytest.mark.parametrize("tzid", ZONES)
def test_the_vtimezone_gives_zoneinfo_offsets_around_every_transition(tzid: str) -> None:
    zone = parsed(tzid)
    tz = ZoneInfo(tzid)
    moments = [datetime(y, m, 15, 12, tzinfo=UTC) for y in (2025, 2026) for m in range(1, 13)]
    for change in _zone_transitions(tzid, range(2025, 2027)):
        moments += [change - timedelta(minutes=1), change, change + timedelta(minutes=1)]
    for moment in moments:
        assert _utc_offset(zone, moment) == moment.astimezone(tz).utcoffset(), (tzid, moment)


@pytest.mark.parametrize("tzid", ["Europe/Paris", "America/New_York"])
def test_icalendar_builds_the_same_zone_from_the_vtimezone(tzid: str) -> None:
    own = parsed(tzid).to_tz(lookup_tzid=False)
    real = ZoneInfo(tzid)
    for month in range(1, 13):
        local = datetime(2026, month, 10, 8, 30)
        assert local.replace(tzinfo=own).utcoffset() == local.replace(tzinfo=real).utcoffset(), (tzid, month)
