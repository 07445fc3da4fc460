"""`make bench`: the registry under load, as a ratio of a bare Flask app served the same way.

1. Seeds 100,000 experts into a temporary SQLite database (or the empty PostgreSQL database
   named by REGISTRY_BENCH_DATABASE_URL).
2. Serves the registry and ../shared/bench/hello_wsgi.py with gunicorn, the same config file
   (gunicorn.conf.py) and worker count, each on a free loopback port.
3. Loads each target with wrk (bounded: --duration seconds at --connections connections),
   in --rounds rounds, each of which loads the bare app first; reports the median over
   the rounds of throughput, latency percentiles and the ratio to the bare app in the
   same round (the machine is shared and noisy: one run is not a figure).

Installs nothing: it says what is missing (wrk: apt-get install wrk).
More targets: --target NAME=PATH (e.g. the verification endpoint once it exists).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def shared_bench():
    """../shared/bench beside the repository (or beside the main checkout of a worktree)."""
    roots = [ROOT]
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if common:
        roots.append(Path(common).parent)
    for root in roots:
        if (root.parent / "shared" / "bench" / "hello_wsgi.py").exists():
            return root.parent / "shared" / "bench"
    return ROOT.parent / "shared" / "bench"


SHARED_BENCH = shared_bench()


@dataclass(frozen=True)
class Target:
    """A path to load, and the goals of issue 7 it is judged by (None: reported only).

    Throughput and p99 are judged at --connections (16): the server saturated. p95 is
    judged with one connection: the time one search takes when nobody queues in front of
    it (at 16 connections on 2 workers, latency is mostly waiting for a free worker).
    """

    name: str
    path: str
    max_p95_ms: float | None = None
    max_p99_ms: float | None = None
    min_ratio: float | None = None

    @property
    def goals(self):
        return self.max_p95_ms, self.max_p99_ms, self.min_ratio


# {verify} is replaced by "<number>?code=<code>" of a certificate seed() issues.
TARGETS = [
    Target("register search", "/register?q=nguyen+van+hung", max_p95_ms=50),
    Target("api verify", "/api/v1/verify/{verify}", max_p99_ms=50, min_ratio=0.4),
    Target("api health", "/api/v1/health"),
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
    if not (SHARED_BENCH / "hello_wsgi.py").exists():
        problems.append(f"the reference app {SHARED_BENCH / 'hello_wsgi.py'} is missing")
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


def serve(app_spec, port, workers, env, chdir):
    """Start gunicorn with the repository's config file; wait until it answers."""
    env = dict(
        env,
        REGISTRY_BIND=f"127.0.0.1:{port}",
        REGISTRY_WORKERS=str(workers),
        REGISTRY_ACCESS_LOG="",  # both apps alike: no access log on the measured path
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


def _goal(text, met):
    return f"{text}: {'met' if met else 'MISSED'}"


def judge(target, loaded, alone, ratio):
    verdicts = []
    if target.min_ratio is not None:
        verdicts.append(
            _goal(f"throughput >= {target.min_ratio} x bare", ratio >= target.min_ratio)
        )
    if target.max_p99_ms is not None:
        verdicts.append(
            _goal(f"p99 < {target.max_p99_ms} ms loaded", loaded.p99 < target.max_p99_ms)
        )
    if target.max_p95_ms is not None:
        verdicts.append(_goal(f"p95 < {target.max_p95_ms} ms alone", alone.p95 < target.max_p95_ms))
    return "; ".join(verdicts)


def median_measure(measures):
    """Each figure's median over the rounds (errors: the total)."""
    return Measure(
        *(statistics.median(getattr(m, name) for m in measures) for name in _FIGURES),
        errors=sum(m.errors for m in measures),
    )


_FIGURES = ("rps", "p50", "p90", "p95", "p99")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="figures are medians over these")
    parser.add_argument("--target", action="append", default=[], metavar="NAME=PATH")
    args = parser.parse_args()
    targets = TARGETS + [Target(*spec.split("=", 1)) for spec in args.target]

    problems = missing_tools()
    if problems:
        print("Cannot run the load benchmark:", *problems, sep="\n  - ", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = os.environ.get("REGISTRY_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    servers = []
    try:
        print(f"Seeding {args.experts:,} experts into {url.split('@')[-1]} ...", flush=True)
        seconds, verify = seed(url, args.experts)
        print(f"  done in {seconds:.1f} s ({CERTIFICATES} certificates)", flush=True)
        targets = [Target(t.name, t.path.replace("{verify}", verify), *t.goals) for t in targets]
        env = dict(
            os.environ,
            REGISTRY_ENV="production",
            SECRET_KEY=secrets.token_hex(32),
            REGISTRY_DATABASE_URL=url,
            REGISTRY_CERTIFICATES_DIR=str(workdir / "certificates"),
            # One client (wrk) on loopback: lift the per-address limits, or the run measures
            # 429 answers. The limits' own cost (an in-memory counter) is still paid.
            REGISTRY_VERIFY_RATE_LIMIT="100000000 per minute",
            REGISTRY_API_ANONYMOUS_RATE_LIMIT="100000000 per minute",
        )
        hello_port, registry_port = free_port(), free_port()
        servers.append(serve("hello_wsgi:app", hello_port, args.workers, env, SHARED_BENCH))
        servers.append(serve("wsgi:app", registry_port, args.workers, env, ROOT))
        script = workdir / "report.lua"
        script.write_text(REPORT_LUA)
        options = {
            "seconds": args.duration,
            "connections": args.connections,
            "threads": 2,
            "script": script,
        }

        def measure(port, path, **changes):
            url = f"http://127.0.0.1:{port}{path}"
            load(url, **(options | changes | {"seconds": 2}))  # warm up
            return load(url, **(options | changes))

        alone = {"connections": 1, "threads": 1}
        print(
            f"wrk: {args.duration} s per run at {args.connections} connections, and alone "
            f"(1 connection); gunicorn -w {args.workers} for both apps, {os.cpu_count()} CPUs; "
            f"medians of {args.rounds} rounds, each ratio to the bare app in the same round",
            flush=True,
        )
        bare = Target("bare Flask app", "/")
        # (target, connections) -> one Measure per round, and its ratio to that round's bare.
        runs, ratios = {}, {}
        for number in range(1, args.rounds + 1):
            print(f"  round {number} of {args.rounds} ...", flush=True)
            baseline = {}
            for target in [bare, *targets]:
                port = hello_port if target is bare else registry_port
                for connections, changes in ((args.connections, {}), (1, alone)):
                    result = measure(port, target.path, **changes)
                    baseline.setdefault(connections, result)
                    key = (target, connections)
                    runs.setdefault(key, []).append(result)
                    ratios.setdefault(key, []).append(result.rps / baseline[connections].rps)
        print(
            f"\n{'target':48} {'conn':>4} {'req/s':>7} {'ratio':>6} {'p50':>8} {'p95':>8} "
            f"{'p99':>8}  goals (on the medians)"
        )
        for (target, connections), measures in runs.items():
            result = median_measure(measures)
            ratio = statistics.median(ratios[target, connections])
            notes = []
            if target is not bare and connections == args.connections:
                quiet = median_measure(runs[target, 1])
                notes.append(judge(target, result, quiet, ratio))
                by_round = " ".join(f"{r:.2f}" for r in ratios[target, connections])
                notes.append(f"ratio by round: {by_round}")
            if result.errors:
                notes.append(f"{result.errors} errors")
            verdict = "; ".join(note for note in notes if note)
            print(
                f"{target.name + ' ' + target.path:48} {connections:4} {result.rps:7.0f} "
                f"{ratio:6.2f} {result.p50:6.1f}ms {result.p95:6.1f}ms {result.p99:6.1f}ms  "
                f"{verdict}"
            )
        return 0
    finally:
        for process in servers:
            stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
