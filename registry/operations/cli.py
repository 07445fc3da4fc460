"""`flask --app wsgi registry backup PATH`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from registry.cli import registry_cli
from registry.operations.backup import MANIFEST, BackupError, make_backup


@registry_cli.command("backup")
@click.argument("path", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(path):
    """Copy the database and the certificate archive into PATH (a new directory)."""
    try:
        manifest = make_backup(
            path,
            database_url=current_app.config["SQLALCHEMY_DATABASE_URI"],
            certificates_dir=current_app.config["REGISTRY_CERTIFICATES_DIR"],
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    pdfs = sum(1 for name in manifest["files"] if name.startswith("certificates/"))
    click.echo(
        f"Backed up the {manifest['database']} database (schema {manifest['schema_revision']}) "
        f"and {pdfs} archive files into {path}; checksums in {path}/{MANIFEST}."
    )
