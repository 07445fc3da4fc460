"""The task queue: Huey, for every piece of work that runs outside a request.

Storage is a SQLite file in instance/ (REGISTRY_TASKS_DATABASE to move it), or Redis when
REGISTRY_TASKS_REDIS_URL is set (several web servers feeding one worker). The queue is
read from the environment when this module is imported, because the web processes and the
worker must agree on it before any app exists. In tests (REGISTRY_TASKS_IMMEDIATE, on by
default when testing) a task runs at once, in the caller's process.

Every task runs in an application context of its own (a session of its own), and must
be safe to run again after being killed midway: the worker flushes the task locks when it
starts and puts open work back on the queue (registry/tasks/jobs.py).
"""

import functools
import os
from pathlib import Path

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from registry.config import PROJECT_ROOT
from registry.extensions import db

_app = None


def _make_queue():
    redis_url = os.environ.get("REGISTRY_TASKS_REDIS_URL")
    if redis_url:
        return RedisHuey("registry", url=redis_url, results=False, utc=True)
    path = Path(
        os.environ.get("REGISTRY_TASKS_DATABASE") or PROJECT_ROOT / "instance" / "tasks.sqlite3"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("registry", filename=str(path), results=False, utc=True)


huey = _make_queue()


def init_app(app):
    """Remember the app the worker's tasks run in; run tasks at once when configured to."""
    global _app
    _app = app
    huey.immediate = app.config["REGISTRY_TASKS_IMMEDIATE"]


def _in_app_context(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        # A fresh context is a fresh session: the task's commits never mix with a caller's.
        app = current_app._get_current_object() if has_app_context() else _app
        with app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def task(**options):
    """@task(): a Huey task that runs in an application context."""
    return lambda function: huey.task(**options)(_in_app_context(function))


def periodic_task(schedule, **options):
    """@periodic_task(crontab(...)): a Huey periodic task in an application context."""
    return lambda function: huey.periodic_task(schedule, **options)(_in_app_context(function))
