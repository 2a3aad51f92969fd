"""The open-loop load generator sends a GET again when the server closed an idle connection."""

from __future__ import annotations

import socket
import threading

from shopmind.pipeline.loadgen import LoadResult, run_rate


def _one_shot_server() -> tuple[int, threading.Event]:
    """An HTTP server that answers one request per connection and then closes it, as a server
    does to a keep-alive connection that sat idle past its timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], stop


def _open_loop(seconds: float) -> LoadResult:
    """40 GETs/s for ``seconds`` against :func:`_one_shot_server`."""
    port, stop = _one_shot_server()
    try:
        return run_rate("127.0.0.1", port, {}, lambda w, n: ("GET", "/", None), 40.0, seconds, 0)
    finally:
        stop.set()


def test_stale_connections_are_retried_not_counted_as_errors() -> None:
    summary = _open_loop(1.0).summary()
    assert summary["requests"] > 10 and summary["errors"] == 0
    assert summary["retried"] > 0 and summary["statuses"] == {"200": summary["requests"]}


def test_open_loop_reports_its_own_send_lag() -> None:
    result = _open_loop(0.5)
    summary = result.summary()
    assert len(result.lags_ms) == summary["requests"] + summary["errors"]
    assert 0 <= summary["send_lag_p50_ms"] <= summary["send_lag_p99_ms"] <= summary["max_ms"]
