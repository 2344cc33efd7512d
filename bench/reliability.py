"""Reliability bench: bad inputs, kills during rebuilds, a full disk, slow clients, requests
during rebuilds. Every figure is counted, none estimated; the randomness is seeded.

    .venv/bin/python bench/reliability.py [--seed 15] [--kills 24] [--slow 1000] [--seconds 10]
        [--rebuilds 8] [--out bench/results-reliability.md]

- **Bad inputs**: the 220 mutants of the seed plan of `tests/reliability_mutants.py` through
  `alternance check` in-process (and the numbers-too-large mutants, counted apart).
- **Kills**: the seed plan's week rhythm (lesson tables removed, as in `seed_wall.py`) is built,
  then rebuilt after one company's new hard busy season; each trial starts that rebuild and sends
  SIGKILL at a random moment (half anywhere in the rebuild, half while the new tree is being
  written or swapped), then checks that `--out` is the old tree or the new one, byte for byte,
  and that the next build works and leaves nothing behind.
- **Disk full**: a small tmpfs (root only; skipped, saying why, where `mount` fails): too small
  for a first build, nearly full before a rebuild, and out of inodes in the middle of a rebuild.
- **Slow clients**: `alternance serve` (a subprocess, default settings) with `--slow`
  connections that send half a request head and one more byte every 2 s, reopened when the
  server closes them, while 4 clients ask for feeds for `--seconds`; and the same without them.
- **Requests during rebuilds**: 4 clients ask for every feed while `--rebuilds` rebuilds swap the
  tree; an answer is truncated if its body is shorter than its Content-Length or does not end as
  the file does (`END:VCALENDAR`, `</html>`).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from rebuild import with_new_hard_peak
from seed_wall import weeks_only

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints"
TODAY = "2024-08-01"
EXE = str(Path(sys.executable).parent / "alternance")


def tree(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.glob(f".{folder.name}.*") if not p.name.endswith(".lock"))


def alternance(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], check=False, capture_output=True, text=True, timeout=timeout)


def build(plan: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return alternance("build", str(plan), "--out", str(out), "--today", TODAY)


def clear_error(done: subprocess.CompletedProcess[str]) -> bool:
    """Exit 2, no traceback, and the last line of stderr says what is wrong."""
    last = done.stderr.strip().splitlines()[-1:] or [""]
    return done.returncode == 2 and "Traceback" not in done.stderr and bool(last[0])


def plans(work: Path) -> tuple[Path, Path]:
    """The seed plan's weeks (a.toml) and the same with one company's new hard busy season (b.toml)."""
    folder = work / "plans"
    shutil.copytree(SEED, folder)
    text = weeks_only((folder / "charmilles-agora.toml").read_text(encoding="utf-8"))
    (folder / "charmilles-agora.toml").unlink()
    a, b = folder / "a.toml", folder / "b.toml"
    a.write_text(text, encoding="utf-8")
    b.write_text(with_new_hard_peak(text), encoding="utf-8")
    return a, b


# --- bad inputs ------------------------------------------------------------------------------------
def bad_inputs(seed: int, work: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from click.testing import CliRunner

    from alternance.cli import main
    from reliability_mutants import mutants

    rows = []
    for label, kinds, count in (("mutants of the seed plan", None, 220), ("numbers too large", ["huge_number"], 40)):
        counts: Counter[str] = Counter()
        for index, (_, write) in enumerate(mutants(seed, count, kinds)):
            folder = work / f"{label[:4]}-{index:03d}"
            plan = write(folder)
            before = sorted(folder.rglob("*"))
            result = CliRunner().invoke(main, ["check", str(plan)])
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                counts["traceback"] += 1
            elif result.exit_code == 2 and result.stderr.strip():
                counts["clear"] += 1
            else:
                counts[f"exit {result.exit_code}"] += 1
            counts["wrote"] += sorted(folder.rglob("*")) != before
        accepted = sum(v for k, v in counts.items() if k.startswith("exit"))
        rows.append(
            f"| {label} | {count} | {counts['clear']} | {counts['traceback']} | {accepted} | {counts['wrote']} |"
        )
    return [
        "| bad inputs (`check`) | tried | one clear error, exit 2 | tracebacks | accepted (exit 0) | wrote something |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


# --- kills -----------------------------------------------------------------------------------------
def kills(seed: int, trials: int, work: Path) -> list[str]:
    rng = random.Random(seed)
    a, b = plans(work)
    base = work / "base"
    assert build(a, base / "calendars").returncode == 0
    old = tree(base / "calendars")
    ref = work / "ref"
    shutil.copytree(base, ref)
    started = time.perf_counter()
    assert build(b, ref / "calendars").returncode == 0
    seconds = time.perf_counter() - started
    new = tree(ref / "calendars")
    assert old != new
    outcome: Counter[str] = Counter()
    for trial in range(trials):
        site = work / f"kill-{trial:02d}"
        shutil.copytree(base, site)
        out = site / "calendars"
        mode = "publishing" if trial % 2 else "anywhere"
        proc = subprocess.Popen(
            [EXE, "build", str(b), "--out", str(out), "--today", TODAY],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if mode == "anywhere":
            time.sleep(rng.uniform(0, seconds * 1.1))
        else:
            staged, deadline = site / ".calendars.new", time.monotonic() + seconds * 5
            while not staged.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.03))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = tree(out)
        outcome[f"{mode}: killed" if not finished else f"{mode}: had finished"] += 1
        outcome["old tree" if found == old else "new tree" if found == new else "damaged"] += 1
        again = build(b, out)
        outcome["next build ok"] += again.returncode == 0 and tree(out) == new and not leftovers(out)
        shutil.rmtree(site)
    killed = outcome["anywhere: killed"] + outcome["publishing: killed"]
    return [
        f"| kills (SIGKILL during a {seconds:.1f} s rebuild) | count |",
        "|---|---|",
        f"| trials | {trials} |",
        f"| killed while running (anywhere / while writing or swapping) | {killed} ({outcome['anywhere: killed']} / {outcome['publishing: killed']}) |",
        f"| had already finished | {trials - killed} |",
        f"| `--out` left as the old tree | {outcome['old tree']} |",
        f"| `--out` left as the new tree | {outcome['new tree']} |",
        f"| damaged trees (neither, or missing) | {outcome['damaged']} |",
        f"| next build worked, gave the new tree, left nothing beside | {outcome['next build ok']} of {trials} |",
    ]


# --- disk full -------------------------------------------------------------------------------------
def mount(folder: Path, options: str) -> str | None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=False, capture_output=True, text=True
    )
    return None if done.returncode == 0 else (done.stderr.strip() or f"mount exited {done.returncode}")


def umount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=False, capture_output=True)


def disk_full(work: Path) -> list[str]:
    a, b = plans(work / "disk-plans")
    sample = work / "disk-sample" / "calendars"
    assert build(a, sample).returncode == 0
    size = sum(len(v) for v in tree(sample).values())
    files = len(tree(sample))
    inodes = files + sum(1 for p in sample.rglob("*") if p.is_dir()) + 1
    rows = []

    def scenario(name: str, options: str, prepare, expect_old: bool) -> None:
        disk = work / f"disk-{len(rows)}"
        why = mount(disk, options)
        if why:
            rows.append(f"| {name} | skipped: `mount -t tmpfs` failed ({why}) | | | |")
            return
        try:
            out = disk / "calendars"
            plan = prepare(disk, out)
            before = tree(out)
            done = build(plan, out)
            damaged = tree(out) != before if expect_old else bool(tree(out))
            line = (done.stderr.strip().splitlines() or [""])[-1].replace(str(disk), "<tmpfs>")
            rows.append(
                f"| {name} | {'yes' if clear_error(done) else f'NO (exit {done.returncode})'} | "
                f"{'yes' if 'Traceback' in done.stderr else 'no'} | {'DAMAGED' if damaged else 'intact'}"
                f"{', left ' + ', '.join(leftovers(out)) if leftovers(out) else ', nothing left beside'} | {line} |"
            )
        finally:
            umount(disk)

    def first_build(disk: Path, out: Path) -> Path:
        return a

    def leaving(left: int):
        def nearly_full(disk: Path, out: Path) -> Path:
            assert build(a, out).returncode == 0
            free = shutil.disk_usage(disk).free
            with open(disk / "filler", "wb") as f:
                f.write(b"\0" * max(0, free - left))
            return b

        return nearly_full

    def few_inodes(disk: Path, out: Path) -> Path:
        assert build(a, out).returncode == 0
        return b

    scenario(
        f"first build on a {size // 2 // 1024} KiB tmpfs (tree: {size // 1024} KiB)",
        f"size={size // 2}",
        first_build,
        False,
    )
    scenario("rebuild with 256 KiB left free", f"size={size * 3 + 4 * 2**20}", leaving(256 * 1024), True)
    scenario("rebuild with 1.2 MiB left free", f"size={size * 3 + 4 * 2**20}", leaving(1200 * 1024), True)
    scenario(
        f"rebuild with {inodes + 8} inodes (tree: {inodes}): no space left in the middle of writing",
        f"size={size * 3 + 4 * 2**20},nr_inodes={inodes + 8}",
        few_inodes,
        True,
    )
    return [
        "| disk full (tmpfs) | one clear error, exit 2 | traceback | previous tree | last line |",
        "|---|---|---|---|---|",
        *rows,
    ]


# --- the server --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(out: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (out.parent / "serve.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
    proc = subprocess.Popen([EXE, "serve", "--out", str(out), "--port", str(port)], stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[bytes], out: Path) -> tuple[int, int]:
    """Stop the server; the tracebacks and the lines in its log."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    text = (out.parent / "serve.log").read_bytes()
    return text.count(b"Traceback"), text.count(b"\n")


def feed_paths(plan: Path, out: Path) -> list[str]:
    return [line.split(" ", 1)[1] for line in alternance("links", str(plan), "--out", str(out)).stdout.splitlines()]


def fetch(url: str) -> tuple[str, float, bytes, int | None]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read()
            length = int(r.headers["content-length"]) if r.headers["content-length"] else None
            return str(r.status), time.perf_counter() - started, body, length
    except urllib.error.HTTPError as error:
        return str(error.code), time.perf_counter() - started, b"", None
    except OSError as error:
        return type(error).__name__, time.perf_counter() - started, b"", None


def clients(base: str, paths: list[str], seconds: float, check, threads: int = 4) -> tuple[Counter[str], list[float]]:
    counts: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def run(offset: int) -> None:
        i = offset
        while time.monotonic() < until:
            path = paths[i % len(paths)]
            status, latency, body, length = fetch(base + path)
            with lock:
                counts[status] += 1
                latencies.append(latency)
                if status == "200" and not check(path, body, length):
                    counts["truncated"] += 1
            i += 1

    workers = [threading.Thread(target=run, args=(k * 7,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts, latencies


def whole(path: str, body: bytes, length: int | None) -> bool:
    end = b"END:VCALENDAR\r\n" if path.endswith(".ics") else b"</html>\n"
    return (length is None or length == len(body)) and body.endswith(end)


def slowloris(base: str, count: int, stop_event: threading.Event, tally: Counter[str]) -> None:
    host, port = base.removeprefix("http://").split(":")
    head = b"GET /f/aaaaaaaaaaaaaaaaaaaaaaaaaaa.ics HTTP/1.1\r\nHost: x\r\nX-Slow: "
    sockets: list[socket.socket | None] = [None] * count
    while not stop_event.is_set():
        for k in range(count):
            s = sockets[k]
            try:
                if s is None:
                    s = socket.create_connection((host, int(port)), timeout=2)
                    s.setblocking(False)
                    s.send(head)
                    sockets[k] = s
                    tally["opened"] += 1
                else:
                    s.send(b"a")
            except BlockingIOError:
                pass
            except OSError:
                tally["closed by the server"] += s is not None
                if s is not None:
                    s.close()
                sockets[k] = None
        stop_event.wait(2)
    for s in sockets:
        if s is not None:
            s.close()


def slow_clients(work: Path, count: int, seconds: float) -> list[str]:
    a, _ = plans(work / "slow-plans")
    out = work / "slow" / "calendars"
    assert build(a, out).returncode == 0
    paths = feed_paths(a, out)
    proc, base = serve(out)
    rows = []
    try:
        for label, attackers in (("no slow connections", 0), (f"{count} slow connections", count)):
            stop_event, tally = threading.Event(), Counter[str]()
            attack = threading.Thread(target=slowloris, args=(base, attackers, stop_event, tally), daemon=True)
            if attackers:
                attack.start()
                time.sleep(3)  # let them all connect
            counts, latencies = clients(base, paths, seconds, whole)
            stop_event.set()
            if attackers:
                attack.join(timeout=30)
            served = counts["200"]
            kinds = {k: v for k, v in counts.items() if k not in ("200", "truncated")}
            failed = f"{sum(kinds.values())}" + (
                f" ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})" if kinds else ""
            )
            p50, worst = statistics.median(latencies), max(latencies)
            rows.append(
                f"| {label} | {seconds:.0f} | {served} | {failed} | {p50 * 1000:.0f} | {worst:.2f} | "
                f"{tally['opened']} | {tally['closed by the server']} |"
            )
    finally:
        tracebacks, lines = stop(proc, out)
    return [
        "| slow clients (`alternance serve`, default settings: 200 connections, 10 s for a request head) | seconds | requests served (200) | failed | median ms | slowest s | slow connections opened | closed by the server |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Server log: {tracebacks} tracebacks in {lines} lines.",
    ]


def during_rebuilds(work: Path, rebuilds: int) -> list[str]:
    a, b = plans(work / "live-plans")
    out = work / "live" / "calendars"
    assert build(a, out).returncode == 0
    paths = feed_paths(a, out)
    proc, base = serve(out)
    done: list[int] = []
    result: list[tuple[Counter[str], list[float]]] = []
    try:
        stop_at = threading.Event()

        def load() -> None:
            total: Counter[str] = Counter()
            while not stop_at.is_set():
                counts, _ = clients(base, paths, 1.0, whole)
                total.update(counts)
            result.append((total, []))

        thread = threading.Thread(target=load)
        thread.start()
        for k in range(rebuilds):
            done.append(build(b if k % 2 == 0 else a, out).returncode)
        stop_at.set()
        thread.join()
    finally:
        tracebacks, _ = stop(proc, out)
    counts = result[0][0]
    others = sum(v for key, v in counts.items() if key not in ("200", "truncated"))
    return [
        "| requests during rebuilds | rebuilds (all exit 0) | requests | 200 | truncated | other answers or errors | server tracebacks |",
        "|---|---|---|---|---|---|---|",
        f"| {len(paths)} feeds and pages, 4 clients | {rebuilds} ({'yes' if set(done) == {0} else done}) | "
        f"{sum(v for key, v in counts.items() if key != 'truncated')} | {counts['200']} | {counts['truncated']} | {others} | {tracebacks} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rebuilds", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None, help="Also write the tables to this Markdown file.")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.slow + 256)), hard))
    work = Path(tempfile.mkdtemp(prefix="alternance-reliability-"))
    sections = []
    try:
        for name, step in (
            ("bad inputs", lambda: bad_inputs(args.seed, work / "inputs")),
            ("kills", lambda: kills(args.seed, args.kills, work / "kills")),
            ("disk full", lambda: disk_full(work / "disk")),
            ("slow clients", lambda: slow_clients(work / "slow", args.slow, args.seconds)),
            ("requests during rebuilds", lambda: during_rebuilds(work / "live", args.rebuilds)),
        ):
            started = time.perf_counter()
            (work / name.split()[0]).mkdir(parents=True, exist_ok=True)
            lines = step()
            print("\n".join(lines), flush=True)
            print(f"\n({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)
            sections.append("\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.out:
        command = "    .venv/bin/python bench/reliability.py " + " ".join(
            f"--{k} {v}" for k, v in vars(args).items() if k != "out"
        )
        args.out.write_text(
            "# Reliability\n\n" + command + f" --out {args.out}\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
