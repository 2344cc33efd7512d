"""`alternance serve`: a small real HTTP server over `<out>/public/`, for CFAs without one.

Only the token-named files are reachable (`/f/<token>.ics`, `/p/<token>.html`); anything else is
a 404, so there is no directory listing and no path traversal. Each answer reads its file once,
whole, through one open handle: a rebuild that swaps the tree meanwhile gives the old bytes or the
new ones, never a mix. ETags are strong and come from the bytes, so a rebuild that leaves a file
unchanged leaves its ETag unchanged. Every answer carries security headers; feeds are
`Cache-Control: private` (their address is a secret, no shared cache may keep them). uvicorn's
access log is off: it would print every token; the log here masks them.

uvicorn has no timeout on a request that never finishes its headers (its keep-alive timer is
reset by every byte, and a fresh connection has none), so a few hundred slow connections would
hold every slot of `--limit-concurrency`. `GuardedH11Protocol` adds what it lacks: a whole
request head within `timeout_header` seconds of the connection (or of the last answer), no
answer stalled on a client that does not read for `timeout_write` seconds, and, at the
connection limit, the connection that has waited longest for its request head closed to make
room: a slow client cannot lock out the others.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

import h11
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_TIMEOUT_KEEP_ALIVE = 5  # seconds an idle connection stays open
DEFAULT_LIMIT_CONCURRENCY = 200  # connections and tasks at once; beyond it, 503
DEFAULT_TIMEOUT_HEADER = 10.0  # seconds to send a whole request head
DEFAULT_TIMEOUT_WRITE = 30.0  # seconds an answer may wait for a client that does not read
MAX_HEAD = 16 * 1024  # bytes of a request head
CACHE_CONTROL = "private, max-age=300"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}
NOT_PUBLISHED = "Rien n'est encore publié ici : lancez `alternance build`, puis réessayez.\n"
ROUTE = re.compile(r"^/(f/[A-Za-z0-9_-]{1,64}\.ics|p/[A-Za-z0-9_-]{1,64}\.html)$")
TYPES = {".ics": "text/calendar; charset=utf-8", ".html": "text/html; charset=utf-8"}
MAX_FILE = 64 * 1024 * 1024

log = logging.getLogger("alternance.serve")


def mask(path: str) -> str:
    """A path for the log: the first 4 characters of a token, never the rest."""
    return re.sub(r"(/[fp]/[A-Za-z0-9_-]{4})[A-Za-z0-9_-]*", r"\1…", path)


_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


def _read(public: Path, relative: str) -> tuple[bytes, float] | None:
    """The file's bytes and mtime, or None if it is not a published file. The file is opened
    inside one open handle of `public`, so it comes from one tree; if that tree was swapped
    away and its files deleted meanwhile, it is looked up once more in the new one."""
    for _ in range(2):
        try:
            folder = os.open(public, _DIR_FLAGS)
        except OSError:
            return None
        try:
            found = _read_in(folder, relative)
            if found is not None:
                return found
            then, now = os.fstat(folder), os.stat(public)
            if (then.st_dev, then.st_ino) == (now.st_dev, now.st_ino):
                return None  # the same tree: truly not there
        except OSError:
            pass
        finally:
            os.close(folder)
    return None


def _read_in(folder: int, relative: str) -> tuple[bytes, float] | None:
    try:
        fd = os.open(relative, _FILE_FLAGS, dir_fd=folder)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
            return None
        return f.read(MAX_FILE + 1), info.st_mtime


def etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _not_modified(request_headers: dict[str, str], tag: str, mtime: float) -> bool:
    if "if-none-match" in request_headers:  # takes precedence over If-Modified-Since
        wanted = [t.strip().removeprefix("W/") for t in request_headers["if-none-match"].split(",")]
        return tag in wanted or "*" in wanted
    since = request_headers.get("if-modified-since")
    if since:
        try:
            return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


class CalendarServer:
    """The ASGI app: token-named files under `public`, read afresh at each request."""

    def __init__(self, public: Path):
        self.public = Path(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        response = await self.answer(scope)
        response.headers.update(SECURITY_HEADERS)
        log.info("%s %s %d", scope["method"], mask(scope["path"]), response.status_code)
        await response(scope, receive, send)

    async def answer(self, scope: Scope) -> Response:
        if not self.public.is_dir():
            return PlainTextResponse(NOT_PUBLISHED, status_code=503, headers={"cache-control": "no-store"})
        path = scope["path"]
        match = ROUTE.match(path) if scope["method"] in ("GET", "HEAD") else None
        found = await run_in_threadpool(_read, self.public, match.group(1)) if match else None
        if found is None:
            if not self.public.is_dir():  # swapped away between the two looks
                return PlainTextResponse(NOT_PUBLISHED, status_code=503, headers={"cache-control": "no-store"})
            return PlainTextResponse("Not Found", status_code=404, headers={"cache-control": "no-store"})
        content, mtime = found
        tag = etag(content)
        headers = {
            "etag": tag,
            "last-modified": email.utils.formatdate(mtime, usegmt=True),
            "cache-control": CACHE_CONTROL,
        }
        request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if _not_modified(request_headers, tag, mtime):
            return Response(status_code=304, headers=headers)
        media = TYPES[Path(path).suffix]
        if scope["method"] == "HEAD":
            headers["content-length"] = str(len(content))
            return Response(status_code=200, headers=headers, media_type=media)
        return Response(content, status_code=200, headers=headers, media_type=media)


def make_app(public: Path) -> CalendarServer:
    return CalendarServer(public)


class _Closings:
    """Slow connections closed, said in one log line per minute at most, not one per connection."""

    def __init__(self) -> None:
        self.count, self.said = 0, 0.0

    def add(self, why: str) -> None:
        self.count += 1
        if time.monotonic() - self.said >= 60:
            log.warning("closed %d slow connection(s) so far; the last: %s", self.count, why)
            self.said = time.monotonic()


closings = _Closings()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection with deadlines for slow clients (see the module docstring)."""

    timeout_header = DEFAULT_TIMEOUT_HEADER
    timeout_write = DEFAULT_TIMEOUT_WRITE

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self.waiting_since = 0.0
        super().connection_made(transport)
        self._wait_for_head()
        if self.limit_concurrency is not None and len(self.connections) >= self.limit_concurrency:
            self._make_room()

    def _wait_for_head(self) -> None:
        self._stop(self._head_timer)
        self.waiting_since = self.loop.time()
        self._head_timer = self.loop.call_later(self.timeout_header, self._close, "no complete request in time")

    def _make_room(self) -> None:
        """At the limit: close the connection that has waited longest for a request head."""
        waiting = [c for c in self.connections if isinstance(c, GuardedH11Protocol) and c is not self and c._head_timer]
        if waiting:
            min(waiting, key=lambda c: c.waiting_since)._close("the oldest waiting, at the connection limit")

    def _close(self, why: str, abort: bool = False) -> None:
        self._stop(self._head_timer)
        self._stop(self._write_timer)
        self._head_timer = self._write_timer = None
        if abort:  # close() would wait for the buffered answer to be read first
            closings.add(why)
            self.transport.abort()
        elif not self.transport.is_closing():
            closings.add(why)
            self.transport.close()

    @staticmethod
    def _stop(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._stop(self._head_timer)  # a whole request head arrived
            self._head_timer = None

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._wait_for_head()  # for the next request; before uvicorn reads a pipelined one
        super().on_response_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        self._stop(self._write_timer)
        self._write_timer = self.loop.call_later(self.timeout_write, self._close, "an answer not read in time", True)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop(self._write_timer)
        self._write_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop(self._head_timer)
        self._stop(self._write_timer)
        self._head_timer = self._write_timer = None
        super().connection_lost(exc)


def guarded_protocol(timeout_header: float, timeout_write: float) -> type[GuardedH11Protocol]:
    """The protocol class with these deadlines (uvicorn makes one instance per connection)."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"timeout_header": timeout_header, "timeout_write": timeout_write},
    )


def server_options(
    host: str,
    port: int,
    timeout_keep_alive: int = DEFAULT_TIMEOUT_KEEP_ALIVE,
    limit_concurrency: int = DEFAULT_LIMIT_CONCURRENCY,
    timeout_header: float = DEFAULT_TIMEOUT_HEADER,
    timeout_write: float = DEFAULT_TIMEOUT_WRITE,
) -> dict[str, Any]:
    """uvicorn's settings for `serve` (the tests and the bench run the server with these)."""
    return {
        "host": host,
        "port": port,
        "http": guarded_protocol(timeout_header, timeout_write),
        "access_log": False,  # it prints paths, so tokens; our own line masks them
        "server_header": False,
        "timeout_keep_alive": timeout_keep_alive,
        "limit_concurrency": limit_concurrency,
        "h11_max_incomplete_event_size": MAX_HEAD,
    }


def run(
    public: Path,
    host: str,
    port: int,
    timeout_keep_alive: int = DEFAULT_TIMEOUT_KEEP_ALIVE,
    limit_concurrency: int = DEFAULT_LIMIT_CONCURRENCY,
    timeout_header: float = DEFAULT_TIMEOUT_HEADER,
) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    options = server_options(host, port, timeout_keep_alive, limit_concurrency, timeout_header)
    uvicorn.run(make_app(public), log_level="info", **options)
