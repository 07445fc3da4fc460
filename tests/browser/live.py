"""The registry served for browser tests: a fresh SQLite database with the demo data, gunicorn
on a free loopback port, and any other process (the background worker, say) started beside
it with the same environment.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "browser-tests-only-" + "0" * 32


def free_port():
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveRegistry:
    """A migrated registry in `folder`, and the processes that serve it.

    `start(name, *argv)` runs a command from the project's root with the registry's
    environment; `stop()` ends every process it started, newest first.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{self.folder / 'registry.sqlite3'}"
        self.mail_dir = self.folder / "mail"
        self.env = os.environ | {
            "REGISTRY_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "REGISTRY_DATABASE_URL": self.database_url,
            "REGISTRY_CERTIFICATES_DIR": str(self.folder / "certificates"),
            "REGISTRY_UPLOADS_DIR": str(self.folder / "uploads"),
            "REGISTRY_PUBLIC_URL": self.url,
            # The worker's queue and its mail (.eml files: no SMTP host) stay in the folder.
            "REGISTRY_TASKS_DATABASE": str(self.folder / "tasks.sqlite3"),
            "REGISTRY_TASKS_IMMEDIATE": "0",
            "REGISTRY_MAIL_DIR": str(self.mail_dir),
            "REGISTRY_SMTP_HOST": "",
            "REGISTRY_BIND": f"127.0.0.1:{self.port}",
            "REGISTRY_WORKERS": "2",
            "REGISTRY_THREADS": "4",
            "REGISTRY_ACCESS_LOG": "",
            # Every test signs in from 127.0.0.1 and checks certificates from it.
            "REGISTRY_LOGIN_RATE_LIMIT": "10000 per minute",
            "REGISTRY_LOGIN_EMAIL_RATE_LIMIT": "10000 per minute",
            "REGISTRY_VERIFY_RATE_LIMIT": "10000 per minute",
        }
        for name in ("REGISTRY_TEST_DATABASE_URL", "REGISTRY_TASKS_REDIS_URL"):
            self.env.pop(name, None)
        self.processes = []

    def flask(self, *args):
        """Run `flask --app wsgi ARGS` to the end (migrations, demo data, CLI jobs)."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )

    def prepare(self):
        """A fresh database, migrated, with the demo data."""
        self.flask("db", "upgrade")
        self.flask("registry", "seed-demo")

    def start(self, name, *argv):
        """Start a long-running process beside the others; its output goes to NAME.log."""
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115  (closed in stop())
        process = subprocess.Popen(
            argv, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, process, log))
        return process

    def serve(self, timeout=30):
        """gunicorn with the project's settings; returns once it answers."""
        self.start(
            "gunicorn", sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url} within {timeout} s")

    def run_worker(self):
        """The background worker (`flask registry worker`): mail, batch jobs."""
        return self.start(
            "worker", sys.executable, "-m", "flask", "--app", "wsgi", "registry", "worker"
        )

    def mail_to(self, address, kind, timeout=120):
        """The .eml message of `kind` (its template's name) the worker wrote for `address`,
        waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(self.mail_dir.glob(f"*-{kind}.eml")):
                with path.open("rb") as eml:
                    message = BytesParser(policy=policy.default).parse(eml)
                if address in message["To"]:
                    return message
            time.sleep(1)
        raise AssertionError(f"no {kind} mail to {address} in {self.mail_dir} after {timeout} s")

    def stop(self):
        """End every process started, newest first: SIGTERM, then SIGKILL after 10 s."""
        while self.processes:
            _name, process, log = self.processes.pop()
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
