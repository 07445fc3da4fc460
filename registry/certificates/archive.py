"""The certificate archive: each PDF written once, never overwritten, read back only if intact.

Files are named after the certificate number and the start of their SHA-256
(`2026/NSCL-QG-2026-00042-3f2a9c1b4d5e6f70.pdf`). A signed PDF carries its signing time,
so a certificate rendered again after a crash (file written, database not committed) is
a new file under a new name: the first one is never overwritten, and `scan_archive` lists
it as unclaimed. A file left by a transaction that rolled back can never be mistaken for
another certificate's.
"""

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.extensions import db

TEMP_PREFIX = ".tmp-"


class ArchiveError(Exception):
    """An archived certificate is missing or altered, or a file would be overwritten."""

    def __init__(self, problem, detail=""):
        super().__init__(f"{problem}: {detail}" if detail else problem)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def archive_name(number, year, sha256):
    """The file's path relative to the archive root."""
    return f"{year}/{number}-{sha256[:16]}.pdf"


def sync_directory(path):
    """fsync a directory so that a rename into it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store(root, relpath, data, sha256, *, sync_dir=True):
    """Write `data` at root/relpath once: temp file, fsync, then link into place.

    Returns True if the file was created, False if an identical file was already there
    (a re-run after a crash). A different file under that name is never replaced.
    """
    target = Path(root) / relpath
    if target.exists():
        return _existing(target, relpath, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            # link() is a rename that refuses to replace an existing file.
            os.link(temp, target)
        except FileExistsError:
            return _existing(target, relpath, sha256)
        except OSError:  # a file system without hard links: check, then rename
            if target.exists():
                return _existing(target, relpath, sha256)
            os.rename(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    if sync_dir:
        sync_directory(target.parent)
    return True


def _existing(target, relpath, sha256):
    if file_sha256(target) == sha256:
        return False
    raise ArchiveError("exists", f"{relpath} holds other content and is never overwritten")


def archive_root():
    return Path(current_app.config["REGISTRY_CERTIFICATES_DIR"])


def store_certificate_pdf(number, year, data, *, root=None, sync_dir=True):
    """Write a rendered certificate into the archive; returns (sha256, relative path, created)."""
    digest = sha256_hex(data)
    relpath = archive_name(number, year, digest)
    created = store(root or archive_root(), relpath, data, digest, sync_dir=sync_dir)
    return digest, relpath, created


def record_archived(certificate, sha256, relpath, *, actor=None):
    """Note the archived file on the certificate (flushed) and in the audit log."""
    certificate.sha256 = sha256
    certificate.archive_path = relpath
    db.session.flush()
    record_event(
        "certificate.archived",
        actor=actor,
        object_type="certificate",
        object_id=certificate.id,
        details={"number": certificate.number, "sha256": sha256, "path": relpath},
    )


def read_archived(certificate, *, actor=None):
    """The archived bytes, checked against the stored hash.

    A missing or altered file is recorded in the audit log (flushed; the caller commits)
    and raises ArchiveError: the certificate is never silently rendered again.
    """
    if certificate.archive_path is None:
        raise ArchiveError("not_issued", certificate.number)
    root = archive_root().resolve()
    path = (root / certificate.archive_path).resolve()
    if not path.is_relative_to(root):
        raise ArchiveError("outside", certificate.archive_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problem = "missing"
    else:
        if sha256_hex(data) == certificate.sha256:
            return data
        problem = "altered"
    record_event(
        "certificate.archive_failed",
        actor=actor,
        object_type="certificate",
        object_id=certificate.id,
        details={
            "number": certificate.number,
            "problem": problem,
            "path": certificate.archive_path,
        },
    )
    raise ArchiveError(problem, certificate.archive_path)


@dataclass
class ArchiveReport:
    checked: int = 0
    missing: list = field(default_factory=list)
    altered: list = field(default_factory=list)
    orphans: list = field(default_factory=list)
    leftovers: list = field(default_factory=list)

    @property
    def ok(self):
        return not (self.missing or self.altered or self.orphans or self.leftovers)


def scan_archive():
    """Compare the archive with the database: missing, altered and unclaimed files."""
    root = archive_root()
    report = ArchiveReport()
    claimed = set()
    rows = db.session.execute(
        sa.select(Certificate.number, Certificate.archive_path, Certificate.sha256)
        .where(Certificate.archive_path.is_not(None))
        .order_by(Certificate.id)
    )
    for number, relpath, sha256 in rows:
        report.checked += 1
        claimed.add(relpath)
        path = root / relpath
        if not path.is_file():
            report.missing.append((number, relpath))
        elif file_sha256(path) != sha256:
            report.altered.append((number, relpath))
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name == ".gitkeep":
                continue
            relpath = path.relative_to(root).as_posix()
            if path.name.startswith(TEMP_PREFIX):
                report.leftovers.append(relpath)
            elif relpath not in claimed:
                report.orphans.append(relpath)
    return report
