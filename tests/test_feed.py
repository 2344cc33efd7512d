"""FeedWriter, which serializes each distinct event line once, against plain icalendar: every feed
of a small plan with lessons, trainers, exemptions, a closed day and text to escape and fold is
written byte for byte as `Feed.calendar().to_ical()`, and reads back as the same events."""

from __future__ import annotations

import string
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from alternance.build import build
from alternance.publish.feed import Feed, FeedWriter, Part
from helpers import make_plan

START, END = date(2025, 3, 3), date(2025, 4, 30)
SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]
TRAINERS = """
[[trainer]]
id = "t-a"
name = "Claire Dupuis-Lefèvre, formatrice; référente « maths » et économie du lycée des métiers"
subjects = ["maths", "eco"]

[[trainer]]
id = "t-b"
name = "Karim Benali"
subjects = ["francais"]
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Feed, bytes, bytes]]:
    """Each feed of one build, with what FeedWriter wrote and what plain icalendar writes."""
    folder = tmp_path_factory.mktemp("feed")
    path = make_plan(
        folder,
        # A long plan id: UIDs longer than a line, which the writer folds itself.
        {
            "id": "cfa-des-tests-de-grenoble-saint-martin",
            "day_slots": SLOTS,
            "site": "CFA des Tests, bâtiment B; 12 rue du Très Long Nom de Rue, 38000 Grenoble",
        },
        programme={
            "total_hours": 140,
            "subject": [
                {"id": "maths", "name": "Mathématiques", "hours": 20, "exam": "ccf"},
                {"id": "eco", "name": "Économie, droit", "hours": 14, "exam": "written"},
                {"id": "francais", "name": "Français", "hours": 16, "exam": "ccf"},
            ],
        },
        cohorts=[
            {"id": "c1", "name": "Cohorte 1, groupe A", "start": START, "end": END},
            {"id": "c2", "name": "Cohorte 2", "start": START, "end": END},
        ],
        companies=[
            {"id": "acme", "name": "ACME; ateliers réunis"},
            {"id": "other", "name": "Other Co"},
        ],
        apprentices=[
            {"id": "a-1", "cohort": "c1", "company": "acme", "contract_start": START, "contract_end": END},
            {
                "id": "a-2",
                "name": "Hugo Petit",
                "cohort": "c1",
                "company": "acme",
                "contract_start": date(2025, 3, 17),
                "contract_end": END,
                "exempt": ["maths"],
            },
            {
                "id": "a-3",
                "name": "Inès Roux",
                "cohort": "c2",
                "company": "other",
                "contract_start": START,
                "contract_end": END,
                "exempt": ["eco"],
            },
        ],
        closures=[{"name": "Pont, journée pédagogique", "start": date(2025, 3, 21), "end": date(2025, 3, 21)}],
        extra=TRAINERS,
    )
    seen: list[tuple[Feed, bytes, bytes]] = []
    fast = FeedWriter.to_ical

    def both(writer: FeedWriter, feed: Feed) -> bytes:
        raw = fast(writer, feed)
        seen.append((feed, raw, feed.calendar().to_ical()))
        return raw

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FeedWriter, "to_ical", both)
        result = build([path], folder / "out", today=date(2025, 1, 1))
    assert len(seen) == len([p for p in result.files if p.endswith(".ics") and not p.startswith("public/")])
    return seen


def test_every_feed_is_written_as_plain_icalendar_writes_it(written) -> None:
    for feed, fast, plain in written:
        assert fast == plain, feed.head.values


def test_every_feed_reads_back_as_its_events(written) -> None:
    for feed, fast, _ in written:
        events = Calendar.from_ical(fast).walk("VEVENT")
        assert [str(e["UID"]) for e in events] == [dict(part.values)["uid"] for part in feed.events]


def test_the_plan_exercises_what_the_writer_reuses(written) -> None:
    """Copies of one lesson in several feeds, folded lines, escaped text, a closed day."""
    everything = b"".join(fast for _, fast, _ in written)
    assert "Formateur·rice : Claire Dupuis-Lefèvre\\, formatrice\\;".encode() in everything
    assert b"\r\n " in everything  # folded lines
    assert "CFA fermé (Pont\\, journée pédagogique)".encode() in everything
    copies = Counter(
        (part.fixed, dict(part.values)["dtstart"])
        for feed, _, _ in written
        for part in feed.events
        if part.build.__name__ == "_lesson_event"
    )
    assert max(copies.values()) >= 3  # the cohort's feed, an apprentice's and the trainer's


PLAIN = st.text(alphabet=string.ascii_letters + string.digits + " -.@_:/()'", min_size=60, max_size=240)
TEXT = PLAIN | st.text(alphabet=string.printable + "éàç—·«»^\t", max_size=240)


@settings(max_examples=300, deadline=None)
@given(value=TEXT, name=st.sampled_from(["uid", "summary", "description", "location"]))
def test_a_text_line_is_icalendars_line(value: str, name: str) -> None:
    """The writer's own folding of plain ASCII lines, and every other line, as icalendar's."""
    holder = Event()
    holder.add(name, value)
    assert FeedWriter(None)._line(name, value) == holder.content_line(name.upper(), holder[name]).to_ical()


def test_a_writer_serializes_its_own_plan_only() -> None:
    feed = Feed("a plan", Part(lambda plan: Calendar(), ()), None, ())
    assert FeedWriter("a plan").to_ical(feed) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with pytest.raises(ValueError):
        FeedWriter("another plan").to_ical(feed)


def test_the_fast_fold_is_icalendars_on_any_plain_text() -> None:
    """Lines with nothing to escape skip icalendar's property objects: the same bytes, for every
    length and mix of one- to four-octet characters."""
    import random

    from icalendar.parser.string import _foldline

    from alternance.publish.feed import _PLAIN, fold

    rng = random.Random(13)
    alphabet = "abc XYZ-09:éèàçÉ—–’«»€œŒ中文🙂"
    for _case in range(2000):
        value = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 300)))
        assert _PLAIN.fullmatch(value)
        line = f"SUMMARY:{value}"
        assert fold(line.encode("utf-8")) == _foldline(line).encode("utf-8"), value


def test_the_fast_fold_is_icalendars_on_escaped_lines() -> None:
    """Content lines with TEXT escapes (\\, \\; \\n \\\\) and ^ escapes of parameters, which
    icalendar keeps from ending a piece: the same bytes, wherever they fall."""
    import random

    from icalendar.parser.string import _foldline

    from alternance.publish.feed import fold

    rng = random.Random(17)
    alphabet = ["a", "Z", " ", "é", "中", "🙂", "\\,", "\\;", "\\n", "\\\\", "^^", "^n", "\\", "^"]
    for _case in range(3000):
        value = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 200)))
        line = f"DESCRIPTION:{value}"
        assert fold(line.encode("utf-8")) == _foldline(line).encode("utf-8"), value
