"""Extract the package's messages and write the French catalogue (`.po`, compiled to `.mo`).

    .venv/bin/python tools/catalogue.py                       # after changing messages in code
    .venv/bin/python tools/catalogue.py --add new.json        # merge translations written apart

Every `_()`, `N_()` and `ngettext()` message of `src/alternance` is kept with its French; a
message that left the code leaves the catalogue; a new one gets the French given by `--add`
(a JSON object: English msgid -> French, or for a plural -> {"plural": ..., "fr": [one, many]})
or stays empty, and the command then lists it and exits 1. The output is the same bytes for the
same messages: no dates, no source locations (they would change with every edit).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "alternance"
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "alternance.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
FIXED = datetime(2026, 1, 1, tzinfo=UTC)  # no date in the files: the same bytes each time


def extracted() -> dict[str, str | None]:
    """Each message of the code: its msgid and, for a plural, its plural msgid."""
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found.setdefault(message, None)
    return found


def _read(path: Path) -> dict[str, str | tuple[str, ...]]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f)
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): (tuple(m.string) if isinstance(m.id, tuple) else m.string)
        for m in catalog
        if m.id
    }


def catalogue(messages: dict[str, str | None], french: dict) -> tuple[Catalog, list[str]]:
    catalog = Catalog(
        locale="fr",
        domain="alternance",
        project="alternance",
        version="",
        creation_date=FIXED,
        revision_date=FIXED,
        fuzzy=False,
        copyright_holder="the alternance authors",
        msgid_bugs_address="https://github.com/alternance/alternance/issues",
        last_translator="the alternance authors",
        language_team="French",
    )
    missing = []
    for msgid, plural in sorted(messages.items()):
        text = french.get(msgid)
        if plural is None:
            string = text if isinstance(text, str) else ""
            catalog.add(msgid, string)
        else:
            # French has "one" and "other" forms; CLDR adds a "many" (a million...) that reads as "other".
            forms = list(text)[:2] if isinstance(text, (tuple, list)) and len(text) >= 2 else ["", ""]
            strings = tuple(forms + [forms[1]] * (catalog.num_plurals - 2))
            catalog.add((msgid, plural), strings)
            string = forms[0] and forms[1]
        if not string:
            missing.append(msgid)
    return catalog, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", type=Path, action="append", default=[], help="JSON translations to merge")
    args = parser.parse_args()
    french: dict = dict(_read(PO))
    for path in args.add:
        for msgid, value in json.loads(path.read_text(encoding="utf-8")).items():
            french[msgid] = value["fr"] if isinstance(value, dict) else value
    catalog, missing = catalogue(extracted(), french)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=0, no_location=True, sort_output=True, omit_header=False)
    with PO.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)
    for msgid in missing:
        print(f"no French yet: {msgid}", file=sys.stderr)
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} without French")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
