"""`flask --app wsgi registry expire`: the daily job that expires lapsed certificates."""

import click
from flask.cli import with_appcontext

from registry.cli import registry_cli
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import ExpertStatus
from registry.experts.lifecycle import LifecycleError, transition
from registry.experts.models import Expert
from registry.experts.renewal import lapsed_expert_ids
from registry.extensions import db


@registry_cli.command("expire")
@click.option("--dry-run", is_flag=True, help="List who would expire; change nothing.")
@with_appcontext
def expire_command(dry_run):
    """Move experts whose certificate validity has ended to `expired` (safe to re-run)."""
    on = local_day(utcnow())
    ids = lapsed_expert_ids(on)
    if not ids:
        click.echo(f"No lapsed certificates on {on.isoformat()}.")
        return
    expired, failures = 0, []
    for expert_id in ids:
        expert = db.session.get(Expert, expert_id)
        if dry_run:
            click.echo(f"would expire: expert {expert.id} ({expert.status.value})")
            continue
        try:
            result = transition(expert, ExpertStatus.EXPIRED, actor=None)
        except LifecycleError as exc:
            # One expert changed meanwhile (e.g. renewed): the others still expire.
            db.session.rollback()
            failures.append((expert_id, str(exc)))
            continue
        db.session.commit()  # one expert per transaction: a failure later keeps these
        expired += 1
        click.echo(f"expired: expert {expert_id} ({', '.join(result.change.evidence.values())})")
    if not dry_run:
        click.echo(f"Expired {expired} expert(s) on {on.isoformat()}.")
    for expert_id, message in failures:
        click.echo(f"not expired: expert {expert_id}: {message}", err=True)
    if failures:
        raise SystemExit(1)
