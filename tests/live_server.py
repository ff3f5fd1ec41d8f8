"""A real `brickwork serve` on a free loopback port, for browser tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, database_url: str, extra_env: dict[str, str] | None = None,
                 workers: int = 1, access_log: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / "server.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if key != "BRICKWORK_ADMIN_PASSWORD"}
        env.update({"BRICKWORK_DATA_DIR": str(data_dir), "BRICKWORK_DATABASE_URL": database_url,
                    "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "brickwork", "serve", "--migrate", "--port", str(self.port),
             "--workers", str(workers), *(["--access-log"] if access_log else [])],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"brickwork serve exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"brickwork serve did not answer:\n{self.log.read_text()}")

    def output(self) -> str:
        return self.log.read_text()

    def admin_password(self) -> str:
        """The password `serve` printed on first start."""
        found = re.search(r"with the password (\S+) \(shown only this once\)", self.output())
        if not found:
            raise AssertionError(f"no admin password printed:\n{self.output()}")
        return found.group(1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Worker:
    """`brickwork worker` in its own process."""

    def __init__(self, data_dir: Path, database_url: str, name: str, extra_env: dict[str, str] | None = None):
        self.log = data_dir.parent / f"{name}.log"
        env = {**os.environ, "BRICKWORK_DATA_DIR": str(data_dir), "BRICKWORK_DATABASE_URL": database_url,
               "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8", **(extra_env or {})}
        self.process = subprocess.Popen([sys.executable, "-m", "brickwork", "worker", "--concurrency", "4"],
                                        stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
