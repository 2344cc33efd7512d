"""VTIMEZONE in the yearly RRULE form that Outlook and Google write.

icalendar's `add_missing_timezones()` writes comma-separated RDATE lists, of which vobject (inside
the Radicale CalDAV server) keeps only the first value, putting summer lessons an hour off there.
So the rules are read off zoneinfo for one year and written as RRULEs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vRecur

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """Local wall-clock instants (before the change) at which the UTC offset changes in `year`."""
    found = []
    hour = datetime(year, 1, 1, tzinfo=zone)
    offset = hour.utcoffset() or timedelta(0)
    step = timedelta(minutes=30)  # some zones (Lord Howe) change at half past
    utc = hour.astimezone(ZoneInfo("UTC"))
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    while utc < end:
        following = (utc + step).astimezone(zone)
        now = following.utcoffset() or timedelta(0)
        if now != offset:
            found.append((utc + step).astimezone(zone).replace(tzinfo=None) - (now - offset))
            offset = now
        utc += step
    return found


def _rule(moment: datetime) -> tuple[str, datetime]:
    """BYDAY (nth or last weekday of the month) of a transition, and its first onset in 1970."""
    month_end = (
        date(moment.year, moment.month % 12 + 1, 1) if moment.month < 12 else date(moment.year + 1, 1, 1)
    ) - timedelta(days=1)
    last = moment.day + 7 > month_end.day
    nth = -1 if last else (moment.day - 1) // 7 + 1
    code = f"{nth}{WEEKDAY_CODES[moment.weekday()]}"
    # The same rule in 1970, the usual DTSTART of an RRULE-based VTIMEZONE.
    first = date(1970, moment.month, 1)
    days = [
        first + timedelta(days=i)
        for i in range(31)
        if (first + timedelta(days=i)).month == moment.month
        and (first + timedelta(days=i)).weekday() == moment.weekday()
    ]
    onset = days[-1] if last else days[nth - 1]
    return code, datetime.combine(onset, moment.time())


def vtimezone(tzid: str, year: int) -> Timezone:
    zone = ZoneInfo(tzid)
    tz = Timezone()
    tz.add("tzid", tzid)
    moments = _transitions(zone, year)
    if not moments:
        offset = datetime(year, 1, 1, tzinfo=zone).utcoffset()
        std = TimezoneStandard()
        std.add("dtstart", datetime(1970, 1, 1))
        std.add("tzoffsetfrom", offset)
        std.add("tzoffsetto", offset)
        std.add("tzname", datetime(year, 1, 1, tzinfo=zone).tzname())
        tz.add_component(std)
        return tz
    for moment in moments:
        before = (moment - timedelta(hours=1)).replace(tzinfo=zone).utcoffset() or timedelta(0)
        after = (moment + timedelta(hours=3)).replace(tzinfo=zone).utcoffset() or timedelta(0)
        part = TimezoneDaylight() if after > before else TimezoneStandard()
        code, onset = _rule(moment)
        part.add("dtstart", onset)
        part.add("rrule", vRecur(freq="YEARLY", bymonth=moment.month, byday=code))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", (moment + timedelta(hours=3)).replace(tzinfo=zone).tzname())
        tz.add_component(part)
    return tz
