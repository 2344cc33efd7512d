"""`alternance serve` against hostile clients, on a real loopback socket: connections that never
finish their headers, idle ones, more of them than the connection limit, clients that do not
read, and requests during real rebuilds (one atomic swap: every answer whole, none a 404)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from alternance.publish import output
from alternance.publish.serve import make_app, server_options
from test_serve_hardening import FEED, ICS, TOKEN, publish

HEADER_TIMEOUT = 1.0
LIMIT = 20


def start(public: Path, **options) -> Iterator[tuple[str, int]]:
    config = uvicorn.Config(make_app(public), log_level="critical", **server_options("127.0.0.1", 0, **options))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield "127.0.0.1", server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def address(tmp_path: Path) -> Iterator[tuple[str, int]]:
    yield from start(
        publish(tmp_path / "out"), timeout_header=HEADER_TIMEOUT, limit_concurrency=LIMIT, timeout_keep_alive=1
    )


def get(address: tuple[str, int], path: str = FEED, timeout: float = 5) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://{address[0]}:{address[1]}{path}", timeout=timeout) as r:
        return r.status, r.read()


def slow(address: tuple[str, int], count: int, head: bytes) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(address, timeout=5)
        if head:
            s.sendall(head)
        sockets.append(s)
    return sockets


def closed_by_server(s: socket.socket, wait: float) -> bool:
    s.settimeout(wait)
    try:
        return s.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    finally:
        s.close()


HALF_HEAD = f"GET /f/{TOKEN}.ics HTTP/1.1\r\nHost: a\r\nX-Slow: ".encode()


def test_half_headers_beyond_the_limit_do_not_lock_out_a_normal_request(address) -> None:
    crowd = slow(address, 3 * LIMIT, HALF_HEAD)  # three times as many as the limit allows
    started = time.monotonic()
    status, body = get(address, timeout=HEADER_TIMEOUT * 3)
    assert status == 200 and body == ICS
    assert time.monotonic() - started < HEADER_TIMEOUT  # not queued behind the slow ones
    for s in crowd:
        assert closed_by_server(s, HEADER_TIMEOUT * 3)  # made room for, or timed out


def test_a_connection_that_trickles_its_header_is_closed_after_the_header_timeout(address) -> None:
    s = socket.create_connection(address, timeout=5)
    started = time.monotonic()
    for byte in HALF_HEAD[:20]:  # one byte every 0.1 s: every byte would reset a keep-alive timer
        try:
            s.sendall(bytes([byte]))
        except OSError:
            break
        time.sleep(0.1)
    assert closed_by_server(s, HEADER_TIMEOUT * 3)
    assert HEADER_TIMEOUT * 0.8 < time.monotonic() - started < HEADER_TIMEOUT * 4


def test_a_connection_that_sends_nothing_is_closed(address) -> None:
    (s,) = slow(address, 1, b"")
    assert closed_by_server(s, HEADER_TIMEOUT * 3)


def test_a_kept_alive_connection_is_closed_when_idle_and_serves_meanwhile(address) -> None:
    s = socket.create_connection(address, timeout=5)
    request = f"GET {FEED} HTTP/1.1\r\nHost: a\r\n\r\n".encode()
    for _ in range(3):
        s.sendall(request)
        answer = b""
        while ICS not in answer:
            answer += s.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
    assert closed_by_server(s, 5)


def test_a_client_that_does_not_read_its_answer_is_closed(tmp_path: Path) -> None:
    public = publish(tmp_path / "out", ics=b"X" * 20_000_000)
    for address in start(public, timeout_write=0.5, timeout_header=30):
        s = socket.create_connection(address)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(f"GET {FEED} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        time.sleep(2)  # never reads: the server's buffer fills up and stays full
        s.settimeout(10)
        received = 0
        try:
            while chunk := s.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass
        s.close()
        assert received < 20_000_000  # cut, not delivered whole
        assert get(address)[0] == 200


def test_requests_during_real_rebuilds_are_whole_and_never_missing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old, new = ICS * 3000, b"N" * 80_000 + ICS
    files = {f"public/f/{TOKEN}.ics": old, "public/index.html": b"<!DOCTYPE html>\n"}
    output.publish(out, files)
    stop, swaps = threading.Event(), []

    def rebuilds() -> None:
        while not stop.is_set():
            files[f"public/f/{TOKEN}.ics"] = new if len(swaps) % 2 == 0 else old
            output.publish(out, dict(files))
            swaps.append(1)

    thread = threading.Thread(target=rebuilds, daemon=True)
    for address in start(out / "public"):
        thread.start()
        answers = []
        try:
            for _ in range(300):
                answers.append(get(address))
        finally:
            stop.set()
            thread.join(timeout=30)
        assert all(status == 200 and body in (old, new) for status, body in answers)
        assert len(swaps) > 5 and {body for _, body in answers} == {old, new}
