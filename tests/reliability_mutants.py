"""Bad plans made by mutating the seed plan (constraints/), for the reliability tests and bench.

`mutants(seed, count)` gives `count` (name, write) pairs, the same ones for the same seed: each
`write(folder)` writes a broken copy of the seed plan (TOML and CSV) into `folder` and returns
the path to give to `alternance check` or `build`. Every mutation is meant to make the plan
invalid (one operator per kind of mistake a planner or a tool makes), so the command must end
with exit 2 and one line per problem, never with a traceback and never by writing anything.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import tomllib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_PLAN = ROOT / "constraints" / "charmilles-agora.toml"
SEED_CSV = ROOT / "constraints" / "apprentices.csv"

Data = dict[str, Any]
Write = Callable[[Path], Path]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _is_tables(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _section(name: str, table: Data, array: bool) -> list[str]:
    lines = [f"[[{name}]]" if array else f"[{name}]"]
    lines += [f"{json.dumps(k)} = {_value(v)}" for k, v in table.items() if not _is_tables(v)]
    for key, items in table.items():
        if _is_tables(items):
            for item in items:
                lines += _section(f"{name}.{key}", item, True)
    return lines


def toml_text(data: Data) -> str:
    lines = [f"{json.dumps(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict) and not _is_tables(v)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", *_section(key, value, False)]
        elif _is_tables(value):
            for item in value:
                lines += ["", *_section(key, item, True)]
    return "\n".join(lines) + "\n"


def seed() -> tuple[Data, list[dict[str, str]], list[str]]:
    data = tomllib.loads(SEED_PLAN.read_text(encoding="utf-8"))
    with SEED_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return data, list(reader), list(reader.fieldnames or [])


def csv_text(rows: list[dict[str, str]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _leaves(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every scalar or list of scalars in the plan."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif _is_tables(node):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path, node


def _tables(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Data]]:
    if isinstance(node, dict):
        if path:
            yield path, node
        for k, v in node.items():
            if isinstance(v, dict) or _is_tables(v):
                yield from _tables(v, (*path, k))
    elif _is_tables(node):
        for i, v in enumerate(node):
            yield from _tables(v, (*path, i))


def _at(data: Data, path: tuple) -> Any:
    for step in path:
        data = data[step]
    return data


def _set(data: Data, path: tuple, value: Any) -> None:
    _at(data, path[:-1])[path[-1]] = value


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "peut-être"
    if isinstance(value, (int, float)):
        return "beaucoup"
    if isinstance(value, date):
        return "2025-13-45"
    if isinstance(value, str):
        return [1, 2]
    if isinstance(value, list):
        return {"x": 1}
    return [value]


# Numbers where a whole positive one is meant: negative, fractional, not finite, out of any range.
BAD_NUMBERS = [-1, -(10**9), float("nan"), 2.5e-9, 0.5, -0.0001]
# Numbers too large for any plan (and for the solver's 64-bit integers), or infinite.
HUGE_NUMBERS = [10**12, 10**30, 1e308, float("inf")]
NAME_KEYS = ("name",)  # free text, where a control character would reach the feeds
CONTROL = ["\u0000", "\u001b", "\u0007", "\u007f"]
DATES = ["", "31/12/2025", "2025-02-30", "demain", "2025-1-5"]
CSV_BAD = {
    "birth_date": DATES,
    "contract_start": DATES,
    "contract_end": DATES,
    "id": ["", "A 1", "../x", "a-001"],  # a-001: the first row's id again
    "cohort": ["", "nulle-part"],
    "company": ["", "Cabinet Martin"],
}
BROKEN_LINES = ["= 3", "key = ", "[[cohort", 'name = "unclosed', "[plan]", "a = 1\na = 2", "x = [1, 2"]


class _Mutator:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def _leaf(self, data: Data, keep: Callable[[tuple, Any], bool]) -> tuple | None:
        choices = [p for p, v in _leaves(data) if keep(p, v)]
        return self.rng.choice(choices) if choices else None

    # --- plan values -------------------------------------------------------------------------------
    def wrong_type(self, data: Data, rows: list, header: list) -> str:
        path = self._leaf(data, lambda p, v: True)
        assert path is not None
        _set(data, path, _wrong_type(_at(data, path)))
        return ".".join(map(str, path))

    def _number(self, data: Data, numbers: list) -> str:
        """One whole number of the plan replaced by one of `numbers`."""
        path = self._leaf(data, lambda p, v: isinstance(v, int) and not isinstance(v, bool))
        assert path is not None
        number = self.rng.choice(numbers)
        _set(data, path, number)
        return f"{'.'.join(map(str, path))}={number!r}"

    def bad_number(self, data: Data, rows: list, header: list) -> str:
        return self._number(data, BAD_NUMBERS)

    def huge_number(self, data: Data, rows: list, header: list) -> str:
        return self._number(data, HUGE_NUMBERS)

    def missing_key(self, data: Data, rows: list, header: list) -> str:
        required = ("id", "start", "end", "programme", "total_hours", "hours")
        path = self._leaf(data, lambda p, v: p[-1] in required and not (p[0] == "closure" and p[-1] == "end"))
        assert path is not None
        del _at(data, path[:-1])[path[-1]]
        return ".".join(map(str, path))

    def unknown_key(self, data: Data, rows: list, header: list) -> str:
        path, table = self.rng.choice(list(_tables(data)))
        table[self.rng.choice(["colour", "Name", "startt", "hours_per_weeks"])] = 1
        return ".".join(map(str, path))

    def dangling_reference(self, data: Data, rows: list, header: list) -> str:
        kind = self.rng.choice(["programme", "subjects", "csv-cohort", "csv-company"])
        if kind == "programme":
            cohort = self.rng.choice(data["cohort"])
            cohort["programme"] = "nulle-part"
            return f"cohort[{cohort['id']}].programme"
        if kind == "subjects":
            trainer = self.rng.choice(data["trainer"])
            trainer["subjects"] = [*trainer["subjects"], "nulle-part"]
            return f"trainer[{trainer['id']}].subjects"
        row = self.rng.choice(rows)
        row[kind.removeprefix("csv-")] = "nulle-part"
        return f"apprentices.csv {row['id']}.{kind}"

    def duplicate_id(self, data: Data, rows: list, header: list) -> str:
        kind = self.rng.choice(["cohort", "company", "trainer", "programme", "subject", "csv"])
        if kind == "csv":
            rows.append(dict(self.rng.choice(rows)))
            return "apprentices.csv"
        items = data["programme"][0]["subject"] if kind == "subject" else data[kind]
        items.append(copy.deepcopy(self.rng.choice(items)))
        return kind

    def reversed_dates(self, data: Data, rows: list, header: list) -> str:
        found = [
            (p, t)
            for p, t in _tables(data)
            if isinstance(t.get("start"), date) and isinstance(t.get("end"), date) and t["start"] != t["end"]
        ]  # not the every-year "MM-DD" seasons: one from December to January is meant
        path, table = self.rng.choice(found)
        table["start"], table["end"] = table["end"], table["start"]
        return ".".join(map(str, path))

    def control_character(self, data: Data, rows: list, header: list) -> str:
        path = self._leaf(data, lambda p, v: p[-1] in NAME_KEYS and isinstance(v, str))
        assert path is not None
        text = _at(data, path)
        at = self.rng.randrange(len(text) + 1)
        _set(data, path, text[:at] + self.rng.choice(CONTROL) + text[at:])
        return ".".join(map(str, path))

    # --- the CSV -----------------------------------------------------------------------------------
    def csv_value(self, data: Data, rows: list, header: list) -> str:
        row = self.rng.choice(rows)
        key = self.rng.choice(list(CSV_BAD))
        who = row["id"]
        row[key] = self.rng.choice(CSV_BAD[key])
        return f"{who}.{key}={row[key][:12]!r}"

    def csv_shape(self, data: Data, rows: list, header: list) -> str:
        kind = self.rng.choice(["drop-column", "rename-column"])
        column = self.rng.choice(["id", "cohort", "company", "contract_start", "contract_end"])
        at = header.index(column)
        if kind == "drop-column":
            del header[at]
        else:
            header[at] = column[:-2] + "zz"  # not a header any case or accent folding could read
            for row in rows:
                row[header[at]] = row.pop(column)
        return f"{kind} {column}"


OPERATORS = [
    "wrong_type",
    "bad_number",
    "missing_key",
    "unknown_key",
    "dangling_reference",
    "duplicate_id",
    "reversed_dates",
    "control_character",
    "csv_value",
    "csv_shape",
]
# Byte-level damage to the files as written: a tool's bug, a bad copy, a wrong encoding.
BYTE_OPERATORS = ["broken_line", "cut_in_a_string", "bad_utf8", "nul_byte", "csv_bytes"]
FILE_OPERATORS = ["plan_is_a_folder", "empty_plan", "csv_missing", "csv_is_a_folder", "csv_outside", "binary_plan"]


def _writer(toml: bytes, csv_bytes: bytes, files: str | None = None) -> Write:
    def write(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        plan = folder / "charmilles-agora.toml"
        if files == "plan_is_a_folder":
            plan.mkdir()
            return plan
        plan.write_bytes(toml)
        if files == "csv_is_a_folder":
            (folder / "apprentices.csv").mkdir()
        elif files != "csv_missing":
            (folder / "apprentices.csv").write_bytes(csv_bytes)
        return plan

    return write


def mutants(seed_value: int = 15, count: int = 200, kinds: list[str] | None = None) -> list[tuple[str, Write]]:
    """`count` broken copies of the seed plan, the same for the same seed, cycling through
    `kinds` (every operator but `huge_number` by default)."""
    rng = random.Random(seed_value)
    mutator = _Mutator(rng)
    base, base_rows, base_header = seed()
    found: list[tuple[str, Write]] = []
    kinds = kinds or OPERATORS + BYTE_OPERATORS + FILE_OPERATORS
    for i in range(count):
        kind = kinds[i % len(kinds)]
        data, rows, header = copy.deepcopy(base), copy.deepcopy(base_rows), list(base_header)
        where = ""
        if kind in OPERATORS or kind == "huge_number":
            where = getattr(mutator, kind)(data, rows, header)
        toml, table = toml_text(data).encode("utf-8"), csv_text(rows, header).encode("utf-8")
        if kind == "broken_line":
            lines = toml.split(b"\n")
            at = rng.randrange(1, len(lines))
            lines.insert(at, rng.choice(BROKEN_LINES).encode())
            toml, where = b"\n".join(lines), f"line {at + 1}"
        elif kind == "cut_in_a_string":
            quotes = [k for k in range(len(toml)) if toml[k : k + 1] == b'"']
            at = rng.choice(quotes[::2]) + 2  # inside a string, before its end
            toml, where = toml[:at], f"byte {at}"
        elif kind in ("bad_utf8", "nul_byte"):
            at = rng.randrange(len(toml))
            toml, where = toml[:at] + (b"\xff\xfe" if kind == "bad_utf8" else b"\x00") + toml[at:], f"byte {at}"
        elif kind == "csv_bytes":
            at = rng.randrange(len(table.split(b"\n", 1)[0]) + 1, len(table))
            table, where = table[:at] + rng.choice([b"\x00", b"\xff", b'"']) + table[at:], f"csv byte {at}"
        elif kind == "csv_outside":
            data["plan"]["apprentices"] = rng.choice(["../apprentices.csv", "/dev/zero", "/etc/passwd"])
            toml, where = toml_text(data).encode("utf-8"), data["plan"]["apprentices"]
        elif kind == "empty_plan":
            toml = rng.choice([b"", b"\n", b"# only a comment\n", b"[plan]\n"])
        elif kind == "binary_plan":
            toml = bytes(rng.randrange(256) for _ in range(200))
        found.append((f"{i:03d}-{kind}{'-' + where if where else ''}", _writer(toml, table, kind)))
    return found
