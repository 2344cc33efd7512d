"""Secret feed links, the publishable public/ folder, and `alternance serve` on loopback."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from test_rebuild import BEFORE, write

TOKEN = re.compile(r"^/(f/[A-Za-z0-9_-]{27}\.ics|p/[A-Za-z0-9_-]{27}\.html)$")


def cli(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def links(out: Path, *extra: str) -> dict[str, str]:
    lines = cli("links", *extra, "--out", str(out)).stdout.splitlines()
    return dict(line.split(" ", 1) for line in lines)


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Path, Path]:
    plan = write(tmp_path, lessons=True)
    out = tmp_path / "out"
    cli("build", str(plan), "--out", str(out), "--today", BEFORE)
    return plan, out


def test_every_feed_has_an_unguessable_stable_link(site) -> None:
    plan, out = site
    found = links(out, str(plan))
    assert {
        "c1",
        "c1/lessons",
        "companies/acme",
        "apprentices/a-1",
        "trainers/t-a",
        "companies/acme.html",
        "c1/calendar.html",
    } <= set(found)
    assert all(TOKEN.match(url) for url in found.values())  # 160 bits, URL-safe
    assert len(set(found.values())) == len(found)
    assert links(out, str(plan)) == found  # stable across calls and builds
    cli("build", str(plan), "--out", str(out), "--today", BEFORE)
    assert links(out, str(plan)) == found
    assert (
        cli("links", str(plan), "--out", str(out), "--base-url", "https://cfa.example/a/")
        .stdout.splitlines()[0]
        .startswith("c1 https://cfa.example/a/f/")
    )


def test_public_holds_only_token_names_and_the_secret_stays_outside(site) -> None:
    plan, out = site
    found = links(out, str(plan))
    public = out / "public"
    names = {str(p.relative_to(public)) for p in public.rglob("*") if p.is_file()}
    expected = {url.lstrip("/") for url in found.values()} | {"index.html", "f/index.html", "p/index.html"}
    assert names == expected
    assert (public / found["companies/acme"].lstrip("/")).read_bytes() == (out / "companies" / "acme.ics").read_bytes()
    secret = out.parent / ".alternance-secrets" / "mini.json"
    assert secret.exists() and secret.stat().st_mode & 0o077 == 0
    key = secret.read_text(encoding="utf-8")
    assert not any(key.split('"secret": "')[1][:16].encode() in p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_rotating_one_link_leaves_the_others(site) -> None:
    plan, out = site
    before = links(out, str(plan))
    after = links(out, str(plan), "--rotate", "companies/acme")
    assert after["companies/acme"] != before["companies/acme"]
    assert {k: v for k, v in after.items() if k != "companies/acme"} == {
        k: v for k, v in before.items() if k != "companies/acme"
    }
    assert not (out / "public" / before["companies/acme"].lstrip("/")).exists()
    assert (out / "public" / after["companies/acme"].lstrip("/")).exists()
    cli("build", str(plan), "--out", str(out), "--today", BEFORE)  # a rebuild keeps the rotation
    assert links(out, str(plan)) == after
    bad = CliRunner().invoke(main, ["links", str(plan), "--out", str(out), "--rotate", "companies/nobody"])
    assert bad.exit_code == 2 and "unknown feed" in bad.stderr


@pytest.fixture()
def server(site):
    """The real server (uvicorn + Starlette) on a free loopback port, in a thread."""
    import uvicorn

    from alternance.publish.serve import make_app

    plan, out = site
    config = uvicorn.Config(make_app(out / "public"), host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", plan, out
    srv.should_exit = True
    thread.join(timeout=10)


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_server_answers_the_right_feed_and_304(server) -> None:
    base, plan, out = server
    found = links(out, str(plan))
    status, headers, body = get(base + found["companies/acme"])
    assert status == 200 and body == (out / "companies" / "acme.ics").read_bytes()
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H" in body and b"X-PUBLISHED-TTL:PT12H" in body
    assert get(base + found["companies/acme"], {"If-None-Match": headers["etag"]})[0] == 304
    assert get(base + found["companies/acme"], {"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert get(base + found["companies/acme.html"])[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/f/",
        "/p/",
        "/f",
        "/f/AAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
        "/companies/acme.ics",
        "/c1/plan.json",
        "/../companies/acme.ics",
        "/f/..%2f..%2fcompanies%2facme.ics",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/f/%2e%2e/%2e%2e/c1/plan.json",
    ],
)
def test_server_gives_404_for_anything_but_a_token(server, path: str) -> None:
    base, _, _ = server
    status, _, body = get(base + path)
    assert status == 404, (path, status)
    assert b"acme" not in body.lower()


@pytest.mark.slow
def test_bounded_load_on_loopback(server) -> None:
    base, plan, out = server
    urls = [base + url for url in links(out, str(plan)).values()]
    errors, count, started = 0, 2000, time.perf_counter()
    for i in range(count):
        status, _, _ = get(urls[i % len(urls)])
        errors += status != 200
    rate = count / (time.perf_counter() - started)
    print(f"{count} requests, {errors} errors, {rate:.0f} requests/s")
    assert errors == 0
