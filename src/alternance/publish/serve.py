"""`alternance serve`: a small real HTTP server over `<out>/public/`, for CFAs without one.

Starlette's StaticFiles does the serving (ETag, Last-Modified, 304 answers, no directory listing,
no path traversal) and uvicorn runs it. Only the token-named files are reachable; anything else
is a 404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send


class _CalendarTypes:
    """`.ics` answers `text/calendar; charset=utf-8` whatever the machine's MIME table says."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(".ics"):
            await self.app(scope, receive, send)
            return

        async def send_typed(message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-type"]
                headers.append((b"content-type", b"text/calendar; charset=utf-8"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_typed)


def _not_found(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("Not Found", status_code=404)


def make_app(public: Path) -> ASGIApp:
    files = StaticFiles(directory=public, html=False, check_dir=True)
    app = Starlette(routes=[Mount("/", app=files)], exception_handlers={404: _not_found, 405: _not_found})
    return _CalendarTypes(app)


def run(public: Path, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(make_app(public), host=host, port=port, log_level="info", server_header=False)
