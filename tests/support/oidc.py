"""A real OpenID Connect provider (npm's certified `oidc-provider`, oidc_provider.mjs) on a
free loopback port, for the sign-in tests. Its packages are installed from the lock file
beside it on first use (`make test` installs them too)."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

from tests.live_server import free_port

HERE = Path(__file__).parent
CLIENT_ID = "brickwork-test"
CLIENT_SECRET = "brickwork-test-secret-0123456789abcdef"


def install() -> None:
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       stdout=subprocess.DEVNULL)


class OidcProvider:
    """Start with ``start(redirect_uri)`` once the client's callback address is known; the
    issuer address is fixed before, so Brickwork can be configured with it first."""

    def __init__(self, log: Path):
        install()
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def settings(self) -> dict[str, str]:
        """Brickwork's environment for this provider."""
        return {"BRICKWORK_OIDC_ISSUER": self.issuer, "BRICKWORK_OIDC_CLIENT_ID": CLIENT_ID,
                "BRICKWORK_OIDC_CLIENT_SECRET": CLIENT_SECRET, "BRICKWORK_OIDC_NAME": "Test SSO"}

    def start(self, redirect_uri: str) -> OidcProvider:
        self.process = subprocess.Popen(
            ["node", str(HERE / "oidc_provider.mjs"), str(self.port), CLIENT_ID, CLIENT_SECRET, redirect_uri],
            cwd=HERE, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"oidc-provider did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
