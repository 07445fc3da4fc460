"""`flask --app wsgi registry ...` commands (SPEC §9)."""

import secrets
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from registry.admin.service import AdminError, create_user, save_centre
from registry.centres.models import TrainingCentre
from registry.enums import Role
from registry.extensions import db


@click.group("registry")
def registry_cli():
    """Registry administration."""


def _parse_date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc


@registry_cli.command("create-centre")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--province", required=True)
@click.option("--approved-until", callback=_parse_date, help="YYYY-MM-DD")
@with_appcontext
def create_centre_command(code, name, province, approved_until):
    """Create a training centre."""
    try:
        centre = save_centre(
            None,
            code=code,
            name=name,
            province=province,
            approved_until=approved_until,
            active=True,
        )
    except AdminError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created training centre {centre.code}: {centre.name} ({centre.province})")


@registry_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--centre", "centre_code", help="Training centre code (required for centre_staff)")
@click.option("--password", help="Initial password; a random one is printed if omitted")
@click.option("--name", "full_name", help="Full name (defaults to the email)")
@with_appcontext
def create_user_command(email, role, centre_code, password, full_name):
    """Create a user account."""
    centre = None
    if centre_code:
        centre = db.session.scalar(
            sa.select(TrainingCentre).where(TrainingCentre.code == centre_code.upper())
        )
        if centre is None:
            raise click.ClickException(f"No training centre with code {centre_code}.")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(
            email=email, full_name=full_name or email, role=role, password=password, centre=centre
        )
    except AdminError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email}")
    if generated:
        click.echo(f"Initial password: {password}")


@registry_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the registry already has users.")
@with_appcontext
def seed_demo_command(if_empty):
    """Load realistic Vietnamese demo data and print the demo accounts."""
    from registry.auth.models import User
    from registry.demo import DEMO_PASSWORD, seed_demo

    if db.session.scalar(sa.select(sa.func.count(User.id))):
        if if_empty:
            click.echo("Demo data already loaded.")
            _print_accounts(DEMO_PASSWORD)
            return
        raise click.ClickException("The registry already has users; seed-demo needs an empty one.")
    summary = seed_demo()
    db.session.commit()
    click.echo(
        f"Loaded {summary['centres']} training centres, {summary['experts']} experts, "
        f"{summary['certificates']} certificates."
    )
    _print_accounts(DEMO_PASSWORD)


def _print_accounts(password):
    from registry.demo import DEMO_ACCOUNTS, DEMO_APPELLANT

    click.echo(f"Demo accounts (password: {password}):")
    for email, role, _name, centre in DEMO_ACCOUNTS:
        suffix = f" ({centre})" if centre else ""
        click.echo(f"  {role:<13} {email}{suffix}")
    click.echo(f"  {'expert':<13} {DEMO_APPELLANT} (suspended, appealing)")


@registry_cli.command("audit-verify")
@click.option(
    "--against",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A signed checkpoint file the database must still reach (repeatable).",
)
@with_appcontext
def audit_verify_command(against):
    """Check the audit log's and the status history's hash chains, and that the database
    still reaches each checkpoint given; name what is broken."""
    from registry.audit.checkpoint_cli import verify_history_and_checkpoints
    from registry.audit.service import verify_chain

    report = verify_chain()
    problems = verify_history_and_checkpoints(against)
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} events checked.")
    else:
        problems.insert(0, f"Audit chain broken at event {report.broken_id}: {report.problem}.")
    if problems:
        raise click.ClickException("\n".join(problems))


@registry_cli.command("purge-checks")
@with_appcontext
def purge_checks_command():
    """Drop client addresses from verification checks older than 90 days (run it daily)."""
    from registry.certificates.verification import purge_check_addresses
    from registry.transactions import commit_with_retry

    dropped = commit_with_retry(purge_check_addresses)
    click.echo(f"Dropped the client address of {dropped} verification checks older than 90 days.")


@registry_cli.command("apply-retention")
@with_appcontext
def apply_retention_command():
    """Remove what is past its retention period (docs/retention.md; daily, safe to re-run)."""
    from registry.rights.retention import apply_retention

    removed = apply_retention()
    db.session.commit()
    if not removed:
        click.echo("Nothing is past its retention period.")
    for rule, count in removed.items():
        click.echo(f"{rule}: {count}")


from registry.api import cli as _api_cli  # noqa: E402,F401  (create-token)
from registry.audit import checkpoint_cli as _checkpoint_cli  # noqa: E402,F401  (audit-checkpoint)
from registry.certificates import cli as _certificates_cli  # noqa: E402, F401  (registers its commands)
from registry.credentials import cli as _credentials_cli  # noqa: E402,F401  (credentials)
from registry.experts import cli as _experts_cli  # noqa: E402, F401  (registers `expire`)
from registry.operations import cli as _operations_cli  # noqa: E402,F401  (backup)
from registry.tasks import cli as _tasks_cli  # noqa: E402,F401  (worker)
