"""`flask --app wsgi registry create-token --email E [--name N]`."""

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from registry.api.tokens import TokenError, create_token
from registry.auth.models import User
from registry.cli import registry_cli
from registry.extensions import db
from registry.text import clean_email


@registry_cli.command("create-token")
@click.option("--email", required=True, help="The account the token acts for.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@with_appcontext
def create_token_command(email, name):
    """Create an API token and print it (once: only its SHA-256 is kept)."""
    user = db.session.scalar(sa.select(User).where(User.email == clean_email(email)))
    if user is None:
        raise click.ClickException(f"No account with email {email}.")
    try:
        _token, plaintext = create_token(user, name, actor=None)
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"API token for {user.email} ({user.role.value}), shown only this once:", err=True)
    click.echo(plaintext)
