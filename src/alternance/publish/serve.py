"""`alternance serve`: a small real HTTP server over `<out>/public/`, for CFAs without one.

Only the token-named files are reachable (`/f/<token>.ics`, `/p/<token>.html`); anything else is
a 404, so there is no directory listing and no path traversal. Each answer reads its file once,
whole, through one open handle: a rebuild that swaps the tree meanwhile gives the old bytes or the
new ones, never a mix. ETags are strong and come from the bytes, so a rebuild that leaves a file
unchanged leaves its ETag unchanged. Every answer carries security headers; feeds are
`Cache-Control: private` (their address is a secret, no shared cache may keep them). uvicorn's
access log is off: it would print every token; the log here masks them.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import re
import stat
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

DEFAULT_TIMEOUT_KEEP_ALIVE = 5  # seconds an idle connection stays open
DEFAULT_LIMIT_CONCURRENCY = 200  # connections and tasks at once; beyond it, 503
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


def _read(public: Path, relative: str) -> tuple[bytes, float] | None:
    """The file's bytes and mtime from one open handle, or None if it is not a published file."""
    try:
        fd = os.open(public / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
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


def run(
    public: Path,
    host: str,
    port: int,
    timeout_keep_alive: int = DEFAULT_TIMEOUT_KEEP_ALIVE,
    limit_concurrency: int = DEFAULT_LIMIT_CONCURRENCY,
) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    uvicorn.run(
        make_app(public),
        host=host,
        port=port,
        log_level="info",
        access_log=False,  # it prints paths, so tokens; our own line masks them
        server_header=False,
        timeout_keep_alive=timeout_keep_alive,
        limit_concurrency=limit_concurrency,
        h11_max_incomplete_event_size=16 * 1024,
    )
