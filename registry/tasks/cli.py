"""`flask --app wsgi registry worker`: the task queue's consumer."""

import logging

import click
from flask.cli import with_appcontext

from registry.cli import registry_cli
from registry.extensions import db
from registry.tasks import huey, jobs


@registry_cli.command("worker")
@click.option(
    "--threads",
    type=click.IntRange(1, 16),
    default=None,
    help="Tasks run at once [default: 2 on PostgreSQL, 1 on SQLite].",
)
@with_appcontext
def worker_command(threads):
    """Run queued tasks and the periodic ones (expiry, reminders, mail) until stopped.

    Run one worker per deployment: at start it clears the task locks a killed worker may
    have left, and puts the work it left open back on the queue.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    huey.immediate = False
    if db.engine.dialect.name == "sqlite":
        # Every task writes: on SQLite each transaction takes the write lock when it begins
        # and waits its turn (busy timeout), instead of failing "database is locked" when
        # another thread or the web committed between its first read and its first write.
        db.engine.update_execution_options(sqlite_immediate=True)
    # SQLite has one writer: a big import holds the lock for seconds, so a second task
    # thread would only wait behind it (and give up after the busy timeout).
    threads = threads or (1 if db.engine.dialect.name == "sqlite" else 2)
    consumer = huey.create_consumer(workers=threads, worker_type="thread")
    # The locks a killed worker held: the mail sender's and those of the jobs left open.
    huey.flush_locks(*jobs.lock_names())
    db.session.remove()  # this thread's transaction ends here: the tasks have their own
    jobs.resume_open_work()
    consumer.run()
