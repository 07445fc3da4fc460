"""`registry audit-checkpoint`, and what `registry audit-verify --against` adds."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.cli import registry_cli


@registry_cli.command("audit-checkpoint")
@with_appcontext
def audit_checkpoint_command():
    """Write a signed checkpoint of the audit log and the status history (run it daily)."""
    from registry.audit.checkpoint import take_checkpoint

    row, path = take_checkpoint()
    click.echo(f"Checkpoint {row.id}: {row.events} audit events, written to {path}")


def verify_history_and_checkpoints(against):
    """The status history's chains, then each checkpoint file; returns the problems found."""
    from registry.audit.checkpoint import check_against
    from registry.audit.history_chain import verify_history

    problems = []
    history = verify_history()
    if history.ok:
        click.echo(f"Status history intact: {history.checked} changes checked.")
    else:
        problems.append(f"status history broken at change {history.broken_id}: {history.problem}")
    for source in against:
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{source}: unreadable checkpoint ({exc})")
            continue
        report = check_against(document, source)
        if report.reached:
            click.echo(f"{source}: reached ({document['events']} events).")
        problems += [f"{source}: NOT REACHED: {problem}" for problem in report.problems]
    return problems
