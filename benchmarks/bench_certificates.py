#!/usr/bin/env python3
"""Benchmark of certificate batch issuance (run by `make bench`).

Measures `registry issue-batch` as it runs in production: certificates per second including
the signed credential (JSON-LD canonicalisation, Ed25519), the PAdES signature of the PDF
with the credential attached, the database work (conditional update, audit event, chunked
commits) and the archive writes (temp file, fsync, link), on one core and on two. Each figure is the median over several runs
of the ratio to ../shared/bench/pdf_reference.py (bare reportlab, no app, no
database) run in the same benchmark, so the noise of a shared machine cancels out.
Also measures the peak memory of the whole process tree while issuing 1,000 certificates.

Goals: ratio >= 0.5 on one core, >= 0.9 with two, peak memory < 300 MB.

Usage: python benchmarks/bench_certificates.py [--runs 3] [--count 400] [--memory-count 1000]
The database is a fresh SQLite file per run; set REGISTRY_BENCH_DATABASE_URL to a
PostgreSQL database that may be wiped to measure on PostgreSQL instead.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
FONT = REPO / "registry" / "fonts" / "DejaVuSans.ttf"
BOLD = REPO / "registry" / "fonts" / "DejaVuSans-Bold.ttf"
GOALS = {1: 0.5, 2: 0.9}
MEMORY_GOAL_MB = 300


def find_reference():
    """shared/bench/pdf_reference.py: ../shared from the repo root (or further up, for a
    worktree kept one level deeper)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "bench" / "pdf_reference.py"
        if candidate.is_file():
            return candidate
    raise SystemExit(f"pdf_reference.py not found in ../shared/bench from {REPO}")


def reference_rate(script, pages):
    """(pages/s as the reference reports it, CPU seconds per page)."""

    def run(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            [sys.executable, str(script), str(n), "--font", str(FONT), "--bold", str(BOLD)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return float(re.search(r"= ([\d.]+) pages/s", out).group(1)), cpu

    rate, cpu = run(pages)
    _rate, startup = run(1)  # interpreter, imports, fonts, one page
    return rate, (cpu - startup) / (pages - 1)


# --- one measured run, in a fresh process --------------------------------------------------


def _fresh_database(tmp):
    url = os.environ.get("REGISTRY_BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp}/bench.sqlite3"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def measure(count, workers, pin):
    """Prepare `count` decided certificates, then time their batch issuance; print JSON."""
    import flask_migrate

    from registry import create_app
    from registry.certificates.jobs import create_job, run_job
    from registry.extensions import db
    from tests.factories import UserFactory, issued_certificate

    with tempfile.TemporaryDirectory(prefix="bench-certs-") as tmp:
        app = create_app(
            {
                "REGISTRY_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": _fresh_database(tmp),
                "REGISTRY_CERTIFICATES_DIR": f"{tmp}/certificates",
                "REGISTRY_PUBLIC_URL": "https://nscl.gov.vn",
                "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE": False,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            officer = UserFactory()
            # Decided before the run; the signed credential is built in the timed part, by
            # the batch (as for a certificate decided with rendering off), so that the
            # figure includes everything: credential, status list, PDF, signature, archive.
            with mock.patch("registry.certificates.service.issue_credential", lambda _c: None):
                for _ in range(count):
                    issued_certificate(actor=officer)
            db.session.commit()
            job_id = create_job().id
            db.session.commit()
            if pin:
                os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
            print("ISSUING", flush=True)
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            summary = run_job(job_id, workers=workers)
            elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
            print("DONE", flush=True)
            assert summary.archived == count and not summary.failures, summary
            db.engine.dispose()
    print(json.dumps({"rate": count / elapsed, "cpu": cpu / count}), flush=True)


def breakdown(count):
    """CPU milliseconds per certificate of each stage of issuance, in one process; print JSON.

    The stages are those `issue-batch` runs for each certificate: the signed credential
    (JSON-LD canonicalisation of the credential and of its proof options, Ed25519), the
    page (reportlab), and the PAdES signature with the credential attached (pyhanko).
    """
    import flask_migrate

    from registry import create_app
    from registry.certificates.rendering import pdf_sealer, printed_fields, renderer
    from registry.credentials.service import issue_credential
    from registry.extensions import db
    from tests.factories import UserFactory, issued_certificate

    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        app = create_app(
            {
                "REGISTRY_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "REGISTRY_CERTIFICATES_DIR": f"{tmp}/certificates",
                "REGISTRY_PUBLIC_URL": "https://nscl.gov.vn",
                "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE": False,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            officer = UserFactory()
            with mock.patch("registry.certificates.service.issue_credential", lambda _c: None):
                certificates = [issued_certificate(actor=officer) for _ in range(count + 1)]
            db.session.commit()
            pdf, sealer = renderer(), pdf_sealer()
            warm = certificates.pop()
            sealer.seal(
                pdf.render(printed_fields(warm)),
                number=warm.number,
                credential=issue_credential(warm).document,
            )
            stages = {"credential": 0.0, "page": 0.0, "signature": 0.0}
            for certificate in certificates:
                t0 = time.process_time()
                credential = issue_credential(certificate).document
                t1 = time.process_time()
                data = pdf.render(printed_fields(certificate))
                t2 = time.process_time()
                sealer.seal(data, number=certificate.number, credential=credential)
                t3 = time.process_time()
                stages["credential"] += t1 - t0
                stages["page"] += t2 - t1
                stages["signature"] += t3 - t2
            db.session.rollback()
            db.engine.dispose()
    print(json.dumps({k: 1000 * v / count for k, v in stages.items()}), flush=True)


def _cpu_seconds():
    """CPU time of this process and of its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- the orchestrator -----------------------------------------------------------------------


def _tree(pid):
    """pid and all its descendants (Linux /proc)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def _memory_kb(pid, field):
    total = 0
    for member in _tree(pid):
        source = "smaps_rollup" if field == "Pss" else "status"
        try:
            text = Path(f"/proc/{member}/{source}").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total


def run_measure(count, workers, *, pin=False, sample_memory=False):
    """Run `measure` in a child process; optionally sample the tree's memory while issuing."""
    command = [sys.executable, __file__, "--measure", str(count), str(workers)]
    if pin:
        command.append("--pin")
    peak = {"Pss": 0, "VmRSS": 0}
    issuing, done = threading.Event(), threading.Event()
    # Migration logs go to a file, shown only if the run fails.
    with tempfile.TemporaryFile(mode="w+") as errors:
        child = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=errors, text=True
        )

        def sample():
            issuing.wait()
            while not done.is_set():
                for field in peak:
                    peak[field] = max(peak[field], _memory_kb(child.pid, field))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_memory:
            sampler.start()
        result = None
        for line in child.stdout:
            if line.startswith("ISSUING"):
                issuing.set()
            elif line.startswith("DONE"):
                done.set()
            elif line.startswith("{"):
                result = json.loads(line)
        issuing.set()
        done.set()
        child.wait()
        if sample_memory:
            sampler.join()
        if child.returncode != 0 or result is None:
            errors.seek(0)
            raise SystemExit(f"measurement failed (exit {child.returncode}):\n{errors.read()}")
    result["pss_mb"] = peak["Pss"] / 1024
    result["rss_mb"] = peak["VmRSS"] / 1024
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=400, help="certificates per timed run")
    parser.add_argument("--memory-count", type=int, default=1000)
    parser.add_argument("--measure", nargs=2, type=int, metavar=("COUNT", "WORKERS"))
    parser.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--breakdown", type=int, metavar="COUNT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.path.insert(0, str(REPO))
        measure(*args.measure, pin=args.pin)
        return
    if args.breakdown:
        sys.path.insert(0, str(REPO))
        breakdown(args.breakdown)
        return

    reference = find_reference()
    cpus = len(os.sched_getaffinity(0))
    backend = "PostgreSQL" if os.environ.get("REGISTRY_BENCH_DATABASE_URL") else "SQLite"
    print(
        f"Certificate batch issuance: {args.count} certificates per run, {args.runs} runs, "
        f"{backend}, {cpus} CPU(s) available; reference: {reference}"
    )
    rates = {"reference": [], 1: [], 2: []}
    cpu = {"reference": [], 1: [], 2: []}
    for run in range(1, args.runs + 1):
        rate, cpu_per_page = reference_rate(reference, args.count)
        rates["reference"].append(rate)
        cpu["reference"].append(cpu_per_page)
        for workers in (1, 2):
            result = run_measure(args.count, workers, pin=workers == 1)
            rates[workers].append(result["rate"])
            cpu[workers].append(result["cpu"])
        print(
            f"  run {run}: reference {rates['reference'][-1]:.1f}/s, "
            f"1 core {rates[1][-1]:.1f}/s, 2 cores {rates[2][-1]:.1f}/s "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
    ms = {key: 1000 * statistics.median(values) for key, values in cpu.items()}
    print(
        f"reference (bare reportlab page): {statistics.median(rates['reference']):.1f} pages/s, "
        f"{ms['reference']:.1f} ms CPU per page"
    )
    for workers in (1, 2):
        # Each run is compared with the reference measured just before it, so that a
        # machine busy with other work weighs on both sides of the ratio.
        ratio = statistics.median(
            ours / ref for ours, ref in zip(rates[workers], rates["reference"], strict=True)
        )
        verdict = "goal met" if ratio >= GOALS[workers] else "GOAL MISSED"
        print(
            f"issue-batch, {workers} core(s): {statistics.median(rates[workers]):.1f} "
            f"certificates/s, {ratio:.2f} x reference (goal >= {GOALS[workers]}: {verdict}); "
            f"{ms[workers]:.1f} ms CPU per certificate, all processes"
        )
    stages = subprocess.run(
        [sys.executable, __file__, "--breakdown", "100"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    stages = json.loads(stages)
    print(
        "where the CPU goes, per certificate (one process, 100 certificates): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in stages.items())
        + "; the rest of the 1-core figure is the database and the archive"
    )
    memory = run_measure(args.memory_count, 2, sample_memory=True)
    verdict = "goal met" if memory["pss_mb"] < MEMORY_GOAL_MB else "GOAL MISSED"
    print(
        f"peak memory issuing {args.memory_count} certificates with 2 workers: "
        f"{memory['pss_mb']:.0f} MB PSS, {memory['rss_mb']:.0f} MB RSS summed over the "
        f"process tree ({memory['rate']:.1f} certificates/s; goal < {MEMORY_GOAL_MB} MB: {verdict})"
    )


if __name__ == "__main__":
    main()
