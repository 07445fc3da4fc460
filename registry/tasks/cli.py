"""`flask --app wsgi registry worker`: the task queue's consumer."""

import logging

import click
from flask.cli import with_appcontext

from registry.cli import registry_cli
from registry.tasks import huey, jobs


@registry_cli.command("worker")
@click.option("--threads", type=click.IntRange(1, 16), default=2, show_default=True)
@with_appcontext
def worker_command(threads):
    """Run queued tasks and the periodic ones (expiry, reminders, mail) until stopped.

    Run one worker per deployment: at start it clears the task locks a killed worker may
    have left, and puts the work it left open back on the queue.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    huey.immediate = False
    consumer = huey.create_consumer(workers=threads, worker_type="thread", flush_locks=True)
    jobs.resume_open_work()
    consumer.run()
