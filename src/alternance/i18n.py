"""The language of the messages people read: French by default, English on request.

Messages are written in English in the code, marked `_("...")` (or `N_("...")` where a table
holds them, to translate when shown), and translated through the gettext catalogue
`locale/fr/LC_MESSAGES/alternance.po`, compiled to `alternance.mo` beside it. The README says how
to extract, update and compile it with Babel; `tests/test_i18n.py` fails when the catalogue is
stale, a message has no French, or a translation loses a `{placeholder}`.

The language is `--lang` when a command gives it (`use()`), else the environment's: an English
`LANGUAGE`, `LC_ALL`, `LC_MESSAGES` or `LANG` (the first one set) gives English, anything else
French.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

LANGS = ("fr", "en")
DOMAIN = "alternance"
LOCALE_DIR = Path(__file__).parent / "locale"

_chosen: dict[str, str | None] = {"lang": None}  # set by use(); None: follow the environment
_catalogues: dict[str, gettext.NullTranslations] = {}


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """`en` when the first language variable set names English, else `fr`."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "en" if value.split(":")[0].lower().startswith("en") else "fr"
    return "fr"


def use(lang: str | None) -> None:
    """Speak `lang` from now on (None: the environment's language again)."""
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    _chosen["lang"] = lang


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Speak `lang` inside the block (None: as before), then as before."""
    before = _chosen["lang"]
    if lang is not None:
        use(lang)
    try:
        yield
    finally:
        _chosen["lang"] = before


def current() -> str:
    return _chosen["lang"] or from_environment()


def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang not in _catalogues:
        if lang == "en":  # the code's own language
            _catalogues[lang] = gettext.NullTranslations()
        else:
            _catalogues[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    return _catalogues[lang]


def _(message: str) -> str:
    """`message` in the current language."""
    return _catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural` for `n`, in the current language."""
    return _catalogue(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it yet (a table's entry)."""
    return message


def number(value: float, digits: int = 2) -> str:
    """A decimal for people: `0,29` in French, `0.29` in English."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if current() == "fr" else text


def day(value: date) -> str:
    """A date for people: `02/09/2024` in French, `2024-09-02` in English."""
    return value.strftime("%d/%m/%Y") if current() == "fr" else value.isoformat()
