"""Body limits on a real uvicorn server: counted while reading (chunked too), and a read timeout."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from tests.serving.helpers import KEY, lead
from tests.serving.live import LIVE_BODY_TIMEOUT_S as TIMEOUT_S
from tests.serving.live import detail, read_response, rss_kib

BIG = 50 * 1024 * 1024
PIECE = 256 * 1024
HEAD = (f"POST /v1/predict HTTP/1.1\r\nHost: test\r\nX-API-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\n").encode()


@pytest.fixture
def server(live_server):
    """The service under uvicorn: 1 MB body limit, 1 s body read timeout (conftest)."""
    return live_server


def chunked(pieces: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_within_the_limit_is_scored(server):
    _, port = server
    body = json.dumps({"leads": [lead("a"), lead("b")]}).encode()
    pieces = [body[i:i + 100] for i in range(0, len(body), 100)]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(pieces))
        status, _, answer = read_response(sock)
    assert status == 200, answer
    assert [p["lead_id"] for p in json.loads(answer)["predictions"]] == ["a", "b"]


def test_a_chunked_body_over_the_limit_gets_413_without_the_server_keeping_it(server, figures):
    proc, port = server
    before = rss_kib(proc.pid)
    peak = [before]
    sent = [0]
    stop = threading.Event()

    def sample() -> None:  # the server's memory while the body streams in
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(proc.pid))
            time.sleep(0.01)

    def upload(sock: socket.socket) -> None:
        piece = b"%x\r\n%s\r\n" % (PIECE, b"x" * PIECE)
        try:
            while sent[0] < BIG:
                sock.sendall(piece)
                sent[0] += PIECE
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close; what it answered is what counts

    sampler = threading.Thread(target=sample)
    sampler.start()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        uploader = threading.Thread(target=upload, args=(sock,))
        uploader.start()
        status, headers, answer = read_response(sock)
        sent_when_answered = sent[0]
        uploader.join(timeout=60)
    stop.set()
    sampler.join()
    grew_mib = (peak[0] - before) / 1024
    figures(f"50 MiB chunked over a 1 MB limit: 413 after {sent_when_answered / 2**20:.1f} MiB "
            f"sent, {sent[0] / 2**20:.0f} MiB sent in all; server RSS {before / 1024:.0f} MiB "
            f"-> peak {peak[0] / 1024:.0f} MiB")
    assert status == 413
    assert "LEADCONV_MAX_BODY_BYTES" in detail(answer)
    assert headers["content-type"] == "application/json"
    assert sent_when_answered < BIG / 2  # answered while the body was still coming
    assert grew_mib < 15, f"server memory grew by {grew_mib:.0f} MiB for a 50 MiB body"
    assert proc.poll() is None


def test_a_body_shorter_than_its_content_length_gets_408_and_the_connection_closes(server):
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        t0 = time.monotonic()
        sock.sendall(HEAD + b"Content-Length: 1000\r\n\r\n" + b'{"leads": [')
        status, headers, answer = read_response(sock)
        took = time.monotonic() - t0
        closed = sock.recv(1) == b""
    assert status == 408
    assert "LEADCONV_BODY_TIMEOUT" in detail(answer)
    assert TIMEOUT_S * 0.9 <= took < TIMEOUT_S + 3
    assert headers.get("connection") == "close" and closed
