"""Cell converters: one value of a plan file or a spreadsheet cell → a typed value, or `Bad`.

A converter is tolerant where the meaning is certain (`12,5` hours, `01/09/2025`, `VRAI`, a real
date cell of a workbook) and strict where it is not: it never guesses (`09/13/2025` is refused,
not read month first). Each raises `Bad` with one sentence; the loader adds the file and place.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from .. import i18n
from ..domain import MINUTES_PER_HOUR
from ..i18n import N_, _

T = TypeVar("T")
Convert = Callable[[Any], T]

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")
# Thousands written with spaces ("1 350", also no-break spaces), decimals with "," or ".".
NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?$|^[+-]?\d+(?:[.,]\d+)?$")
TRUE_WORDS = {"true", "vrai", "oui", "yes", "1", "x"}
FALSE_WORDS = {"false", "faux", "non", "no", "0"}
# Two-digit years as Excel reads them: 00-29 are 2000-2029, 30-99 are 1930-1999.
TWO_DIGIT_PIVOT = 30


class Bad(Exception):
    """A value that does not convert: `message` says why; `suffix` names a part (`[2]` of a list)."""

    def __init__(self, message: str, suffix: str = ""):
        super().__init__(message)
        self.message = message
        self.suffix = suffix


def either(words: Iterable[str]) -> str:
    """ "a or b or c" (one word or more), in the current language; each word as given: quote it first."""
    return functools.reduce(lambda a, b: _("{first} or {second}").format(first=a, second=b), words)


def both(words: Iterable[str]) -> str:
    """ "a and b and c" (one word or more), in the current language; each word as given: quote it first."""
    return functools.reduce(lambda a, b: _("{first} and {second}").format(first=a, second=b), words)


def decimal(value: float) -> str:
    """A number as `{value:g}` writes it, with a decimal comma in French (`12,5`)."""
    shown = f"{value:g}"
    return shown.replace(".", ",") if i18n.current() == "fr" else shown


def suggest(word: object, known: Iterable[str]) -> str:
    """ "; did you mean 'x'?" when a known name is close to `word` (the closest, or two or three
    equally close), else "" (in the current language)."""
    if not isinstance(word, str):
        return ""
    scored = []
    for name in sorted(set(known)):
        matcher = difflib.SequenceMatcher(None, word, name)
        if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75 and matcher.ratio() >= 0.75:
            scored.append((matcher.ratio(), name))
    best = max((score for score, _name in scored), default=0)
    close = [name for score, name in scored if score == best]
    if not close or len(close) > 3:  # many names as close: none of them is a better guess
        return ""
    # TRANSLATORS: appended to a message; {names} is one name, or "'a' or 'b'".
    return _("; did you mean {names}?").format(names=either(map(repr, close)))


def fold(text: str) -> str:
    """Lowercase, without accents, spaces/underscores/hyphens/apostrophes as one space: how two
    spellings of a header or a sheet name are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.split(r"[\s_\-'’.]+", plain)).strip()


def text(value: Any) -> str:
    """A string (a whole number in a spreadsheet cell, such as a code 123, is read as its digits)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise Bad(_("must be a string, not {value!r}").format(value=value))
    bad = CONTROL.search(value)
    if bad:  # a NUL or another control character would reach the feeds raw (invalid iCal)
        raise Bad(
            _("forbidden control character (U+{code}); remove it from the text").format(code=f"{ord(bad.group()):04X}")
        )
    return value


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email(value: Any) -> str:
    """An e-mail address (empty: none)."""
    word = text(value).strip()
    if word and not EMAIL.fullmatch(word):
        raise Bad(_("{value!r} is not an e-mail address (name@domain.fr)").format(value=word))
    return word


def slug(value: Any) -> str:
    word = text(value).strip()
    if not SLUG.match(word):
        guess = fold(word).replace(" ", "-")
        # TRANSLATORS: appended to the next message.
        hint = _("; perhaps {id!r}").format(id=guess) if SLUG.match(guess) else ""
        raise Bad(
            _("{value!r} is not an id: use lowercase letters, digits and '-'{hint}").format(value=word, hint=hint)
        )
    return word


def slugs(value: Any) -> tuple[str, ...]:
    """Ids: a TOML list, or a cell of ids separated by ',', ';' or spaces."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[;,\s]+", value) if v]
    if not isinstance(value, list):
        raise Bad(_("must be a list of ids, not {value!r}").format(value=value))
    found = []
    for i, item in enumerate(value):
        try:
            found.append(slug(item))
        except Bad as bad:
            raise Bad(bad.message, f"[{i}]") from None
    return tuple(found)


def _number(value: Any, wrong: str) -> float:
    """`value` as a number; else Bad(`wrong`, a message with {value!r}, translated here)."""
    if isinstance(value, str):
        written = value.strip()
        if NUMBER.match(written):
            return float(re.sub(r"[ \u00a0\u202f]", "", written).replace(",", "."))
        raise Bad(_(wrong).format(value=value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Bad(_(wrong).format(value=value))
    return value


WHOLE = N_("must be a whole number, not {value!r}")
HOURS = N_("must be a number of hours, not {value!r}")


def whole(minimum: int = 1, maximum: int = 10_000) -> Convert[int]:
    """A whole number within [minimum, maximum] (`3`, `"3"`, a cell 3.0)."""

    def convert(value: Any) -> int:
        number = _number(value, WHOLE)
        if not math.isfinite(number) or number != int(number):
            raise Bad(_(WHOLE).format(value=value))
        if number < minimum:
            raise Bad(
                _("must be positive, not {value}").format(value=int(number))
                if minimum == 1
                else _("must be at least {minimum}").format(minimum=minimum)
            )
        if number > maximum:
            raise Bad(
                _("{value} is too large: the largest accepted is {maximum}").format(value=int(number), maximum=maximum)
            )
        return int(number)

    convert.__doc__ = f"whole number, {minimum} to {maximum}"
    return convert


def hours(maximum: int) -> Convert[int]:
    """Hours (a positive number, `12,5` or `12.5`) as whole minutes, at most `maximum` hours."""

    def convert(value: Any) -> int:
        number = _number(value, HOURS)
        if not math.isfinite(number) or number <= 0:
            raise Bad(_("must be a positive number of hours, not {value}").format(value=_written(number)))
        if number > maximum:
            raise Bad(
                _("{hours} h is too many: the largest accepted is {maximum} h").format(
                    hours=decimal(number), maximum=maximum
                )
            )
        minutes = number * MINUTES_PER_HOUR
        if abs(minutes - round(minutes)) > 1e-9:
            raise Bad(_("{hours} h is not a whole number of minutes").format(hours=_written(number)))
        return round(minutes)

    convert.__doc__ = f"hours, more than 0 and at most {maximum}; `12,5` or `12.5`"
    return convert


def _written(value: float) -> str:
    """`str(value)`, with a decimal comma in French."""
    return str(value).replace(".", ",") if i18n.current() == "fr" else str(value)


def boolean(value: Any) -> bool:
    """true/false, vrai/faux, oui/non, 1/0, x (an empty cell is the default)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Bad(_("must be true or false (vrai/faux, oui/non, 1/0, x), not {value!r}").format(value=value))


def _day(year: int, month: int, day: int, written: str) -> date:
    if not 1 <= month <= 12:
        raise Bad(
            _("{value!r} has no month {month}: dates are day first, DD/MM/YYYY, or YYYY-MM-DD").format(
                value=written, month=month
            )
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise Bad(_("{value!r} is not a day of the calendar").format(value=written)) from None


def day(value: Any) -> date:
    """A date: TOML or workbook date, `2025-09-01`, `01/09/2025`, `01/09/25` (day first)."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise Bad(_("must be a date without a time of day, not {value}").format(value=value.isoformat(" ")))
        return value.date()
    if isinstance(value, date):
        return value
    written = value.strip() if isinstance(value, str) else None
    if written is not None:
        if match := ISO_DATE.match(written) or YEAR_FIRST.match(written):
            year, month, dd = map(int, match.groups())
            return _day(year, month, dd, written)
        if match := DAY_FIRST.match(written):
            dd, month, year = map(int, match.groups())
            if len(match.group(3)) == 2:
                year += 2000 if year < TWO_DIGIT_PIVOT else 1900
            return _day(year, month, dd, written)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise Bad(
            _("must be a date YYYY-MM-DD or DD/MM/YYYY, not the number {value!r}: format the cell as a date").format(
                value=value
            )
        )
    raise Bad(_("must be a date YYYY-MM-DD or DD/MM/YYYY, not {value!r}").format(value=value))


def month_day(value: Any, cell: bool = False) -> tuple[int, int]:
    """The day of a yearly season: `"12-01"`; in a spreadsheet cell also French `01/12` (day first)
    or a date cell (its day and month: a spreadsheet turns `01/12` typed in a cell into 1 December
    of this year)."""
    if cell and isinstance(value, date) and not isinstance(value, datetime):
        return value.month, value.day
    written = value.strip() if isinstance(value, str) else None
    month = dd = 0
    if written is not None and (match := MONTH_DAY.match(written)):
        month, dd = int(match.group(1)), int(match.group(2))
    elif cell and written is not None and (match := DAY_MONTH.match(written)):
        dd, month = int(match.group(1)), int(match.group(2))
    if month:
        try:
            date(2000, month, dd)  # a leap year, so "02-29" is a real month-day
            return month, dd
        except ValueError:
            pass
    if cell:
        raise Bad(
            _('must be a month-day "MM-DD" such as "12-01" (or 01/12, day first), not {value!r}').format(value=value)
        )
    raise Bad(_('must be a month-day "MM-DD" such as "12-01", not {value!r}').format(value=value))


def choice(words: dict[str, str]) -> Convert[str]:
    """One word of a fixed list (`words` maps each accepted spelling, folded, to the value)."""
    values = sorted(set(words.values()))

    def convert(value: Any) -> str:
        word = text(value)
        found = words.get(fold(word))
        if found is None:
            close = difflib.get_close_matches(fold(word), sorted(words), n=1, cutoff=0.6)
            hint = _("; did you mean {names}?").format(names=repr(words[close[0]])) if close else ""
            raise Bad(
                _("unknown value {value!r}: use {choices}{hint}").format(
                    value=word, choices=either(map(repr, values)), hint=hint
                )
            )
        return found

    convert.__doc__ = " | ".join(map(repr, values))
    return convert


def rhythm(value: Any) -> tuple[int, int]:
    """[CFA weeks, company weeks]: two whole numbers from 1 to 52."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and 0 < x <= 52 for x in value)
    ):
        return value[0], value[1]
    raise Bad(_("must be two whole numbers from 1 to 52 [CFA weeks, company weeks], not {value!r}").format(value=value))
