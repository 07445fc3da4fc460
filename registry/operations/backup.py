"""`registry backup PATH`: a consistent copy of the database and the certificate archive.

- SQLite: the online backup API copies a consistent snapshot while the app keeps serving.
- PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot).
- Then the certificate archive is copied. Its PDFs are written before their row is
  committed and never change afterwards, so every certificate in the database copy has
  its PDF in the archive copy (at worst the archive holds a few newer ones).
- manifest.json records what was copied with the SHA-256 of every file; SHA256SUMS holds
  the same hashes for `sha256sum -c`. docs/operations.md says how to restore.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from registry.certificates.archive import file_sha256
from registry.database import utcnow

SQLITE_FILE = "registry.sqlite3"
POSTGRES_FILE = "registry.dump"
ARCHIVE_DIR = "certificates"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"


class BackupError(Exception):
    """The backup could not be made; the message says what to do."""


def make_backup(target, *, database_url, certificates_dir):
    """Copy the database and the archive into the empty or new directory `target`."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory; choose a new one.")
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Cannot back up a {backend} database (SQLite or PostgreSQL only).")
    if backend == "postgresql" and shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump was not found. Install the PostgreSQL client tools of the server's "
            "version (Debian: apt-get install postgresql-client) and try again."
        )
    target.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        revision = _backup_sqlite(url, target / SQLITE_FILE)
    else:
        revision = _backup_postgres(url, target / POSTGRES_FILE)
    archive = Path(certificates_dir)
    if archive.is_dir():
        shutil.copytree(archive, target / ARCHIVE_DIR)
    else:
        (target / ARCHIVE_DIR).mkdir()
    return _write_manifest(target, backend=backend, revision=revision)


def _backup_sqlite(url, destination):
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise BackupError(f"No SQLite database file at {source_path!r}.")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("The copy of the SQLite database failed its integrity check.")
        row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        copy.close()
        source.close()
    return row[0] if row else None


def _backup_postgres(url, destination):
    # The password goes through the environment, not the command line (visible in `ps`).
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--file",
        str(destination),
        "--dbname",
        conninfo,
    ]
    # A fixed program and arguments; the URL comes from our own configuration.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _write_manifest(target, *, backend, revision):
    files = {}
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        name = path.relative_to(target).as_posix()
        files[name] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    manifest = {
        "format": 1,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "database": backend,
        "schema_revision": revision,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    (target / CHECKSUMS).write_text(
        "".join(f"{entry['sha256']}  {name}\n" for name, entry in files.items())
    )
    return manifest
