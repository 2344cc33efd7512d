"""Benchmark: `alternance serve` under a bounded load on loopback.

    .venv/bin/python bench/serve_load.py [--requests 3000] [--threads 4]

Builds the seed plan into a temporary folder, starts the real server (Starlette on uvicorn) on a
free 127.0.0.1 port, then sends a fixed number of GET requests for the published feeds (about one
in ten with If-None-Match, answered 304) from a few client threads, and reports the rate.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    import uvicorn

    from alternance.publish.serve import make_app

    work = Path(tempfile.mkdtemp(prefix="alternance-serve-"))
    out = work / "calendars"
    exe = str(Path(sys.executable).parent / "alternance")
    subprocess.run(
        [exe, "build", str(ROOT / "constraints" / "charmilles-agora.toml"), "--out", str(out), "--today", "2024-08-01"],
        check=True,
        capture_output=True,
    )
    paths = [
        line.split(" ", 1)[1]
        for line in subprocess.run(
            [exe, "links", str(ROOT / "constraints" / "charmilles-agora.toml"), "--out", str(out)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    ]

    server = uvicorn.Server(uvicorn.Config(make_app(out / "public"), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    etags: dict[str, str] = {}
    counts = {"200": 0, "304": 0, "error": 0}
    lock = threading.Lock()

    def client(n: int, offset: int) -> None:
        for i in range(n):
            path = paths[(offset + i) % len(paths)]
            headers = {"If-None-Match": etags[path]} if i % 10 == 9 and path in etags else {}
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(base + path, headers=headers), timeout=10
                ) as response:
                    response.read()
                    key = "200"
                    etags[path] = response.headers["etag"]
            except urllib.error.HTTPError as error:
                key = "304" if error.code == 304 else "error"
            except OSError:
                key = "error"
            with lock:
                counts[key] += 1

    per = args.requests // args.threads
    started = time.perf_counter()
    clients = [threading.Thread(target=client, args=(per, k * 7)) for k in range(args.threads)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    seconds = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=10)
    total = per * args.threads
    print("| requests | client threads | 200 | 304 | errors | seconds | requests/s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {total} | {args.threads} | {counts['200']} | {counts['304']} | {counts['error']} | {seconds:.1f} | {total / seconds:.0f} |"
    )


if __name__ == "__main__":
    main()
