"""`make bench`: verification and the public register under load, on SQLite and PostgreSQL.

1. Seeds 100,000 experts and 50 certificates into a temporary SQLite database, and into the
   empty PostgreSQL database named by REGISTRY_BENCH_DATABASE_URL when it is set.
2. Serves the registry with gunicorn and the repository's config file, on a free loopback
   port, with in-process rate-limit counters (limits lifted: one client, wrk, on loopback).
3. Loads each target with wrk (--duration seconds at --connections connections) in
   --rounds rounds; reports each figure's median over the rounds and judges the goals
   (docs/performance.md) on the medians: the machine is shared and noisy.

Every verification is logged and committed with the database's normal durability.
Installs nothing: it says what is missing (wrk: apt-get install wrk).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Target:
    """A path to load and its goals at --connections (None: reported only)."""

    name: str
    path: str
    max_p95_ms: float | None = None
    max_p99_ms: float | None = None


# {verify} is replaced by "<number>?code=<code>" of a certificate seed() issues.
TARGETS = [
    Target("register search", "/register?q=nguyen+van+hung", max_p95_ms=50),
    Target("verify page", "/verify/{verify}", max_p99_ms=50),
    Target("api verify", "/api/v1/verify/{verify}", max_p99_ms=50),
    Target("api health (reference)", "/api/v1/health"),
]
CERTIFICATES = 50

# wrk prints these after the run; latency is in microseconds.
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d status_errors=%d\\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("RESULT p%d=%d\\n", p, latency:percentile(p)))
  end
end
"""


@dataclass
class Measure:
    rps: float
    p50: float
    p90: float
    p95: float
    p99: float
    errors: int


def missing_tools():
    problems = []
    if shutil.which("wrk") is None:
        problems.append("wrk is not installed (Debian: apt-get install wrk)")
    if not (BIN / "gunicorn").exists():
        problems.append(f"gunicorn is not in {BIN} (make install-test)")
    return problems


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url, experts):
    """Migrate the database and bulk-load the experts; returns seconds taken."""
    import flask_migrate
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).parent))
    from seed_experts import seed_experts

    from registry import create_app
    from registry.certificates.service import issue_certificate
    from registry.enums import CertificateLevel
    from registry.experts.models import Expert
    from registry.extensions import db

    started = time.perf_counter()
    app = create_app(
        {
            "REGISTRY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "REGISTRY_CERTIFICATES_RENDER_AT_ISSUE": False,  # verification reads the row only
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        if db.session.scalar(sa.text("SELECT count(*) FROM experts")):
            raise SystemExit(f"{url} already holds experts: the benchmark needs an empty one.")
        db.session.remove()
        seed_experts(db.engine, experts)
        holders = db.session.scalars(sa.select(Expert).order_by(Expert.id).limit(CERTIFICATES))
        for holder in holders:
            certificate = issue_certificate(holder, CertificateLevel.NATIONAL, actor=None)
        db.session.commit()
        verify = f"{certificate.number}?code={certificate.verification_code}"
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started, verify


def signing_material(workdir, port):
    """What production refuses to start without: its public address and signing keys
    (throwaway ones, made once per run)."""
    from registry.certificates.signing import self_signed_p12
    from registry.credentials.keys import write_key_file

    key, p12 = workdir / "signing_key.pem", workdir / "signing.p12"
    if not key.exists():
        write_key_file(key)
        p12.write_bytes(self_signed_p12("Benchmark"))
    return {
        "REGISTRY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REGISTRY_SIGNING_KEY_FILE": str(key),
        "REGISTRY_PDF_SIGNING_P12": str(p12),
    }


def serve(app_spec, port, workers, env, chdir):
    """Start gunicorn with the repository's config file; wait until it answers."""
    env = dict(
        env,
        REGISTRY_BIND=f"127.0.0.1:{port}",
        REGISTRY_WORKERS=str(workers),
        REGISTRY_ACCESS_LOG="",  # no access log on the measured path
        REGISTRY_LOG_LEVEL="warning",
    )
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--chdir",
            str(chdir),
            app_spec,
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn for {app_spec} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn for {app_spec} did not answer within 30 s")


def stop(process):
    """Stop one server we started (its own process group: the master and its workers)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def load(url, *, seconds, connections, threads, script):
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(re.findall(r"(\w+)=(\d+)", " ".join(re.findall(r"RESULT (.*)", output))))
    requests, duration = int(values["requests"]), int(values["duration_us"]) / 1e6
    return Measure(
        rps=requests / duration,
        p50=int(values["p50"]) / 1000,
        p90=int(values["p90"]) / 1000,
        p95=int(values["p95"]) / 1000,
        p99=int(values["p99"]) / 1000,
        errors=int(values["errors"]) + int(values["status_errors"]),
    )


def judge(target, result):
    """The goals of `target` met or MISSED by `result` (medians)."""
    verdicts = []
    if target.max_p95_ms is not None:
        met = result.p95 < target.max_p95_ms
        verdicts.append(f"p95 < {target.max_p95_ms:g} ms: {'met' if met else 'MISSED'}")
    if target.max_p99_ms is not None:
        met = result.p99 < target.max_p99_ms
        verdicts.append(f"p99 < {target.max_p99_ms:g} ms: {'met' if met else 'MISSED'}")
    return "; ".join(verdicts)


def median_measure(measures):
    """Each figure's median over the rounds (errors: the total)."""
    return Measure(
        *(statistics.median(getattr(m, name) for m in measures) for name in _FIGURES),
        errors=sum(m.errors for m in measures),
    )


_FIGURES = ("rps", "p50", "p90", "p95", "p99")


def bench_database(url, args, workdir):
    """Seed `url`, serve it, load every target; print the medians."""
    print(f"\nSeeding {args.experts:,} experts into {url.split('@')[-1]} ...", flush=True)
    seconds, verify = seed(url, args.experts)
    print(f"  done in {seconds:.1f} s ({CERTIFICATES} certificates)", flush=True)
    targets = [replace(t, path=t.path.replace("{verify}", verify)) for t in TARGETS]
    port = free_port()
    env = dict(
        os.environ,
        REGISTRY_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        REGISTRY_DATABASE_URL=url,
        REGISTRY_CERTIFICATES_DIR=str(workdir / "certificates"),
        **signing_material(workdir, port),
        # One client (wrk) on loopback: lift the per-address limits, or the run measures
        # 429 answers. The limits' own cost (an in-memory counter) is still paid.
        REGISTRY_VERIFY_RATE_LIMIT="100000000 per minute",
        REGISTRY_API_ANONYMOUS_RATE_LIMIT="100000000 per minute",
    )
    env.pop("REGISTRY_RATELIMIT_STORAGE_URL", None)
    server = serve("wsgi:app", port, args.workers, env, ROOT)
    try:
        script = workdir / "report.lua"
        script.write_text(REPORT_LUA)
        options = {"seconds": args.duration, "connections": args.connections, "threads": 2}
        runs = {target: [] for target in targets}
        for number in range(1, args.rounds + 1):
            print(f"  round {number} of {args.rounds} ...", flush=True)
            for target in targets:
                url_ = f"http://127.0.0.1:{port}{target.path}"
                load(url_, script=script, **(options | {"seconds": 2}))  # warm up
                runs[target].append(load(url_, script=script, **options))
    finally:
        stop(server)
    print(
        f"wrk {args.duration} s at {args.connections} connections, gunicorn -w {args.workers}, "
        f"{os.cpu_count()} CPUs; medians of {args.rounds} rounds\n"
        f"{'target':56} {'req/s':>7} {'p50':>8} {'p95':>8} {'p99':>8}  goals"
    )
    for target, measures in runs.items():
        result = median_measure(measures)
        notes = [judge(target, result)]
        if result.errors:
            notes.append(f"{result.errors} errors")
        print(
            f"{target.name + ' ' + target.path[:30]:56} {result.rps:7.0f} {result.p50:6.1f}ms "
            f"{result.p95:6.1f}ms {result.p99:6.1f}ms  {'; '.join(n for n in notes if n)}",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="figures are medians over these")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database")
    args = parser.parse_args()

    problems = missing_tools()
    if problems:
        print("Cannot run the load benchmark:", *problems, sep="\n  - ", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    urls = [] if args.only == "postgresql" else [f"sqlite:///{workdir / 'bench.sqlite3'}"]
    if args.only != "sqlite":
        if os.environ.get("REGISTRY_BENCH_DATABASE_URL"):
            urls.append(os.environ["REGISTRY_BENCH_DATABASE_URL"])
        else:
            print("PostgreSQL NOT BENCHMARKED: set REGISTRY_BENCH_DATABASE_URL (an empty database)")
    try:
        for url in urls:
            bench_database(url, args, workdir)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
