"""Rate limits: the key functions, the warning about per-worker counters, and a limit shared
by two gunicorn workers through Redis."""

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from registry import create_app
from registry.ratelimits import key_by_token_or_address

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REGISTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_MISSING = (
    f"Redis NOT TESTED: no Redis server answers at {REDIS_URL} (set REGISTRY_TEST_REDIS_URL); "
    "rate limits shared by several workers are unchecked"
)
PER_WORKER = "Rate limits are counted per worker"


def test_a_token_is_the_key_else_the_address(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        assert key_by_token_or_address() == "address:203.0.113.7"
    headers = {"Authorization": "Bearer secret-token"}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        by_token = key_by_token_or_address()
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.1"}):
        assert key_by_token_or_address() == by_token  # the same token anywhere: one counter
    assert by_token.startswith("token:") and "secret-token" not in by_token


def _production_app(tmp_path, **overrides):
    return create_app(
        {
            "REGISTRY_ENV": "production",
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            **overrides,
        }
    )


def test_production_warns_at_start_up_when_workers_count_limits_apart(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, REGISTRY_WORKERS=3, RATELIMIT_STORAGE_URI="memory://")
    assert "counted per worker: 3 workers" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, REGISTRY_WORKERS=1, RATELIMIT_STORAGE_URI="memory://")
        _production_app(tmp_path, REGISTRY_WORKERS=3, RATELIMIT_STORAGE_URI=REDIS_URL)
    assert PER_WORKER not in caplog.text


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(REDIS_MISSING)
    return client


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_served(server, url, log):
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, log.read_text()
        try:
            return _status(url)
        except OSError:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)


def test_a_limit_holds_across_two_gunicorn_workers_sharing_redis(app, backend, tmp_path):
    """Five checks a minute from one address: whichever of the two workers answers, the
    sixth is refused. With in-process counters each worker would allow five."""
    if backend != "sqlite":
        pytest.skip("one backend is enough to serve the app")
    redis = _redis_or_skip()
    prefix = f"registry-test-{uuid.uuid4().hex}"  # no collision with other runs on this Redis
    with app.app_context():
        from registry.extensions import db

        db.engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "REGISTRY_ENV": "production",
        "SECRET_KEY": "ratelimit-test-" + "x" * 40,
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_CERTIFICATES_DIR": app.config["REGISTRY_CERTIFICATES_DIR"],
        "REGISTRY_BIND": f"127.0.0.1:{port}",
        "REGISTRY_WORKERS": "2",
        "REGISTRY_ACCESS_LOG": str(tmp_path / "access.log"),
        "REGISTRY_VERIFY_RATE_LIMIT": "5 per minute",
        "REGISTRY_RATELIMIT_STORAGE_URL": REDIS_URL,
        "REGISTRY_RATELIMIT_KEY_PREFIX": prefix,
    }
    log = tmp_path / "gunicorn.log"
    # The access log names the worker (pid) that answered each request.
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--access-logformat", "%(p)s %(U)s %(s)s", "wsgi:app"]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    statuses = []
    try:
        assert _wait_until_served(server, base + "/api/v1/health", log) == 200
        url = base + "/verify/NSCL-QG-2026-99999?code=guess"
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(10):  # until both workers have answered checks
                statuses += pool.map(lambda _: _status(url), range(16))
                access = (tmp_path / "access.log").read_text().splitlines()
                if len({line.split()[0] for line in access if "/verify/" in line}) == 2:
                    break
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        for key in redis.scan_iter(match=f"*{prefix}*"):
            redis.delete(key)
    served_by = {line.split()[0] for line in access if "/verify/" in line}
    assert len(served_by) == 2, "one worker answered every request"
    assert statuses.count(404) == 5  # the unknown number's page, five times in all
    assert set(statuses) == {404, 429}
    assert PER_WORKER not in log.read_text()
