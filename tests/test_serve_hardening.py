"""`alternance serve` against bad luck and hostile clients: nothing published, swaps, caches, logs."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.publish import serve
from alternance.publish.serve import make_app

TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0"
FEED = f"/f/{TOKEN}.ics"
PAGE = f"/p/{TOKEN}.html"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def publish(out: Path, ics: bytes = ICS, html: bytes = b"<!DOCTYPE html><title>p</title>\n") -> Path:
    public = out / "public"
    (public / "f").mkdir(parents=True, exist_ok=True)
    (public / "p").mkdir(parents=True, exist_ok=True)
    (public / "index.html").write_bytes(b"<!DOCTYPE html>\n")
    (public / "f" / f"{TOKEN}.ics").write_bytes(ics)
    (public / "p" / f"{TOKEN}.html").write_bytes(html)
    return public


class Answer:
    def __init__(self, status: int, headers: dict[str, str], content: bytes):
        self.status_code, self.headers, self.content = status, headers, content
        self.text = content.decode("utf-8")


class Client:
    """A minimal ASGI client: one request, the whole answer (no httpx needed)."""

    def __init__(self, app):
        self.app = app

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "http_version": "1.1",
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1),
        }
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = sent[0]
        assert start["type"] == "http.response.start"
        body = b"".join(m.get("body", b"") for m in sent[1:])
        return Answer(start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers)

    def head(self, path: str) -> Answer:
        return self.request("HEAD", path)

    def post(self, path: str) -> Answer:
        return self.request("POST", path)


def client(public: Path) -> Client:
    return Client(make_app(public))


def test_nothing_published_is_a_503_with_a_clear_line(tmp_path: Path) -> None:
    c = client(tmp_path / "out" / "public")
    for path in ("/", FEED, "/anything"):
        r = c.get(path)
        assert r.status_code == 503
        assert "alternance build" in r.text and len(r.text.splitlines()) == 1
        assert r.headers["content-type"].startswith("text/plain")
    publish(tmp_path / "out")  # a build comes: served without a restart
    assert c.get(FEED).status_code == 200
    shutil.rmtree(tmp_path / "out")  # and goes away again
    assert c.get(FEED).status_code == 503


@pytest.mark.parametrize("path", [FEED, PAGE, "/", "/f/", "/f/nope.ics", "/index.html", "/../public/index.html"])
def test_security_headers_on_every_answer(tmp_path: Path, path: str) -> None:
    r = client(publish(tmp_path / "out")).get(path)
    assert r.status_code in (200, 404)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "server" not in {k.lower() for k in r.headers} or "uvicorn" not in r.headers.get("server", "")


def test_security_headers_on_503(tmp_path: Path) -> None:
    r = client(tmp_path / "public").get(FEED)
    assert r.status_code == 503 and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_no_listing_and_only_token_names(tmp_path: Path) -> None:
    public = publish(tmp_path / "out")
    (public / "f" / "secret.txt").write_text("x")
    c = client(public)
    for path in ("/", "/f", "/f/", "/p/", "/index.html", "/f/secret.txt", f"/f/{TOKEN}.ics/"):
        assert c.get(path).status_code == 404, path
    assert c.post(FEED).status_code == 404


def test_feeds_are_private_to_caches(tmp_path: Path) -> None:
    c = client(publish(tmp_path / "out"))
    r = c.get(FEED)
    assert r.status_code == 200 and r.content == ICS
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["cache-control"] == "private, max-age=300"
    assert c.get(PAGE).headers["cache-control"] == "private, max-age=300"
    assert c.get("/f/nope.ics").headers["cache-control"] == "no-store"


def test_etag_is_strong_and_follows_the_bytes_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    c = client(publish(out))
    first = c.get(FEED).headers["etag"]
    assert first.startswith('"') and not first.startswith("W/")
    shutil.rmtree(out)  # a rebuild rewrites every file with the same bytes
    publish(out)
    later = os.stat(out / "public" / "f" / f"{TOKEN}.ics").st_mtime + 100
    os.utime(out / "public" / "f" / f"{TOKEN}.ics", (later, later))
    assert c.get(FEED).headers["etag"] == first
    r = c.get(FEED, headers={"If-None-Match": first})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == first and r.headers["cache-control"] == "private, max-age=300"
    assert c.get(FEED, headers={"If-None-Match": f'"other", {first}'}).status_code == 304
    publish(out, ics=ICS + b"X")
    r = c.get(FEED, headers={"If-None-Match": first})
    assert r.status_code == 200 and r.headers["etag"] != first and r.content == ICS + b"X"


def test_head_gives_the_headers_without_the_body(tmp_path: Path) -> None:
    r = client(publish(tmp_path / "out")).head(FEED)
    assert r.status_code == 200 and r.content == b"" and r.headers["content-length"] == str(len(ICS))


def test_reads_during_swaps_give_old_or_new_bytes_never_a_mix(tmp_path: Path) -> None:
    out, old, new = tmp_path / "out", ICS * 2000, b"N" * 50_000 + ICS
    publish(out, ics=old)
    stop = threading.Event()

    def rebuilds() -> None:
        content = [old, new]
        i = 0
        while not stop.is_set():
            i += 1
            staged = tmp_path / f"new{i}"
            publish(staged, ics=content[i % 2])
            aside = tmp_path / f"old{i}"
            out.rename(aside)
            staged.rename(out)
            shutil.rmtree(aside)

    thread = threading.Thread(target=rebuilds, daemon=True)
    thread.start()
    c, bodies = client(out / "public"), {}
    try:
        for _ in range(300):
            r = c.get(FEED)
            if r.status_code == 200:
                assert r.content in (old, new), len(r.content)
                assert r.headers["content-length"] == str(len(r.content))
                bodies[r.content] = True
            else:
                assert r.status_code in (404, 503)  # between the two renames
    finally:
        stop.set()
        thread.join(timeout=10)
    assert bodies


def test_access_log_masks_tokens(tmp_path: Path, caplog) -> None:
    c = client(publish(tmp_path / "out"))
    with caplog.at_level(logging.INFO, logger="alternance.serve"):
        c.get(FEED)
        c.get(PAGE)
        c.get("/f/ZZZZZZZZZZZZZZZZZZZZZZZZZZZ.ics")
    text = caplog.text
    assert "GET /f/AbCd….ics 200" in text and "/p/AbCd…" in text
    assert TOKEN not in text and TOKEN[4:] not in text and "ZZZZZZZZZZZ" not in text


def test_uvicorn_runs_without_its_access_log_and_with_limits(monkeypatch, tmp_path: Path) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    serve.run(tmp_path, "127.0.0.1", 0)
    assert seen["access_log"] is False
    assert 0 < seen["timeout_keep_alive"] <= 30
    assert 0 < seen["limit_concurrency"] <= 10_000
    serve.run(tmp_path, "127.0.0.1", 0, timeout_keep_alive=2, limit_concurrency=7)
    assert seen["timeout_keep_alive"] == 2 and seen["limit_concurrency"] == 7


def test_cli_serve_options_and_start_before_any_build(monkeypatch, tmp_path: Path) -> None:
    seen = []
    monkeypatch.setattr(serve, "run", lambda *a, **kw: seen.append(a))
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["serve", "--out", str(out), "--timeout-keep-alive", "3", "--limit-concurrency", "9"])
    assert r.exit_code == 0, r.output
    assert seen == [(out / "public", "127.0.0.1", 8080, 3, 9, 10.0)]  # the head deadline: its default
    assert "503" in r.stderr and len(r.stderr.splitlines()) == 1
    bad = CliRunner().invoke(main, ["serve", "--out", str(out), "--limit-concurrency", "0"])
    assert bad.exit_code == 2


def test_serve_passes_its_header_timeout_to_the_server(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    import alternance.publish.serve as serve_module
    from alternance.cli import main

    seen = {}
    monkeypatch.setattr(serve_module, "run", lambda *args: seen.update(args=args))
    (tmp_path / "public").mkdir()
    result = CliRunner().invoke(main, ["serve", "--out", str(tmp_path), "--timeout-header", "3"])
    assert result.exit_code == 0, result.output
    assert seen["args"][-1] == 3.0
    assert serve_module.server_options("127.0.0.1", 0, 5, 200, 3.0)  # the options it builds from them
