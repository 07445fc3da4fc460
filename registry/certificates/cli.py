"""`registry issue-batch` and `registry verify-archive`."""

from contextlib import ExitStack

import click
from flask.cli import with_appcontext

from registry.audit.service import record_event
from registry.certificates.archive import scan_archive
from registry.certificates.batch import (
    DEFAULT_CHUNK_SIZE,
    available_cpus,
    has_pending_certificates,
)
from registry.certificates.jobs import BatchJobError, active_job, create_job, run_job
from registry.certificates.rendering import PublicUrlUnknown, public_base_url
from registry.cli import registry_cli
from registry.extensions import db


def _parse_ids(_ctx, _param, value):
    if not value:
        return None
    try:
        return sorted({int(part) for part in value.replace(" ", "").split(",") if part})
    except ValueError as exc:
        raise click.BadParameter("use expert ids separated by commas, e.g. 12,15,31") from exc


@registry_cli.command("issue-batch")
@click.option("--course", "course_code", help="Only experts enrolled in the course with this code.")
@click.option("--ids", "expert_ids", callback=_parse_ids, help="Only these expert ids (12,15,31).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Rendering processes (default: every CPU available).",
)
@click.option("--chunk-size", type=click.IntRange(1, 1000), default=DEFAULT_CHUNK_SIZE)
@click.option("--job", "job_id", type=int, hidden=True, help="Run a job queued from the web page.")
@with_appcontext
def issue_batch_command(course_code, expert_ids, workers, chunk_size, job_id):
    """Render and archive every certificate decided but not yet issued (or a cohort's).

    Safe to interrupt and to run again: it continues with what is still pending. A job
    left open (a killed command) is resumed rather than a new one started; a job the
    worker runs is the worker's (it resumes it when it restarts): stop the worker first.
    """
    workers = workers or available_cpus()
    try:
        public_base_url()
    except PublicUrlUnknown as exc:
        raise click.ClickException(str(exc)) from exc
    if job_id is None and not has_pending_certificates(
        course_code=course_code, expert_ids=expert_ids
    ):
        click.echo("Nothing to issue: no certificate decided is waiting for its PDF.")
        return
    try:
        if job_id is None:
            left_open = active_job()
            if left_open is not None:
                job_id = left_open.id
                click.echo(f"Resuming batch job {job_id}, left open.")
            else:
                job_id = create_job(course_code=course_code, expert_ids=expert_ids).id
            db.session.commit()
        with ExitStack() as stack:
            bar = None

            def start(total):
                nonlocal bar
                click.echo(
                    f"Batch job {job_id}: {total} certificate(s) to issue, {workers} worker(s)."
                )
                bar = stack.enter_context(
                    click.progressbar(length=total, label="Issuing certificates")
                )

            summary = run_job(
                job_id,
                workers=workers,
                chunk_size=chunk_size,
                on_start=start,
                on_progress=lambda n: bar.update(n),
            )
    except BatchJobError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt as exc:
        raise click.ClickException(
            "Interrupted. Every chunk committed so far is issued; run again to continue."
        ) from exc
    click.echo(
        f"Issued {summary.archived} certificate(s); {summary.already} were already issued; "
        f"{len(summary.failures)} failed."
    )
    if summary.failures:
        click.echo("Failures (still pending; fix and run again):")
        for f in summary.failures:
            click.echo(f"  expert {f.expert_id} {f.holder_name} ({f.number}): {f.error}")
        raise SystemExit(1)


@registry_cli.command("verify-archive")
@with_appcontext
def verify_archive_command():
    """Check every archived certificate against its hash; list files no certificate claims."""
    report = scan_archive()
    for number, path in report.missing:
        click.echo(f"MISSING  {number}: {path}")
    for number, path in report.altered:
        click.echo(f"ALTERED  {number}: {path} (SHA-256 differs from the one recorded at issue)")
    for path in report.orphans:
        click.echo(f"ORPHAN   {path} (no certificate claims this file)")
    for path in report.leftovers:
        click.echo(f"LEFTOVER {path} (temporary file of an interrupted write)")
    record_event(
        "certificate.archive_checked",
        object_type="archive",
        details={
            "checked": report.checked,
            "missing": [number for number, _ in report.missing],
            "altered": [number for number, _ in report.altered],
            "orphans": len(report.orphans),
        },
    )
    db.session.commit()
    if not report.ok:
        raise click.ClickException(
            f"Archive problems: {len(report.missing)} missing, {len(report.altered)} altered, "
            f"{len(report.orphans)} orphan file(s), {len(report.leftovers)} leftover(s) "
            f"among {report.checked} certificates."
        )
    click.echo(f"Archive intact: {report.checked} certificates checked.")
