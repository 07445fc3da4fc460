"""`flask --app wsgi registry verify-credential | backfill-credentials | signing-key`."""

import json
import urllib.request
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from registry.cli import registry_cli
from registry.extensions import db


def _read_json(source):
    """A JSON document from a file, or from an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=20) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {source}: {exc}") from exc


@registry_cli.command("verify-credential")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--status-list",
    "status_lists",
    multiple=True,
    help="A status list credential (file or URL) to read the credential's bits from.",
)
@with_appcontext
def verify_credential_command(file, status_lists):
    """Verify a signed credential offline: signature, dates, and status when lists are given."""
    from registry.credentials.keys import resolve_key
    from registry.credentials.verify import verify_credential

    if not current_app.config.get("REGISTRY_PUBLIC_URL"):
        # Without it the registry does not know its own did:web name, and every credential
        # would be refused as signed by an unknown method.
        raise click.ClickException(
            "REGISTRY_PUBLIC_URL is not set: the registry's did:web identity, which signs "
            "its credentials, is made from it (e.g. REGISTRY_PUBLIC_URL=http://127.0.0.1:5000)"
        )
    document = _read_json(file)
    lists = [_read_json(source) for source in status_lists]
    report = verify_credential(document, resolve_key, status_lists=lists)
    for note in report.notes:
        click.echo(f"ok: {note}")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not report.ok:
        raise click.ClickException("the credential does not verify")
    click.echo("Credential verified.")


@registry_cli.command("backfill-credentials")
@with_appcontext
def backfill_credentials_command():
    """Build signed credentials for certificates issued before credentials existed."""
    from registry.credentials.service import backfill_credentials

    count = backfill_credentials()
    db.session.commit()
    click.echo(f"Built {count} credentials.")


@registry_cli.command("signing-key")
@click.argument("file", type=click.Path(dir_okay=False))
def signing_key_command(file):
    """Write a new Ed25519 signing key (PEM) for REGISTRY_SIGNING_KEY_FILE."""
    from registry.credentials.keys import write_key_file

    path = Path(file)
    if path.exists():
        raise click.ClickException(f"{file} exists; a signing key is never overwritten")
    write_key_file(path)
    click.echo(f"Wrote a new Ed25519 signing key to {file} (mode 600).")
