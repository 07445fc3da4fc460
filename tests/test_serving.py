"""The registry served as in production: gunicorn with the repository's config file."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.audit.models import VerificationCheck
from registry.extensions import db
from tests.factories import issued_certificate

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_preloaded_workers_each_open_their_own_database_connections(app, backend, tmp_path):
    """The app is loaded in the master and forked (preload_app): every worker must still
    read and write on connections of its own. Checks from many clients, across both
    workers, all answer and are all logged."""
    if backend != "sqlite":
        pytest.skip("one backend is enough to serve the app")
    with app.app_context():
        certificate = issued_certificate()
        db.session.commit()
        path = f"/api/v1/verify/{certificate.number}?code={certificate.verification_code}"
        db.session.remove()
        db.engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "REGISTRY_ENV": "production",
        "SECRET_KEY": "serving-test-" + "x" * 40,
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": app.config["REGISTRY_CERTIFICATES_DIR"],
        "REGISTRY_BIND": f"127.0.0.1:{port}",
        "REGISTRY_WORKERS": "2",
        "REGISTRY_ACCESS_LOG": "",
        "REGISTRY_VERIFY_RATE_LIMIT": "1000 per minute",
        "REGISTRY_API_ANONYMOUS_RATE_LIMIT": "1000 per minute",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                status, _headers = _get(base + "/api/v1/health")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert status == 200
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _: _get(base + path), range(60)))
        assert [status for status, _ in answers] == [200] * 60, log.read_text()
        assert all("frame-ancestors 'none'" in h["Content-Security-Policy"] for _, h in answers)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert "Booting worker" in log.read_text()
    # Two workers counting limits in their own memory: the app said so at start-up.
    assert "Rate limits are counted per worker: 2 workers" in log.read_text()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerificationCheck.id))) == 60
        db.session.remove()


def test_the_master_freezes_the_loaded_app_before_each_fork():
    """Workers' full garbage collections must not walk the preloaded app (gunicorn.conf.py,
    pre_fork): it made them 100-140 ms pauses under load."""
    import gc
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 10_000  # the app's modules, classes, functions, …
    finally:
        gc.unfreeze()
