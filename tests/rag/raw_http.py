"""HTTP/1.1 over a plain socket, for what httpx will not do: declare a length it never sends, stream a chunked
body while watching for an early answer, or send any Host header."""

from __future__ import annotations

import json
import select
import socket
import time
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the first byte sent to the answer's end
    sent: int = 0  # body bytes the client managed to send before the answer

    def json(self):
        return json.loads(self.body)


def _read_reply(sock: socket.socket, started: float, sent: int = 0) -> Reply:
    data = b""
    while True:
        try:
            piece = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not piece:
            break
        data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"),
                      None)
        if length is not None and len(body) >= length:
            break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), f"no HTTP answer: {data[:200]!r}"
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return Reply(int(lines[0].split()[1]), headers, body, time.monotonic() - started, sent)


def _readable(sock: socket.socket) -> bool:
    """Whether the server has sent something (poll, not select: a long test run has descriptors past 1024)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def request(port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
            timeout: float = 5.0) -> Reply:
    """Send the request line, the headers (Host defaults to the server's address) and `body` as given, then
    read the answer. A `Content-Length` header larger than `body` is sent as is: the client then waits."""
    all_headers = {"Host": f"127.0.0.1:{port}", "Connection": "close", **(headers or {})}
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        started = time.monotonic()
        sock.sendall(head.encode("latin-1") + body)
        return _read_reply(sock, started)


def stream_chunked(port: int, path: str, *, headers: dict[str, str], start: bytes, chunk: bytes, max_bytes: int,
                   max_seconds: float = 15.0) -> Reply:
    """POST a chunked body, `start` then `chunk`s up to `max_bytes`, checking before each chunk whether the
    server has already answered. Returns that answer, with `sent` = the body bytes sent until then."""
    all_headers = {"Host": f"127.0.0.1:{port}", "Transfer-Encoding": "chunked", "Connection": "close", **headers}
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=max_seconds) as sock:
        started, sent = time.monotonic(), 0
        sock.sendall(head.encode("latin-1") + f"{len(start):x}\r\n".encode() + start + b"\r\n")
        sock.settimeout(0.2)
        while sent < max_bytes and time.monotonic() - started < max_seconds:
            if _readable(sock):
                break  # the server answered before the body ended
            try:
                sock.sendall(framed)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading: its answer is on its way
            sent += len(chunk)
        else:
            try:
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        sock.settimeout(max_seconds)
        return _read_reply(sock, started, sent)
