"""gunicorn for the benchmarks (bench/suite.py, bench/load.py): started on 127.0.0.1, awaited.

No Django here: bench/load.py runs it before any settings exist.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, closing
from pathlib import Path
from typing import TextIO

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_SECONDS = 60


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    stack: ExitStack,
    *,
    workers: int,
    timeout: int,
    env: dict,
    log: TextIO,
    config: Path | None = None,
) -> tuple[str, int]:
    """gunicorn on a free port of 127.0.0.1, stopped when `stack` closes; its URL and its pid.

    `log` (opened for writing and reading) gets its output; RuntimeError with that output if
    /healthz does not answer within START_SECONDS or gunicorn exits first. With `config` (a
    gunicorn configuration file), the bind, workers and timeout given here still win.
    """
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *(["--config", str(config)] if config else []),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop():
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

    stack.callback(stop)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):  # noqa: S310
                return base_url, server.pid
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                log.flush()
                log.seek(0)
                raise RuntimeError(f"gunicorn did not start:\n{log.read()}") from None
            time.sleep(0.3)
