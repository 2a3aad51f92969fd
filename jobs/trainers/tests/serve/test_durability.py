"""A real server killed with SIGKILL after acknowledging events has all of them on restart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from serve_helpers import Shop, fresh_copy

from shopmind.events.log import EventLog
from shopmind.privacy.pseudonym import Pseudonymizer
from shopmind.serve.state import EVENTS_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(shop: Shop, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHOPMIND_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopmind.cli.main",
            "serve",
            "--port",
            str(port),
            "--workspace",
            str(shop.ws.root),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _call(port: int, path: str, body: Any = None, key: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            status, body = _call(port, "/readyz")
            if status == 200:
                return dict(body)
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server never became ready")


def test_no_acknowledged_event_is_lost_to_sigkill(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    port = _free_port()
    proc = _start(shop, port)
    acked: list[tuple[int, int, str]] = []  # (first_seq, count, batch id)
    lock = threading.Lock()
    try:
        _wait_ready(port, proc)
        stop = threading.Event()

        def post(worker: int) -> None:
            n = 0
            while not stop.is_set():
                batch_id = f"w{worker}-{n}"
                events = [
                    {"user_id": batch_id, "item_id": f"i{j}", "event_type": "view"}
                    for j in range(10)
                ]
                try:
                    status, body = _call(
                        port, "/v1/events/batch", {"events": events}, shop.keys["write"]
                    )
                except (OSError, ValueError):  # refused, reset, or a body cut short
                    return  # the server is gone: this request was never acknowledged
                if status == 201:
                    with lock:
                        acked.append((body["first_seq"], body["accepted"], batch_id))
                n += 1

        workers = [threading.Thread(target=post, args=(w,)) for w in range(4)]
        for t in workers:
            t.start()
        while True:
            with lock:
                if len(acked) >= 30:
                    break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
        proc.wait()
        stop.set()
        for t in workers:
            t.join()
    finally:
        if proc.poll() is None:
            proc.kill()
    with EventLog.open(shop.ws.root / EVENTS_DIR) as log:
        logged = {e.event["user_id"] for e in log.replay()}
        last = log.last_seq
    pseudonyms = Pseudonymizer.for_workspace(shop.ws.root)  # ids are logged pseudonymised
    assert all(pseudonyms.pseudonym(batch) in logged for _, _, batch in acked)
    assert max(first + count - 1 for first, count, _ in acked) <= last
    # and a restarted server replays them into its live sessions
    port = _free_port()
    proc = _start(shop, port)
    try:
        ready = _wait_ready(port, proc)
        assert ready["replayed_events"] == last >= 10 * len(acked)
    finally:
        proc.kill()
        proc.wait()
