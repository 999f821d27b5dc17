"""Shared by the benchmarks: paths, a real gunicorn server, and wrk runs."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"  # git-ignored
WRK = Path("/usr/bin/wrk")
WRK_SCRIPT = BENCH / "wrk_paths.lua"

if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/, not the root, first
    sys.path.insert(0, str(ROOT))


def venv_bin(name: str) -> Path:
    """A tool from the project's .venv, else from beside the running Python."""
    candidate = ROOT / ".venv" / "bin" / name
    return candidate if candidate.exists() else Path(sys.executable).parent / name


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, what: str = "the server") -> None:
    """Return once something accepts connections on `port` (about 5 s)."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} on port {port} did not start")


def server_env(database: Path, port: int) -> dict[str, str]:
    """The environment of a production server on `database`. Inherited
    FLASK_*/CMS_* and service URLs are dropped so a run depends on nothing
    the caller's shell happens to set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "CMS_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL"}
        and key not in {"TRUSTED_PROXIES", "MAIL_URL", "MEDIA_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database.resolve()}",  # absolute: four slashes
        CMS_CONFIG="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Server:
    """gunicorn serving wsgi:app in its own process group; a context manager
    that waits for /healthz and always stops the whole group on the way out.
    `root`: the source tree served (its wsgi.py and gunicorn.conf.py; this
    tree's by default), always with this tree's .venv."""

    def __init__(
        self,
        database: Path,
        workers: int,
        log: Path,
        app: str = "wsgi:app",
        env: dict[str, str] | None = None,
        health: str = "/healthz",
        root: Path = ROOT,
    ) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.health = health
        self.command = [
            str(venv_bin("gunicorn")),
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--forwarded-allow-ips", "127.0.0.1",
            # Gunicorn 27's control socket has one default path per user:
            # a second server (make run, another bench) would take it over.
            "--no-control-socket",
            "--pythonpath", str(BENCH),  # for bench-only apps (bare_app:app)
            app,
        ]  # fmt: skip
        self.env = server_env(database, self.port) | (env or {})
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: workers go with it
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"gunicorn exited with {code}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"no 200 from /healthz in {timeout:.0f} s:\n{self.log_tail()}"
        )

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the workers are idle: requests a client gave up on (wrk
        timeouts) are still served after it leaves, and would slow the next
        run. Idle = two /healthz in a row answered within 0.5 s."""
        deadline = time.monotonic() + timeout
        quick = 0
        while quick < 2:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server still busy after {timeout:.0f} s")
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=timeout):
                    pass
            except (OSError, urllib.error.URLError):
                quick = 0
                time.sleep(0.2)
                continue
            quick = quick + 1 if time.monotonic() - started < 0.5 else 0

    def stop(self) -> None:
        """SIGINT to the server's group (gunicorn's quick shutdown: requests
        wrk left behind are not worth waiting for), SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's processes
        still alive: the master and its workers, read from /proc."""
        if self.process is None:
            return 0.0
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == self.process.pid:  # process group = the master's
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for error messages."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class WrkResult:
    """One wrk run, as wrk_paths.lua's `done` hook reports it."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: dict[str, int]
    output: str


_REPORT = re.compile(r"^BENCH (.*)$", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")


def run_wrk(
    url: str,
    paths_file: Path,
    duration: int,
    connections: int,
    threads: int = 2,
    timeout: int = 10,
) -> WrkResult:
    """Load `url` for `duration` seconds, each request to a random line of
    `paths_file`; raises RuntimeError when wrk fails or reports nothing."""
    threads = max(1, min(threads, connections))
    command = [
        str(WRK),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        f"--timeout={timeout}s",
        "-s", str(WRK_SCRIPT),
        url,
        "--", str(paths_file),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + timeout + 60
    )
    output = done.stdout + done.stderr
    match = _REPORT.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{output}")
    fields = dict(item.split("=", 1) for item in match.group(1).split())
    non_2xx = int(fields["non2xx"])
    printed = _NON_2XX.search(done.stdout)  # wrk's own line, when there were any
    if printed:
        non_2xx = max(non_2xx, int(printed.group(1)))
    return WrkResult(
        requests=int(fields["requests"]),
        seconds=int(fields["duration_us"]) / 1e6,
        rps=float(fields["rps"]),
        p50_ms=float(fields["p50_us"]) / 1000,
        p99_ms=float(fields["p99_us"]) / 1000,
        non_2xx=non_2xx,
        socket_errors={
            key: int(fields[key]) for key in ("connect", "read", "write", "timeout")
        },
        output=output,
    )


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options `measure` and `compare` read: rounds of wrk against a
    gunicorn server. --duration, --rounds and --warmup default to None: each
    benchmark fills them in (its --smoke run is shorter)."""
    parser.add_argument("--duration", type=int, help="seconds a round (default 10)")
    parser.add_argument("--rounds", type=int, help="rounds of each (default 3)")
    parser.add_argument("--warmup", type=int, help="seconds of each first (2)")
    parser.add_argument("--connections", type=int, default=16, help="default 16")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="wrk: seconds before a request counts as lost (10)",
    )


def source_trees(parser: argparse.ArgumentParser, trees: list[Path]) -> list[Path]:
    """The source trees named on the command line (this one when none),
    resolved; a folder without wsgi.py is a usage error."""
    resolved = [tree.resolve() for tree in trees] or [ROOT]
    for tree in resolved:
        if not (tree / "wsgi.py").exists():
            parser.error(f"{tree} is not a source tree of this project (no wsgi.py)")
    return resolved


def fill_unset(args: argparse.Namespace, defaults: dict[str, object]) -> None:
    """Give each option named in `defaults` its value there when the command
    line left it unset (None): a benchmark's defaults differ with --smoke."""
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def tools_missing() -> bool:
    """True (after saying so on stderr) when wrk or gunicorn is not there."""
    missing = [tool for tool in (WRK, venv_bin("gunicorn")) if not tool.exists()]
    for tool in missing:
        print(f"error: {tool} is missing", file=sys.stderr)
    return bool(missing)


def describe(result: WrkResult) -> str:
    """One wrk run on one line: rps, p50, p99, requests, and any failures."""
    extra = f"  non-2xx={result.non_2xx}" if result.non_2xx else ""
    if any(result.socket_errors.values()):
        extra += f"  socket errors={result.socket_errors}"
    return (
        f"rps={result.rps:9.1f}  p50={result.p50_ms:7.2f} ms  "
        f"p99={result.p99_ms:7.2f} ms  n={result.requests}{extra}"
    )


def measure(
    args: argparse.Namespace,
    server: Server,
    paths: dict[str, Path],
    kinds: tuple[str, str],
) -> dict[str, list[WrkResult]]:
    """Warm each kind up (`args.warmup` s), then alternate them, base, other,
    base, other ..., for `args.rounds` rounds of `args.duration` s, so machine
    noise hits both; prints each run."""

    def load(kind: str, seconds: int) -> WrkResult:
        server.settle()
        return run_wrk(
            server.url, paths[kind], seconds, args.connections, args.threads,
            args.timeout,
        )  # fmt: skip

    if args.warmup > 0:
        for kind in kinds:
            load(kind, args.warmup)
    results: dict[str, list[WrkResult]] = {kind: [] for kind in kinds}
    for n in range(1, args.rounds + 1):
        for kind in kinds:
            result = load(kind, args.duration)
            results[kind].append(result)
            print(f"round {n}/{args.rounds}  {kind:<8} {describe(result)}", flush=True)
    return results


def report(
    results: dict[str, list[WrkResult]],
    kinds: tuple[str, str],
    goal: float,
    noun: str,
) -> int:
    """Print the summary table and the ratio other/base of `kinds` against
    `goal`; 1 when any response was not 2xx/3xx or a kind got no answer at all
    (then there is no ratio to give; `noun` names what got none)."""
    summary = {}
    for kind, runs in results.items():
        requests = sum(r.requests for r in runs)
        seconds = sum(r.seconds for r in runs)
        summary[kind] = (
            requests / seconds,
            statistics.median(r.p99_ms for r in runs),
            max(r.p99_ms for r in runs),
        )
    print()
    print("summary (rps over all rounds; p99 = median of rounds, worst in brackets)")
    for kind, (rps, p99, worst) in summary.items():
        print(f"  {kind:<8} rps={rps:9.1f}  p99={p99:7.2f} ms  [{worst:.2f} ms]")
    failed = 0
    base, other = kinds
    if summary[base][0] > 0 and summary[other][0] > 0:
        ratio = summary[other][0] / summary[base][0]
        verdict = "MET" if ratio >= goal else "NOT MET"
        print(f"  ratio {other}/{base} = {ratio:.3f} (goal >= {goal}) {verdict}")
    else:
        print(f"FAIL: a {noun} got no answer at all; no ratio")
        failed = 1
    for kind, runs in results.items():
        non_2xx = sum(r.non_2xx for r in runs)
        lost = {
            name: sum(r.socket_errors[name] for r in runs)
            for name in runs[0].socket_errors
        }
        if non_2xx:
            print(f"FAIL: {non_2xx} {kind} responses were not 2xx or 3xx")
            failed = 1
        if any(lost.values()):
            print(
                f"warning: {kind} socket errors {lost} (timeout = no answer within "
                "--timeout; such requests are not in rps or p99)"
            )
    return failed


def compare(
    args: argparse.Namespace,
    database: Path,
    workdir: Path,
    paths: dict[str, Path],
    kinds: tuple[str, str],
    goal: float,
    noun: str,
) -> int:
    """Serve `database` with gunicorn (`args.workers`), `measure` the kinds
    and `report`; 1 (with the server's log) when the server or wrk failed."""
    with Server(database, args.workers, workdir / "gunicorn.log") as server:
        print(f"server: {' '.join(server.command)} at {server.url}")
        try:
            results = measure(args, server, paths, kinds)
        except RuntimeError as exc:
            print(f"error: {exc}\n--- server log ---\n{server.log_tail()}")
            return 1
    return report(results, kinds, goal, noun)


def _terminate(signum, _frame):
    raise KeyboardInterrupt  # unwind through the `with` blocks: server stopped


def run_main(main: Callable[[], int]) -> NoReturn:
    """A benchmark's entry point: SIGTERM unwinds like Ctrl-C (servers are
    stopped); exit with main's status, or 130 when interrupted."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


@dataclass
class Target:
    """One thing to load in a side-by-side run: `paths` (one per line, a
    random one per request) against `url`; `settle` waits until the server
    behind it is idle."""

    name: str
    url: str
    paths: Path
    settle: Callable[[], None] = lambda: None


def measure_targets(
    args: argparse.Namespace, targets: list[Target]
) -> dict[str, list[WrkResult]]:
    """Warm each target up (`args.warmup` s), then take turns, every target
    once per round, for `args.rounds` rounds of `args.duration` s, so machine
    noise hits all of them alike; prints each run."""

    def load(target: Target, seconds: int) -> WrkResult:
        target.settle()
        return run_wrk(
            target.url, target.paths, seconds, args.connections, args.threads,
            args.timeout,
        )  # fmt: skip

    if args.warmup > 0:
        for target in targets:
            load(target, args.warmup)
    width = max(len(t.name) for t in targets)
    results: dict[str, list[WrkResult]] = {t.name: [] for t in targets}
    for n in range(1, args.rounds + 1):
        for target in targets:
            result = load(target, args.duration)
            results[target.name].append(result)
            print(
                f"round {n}/{args.rounds}  {target.name:<{width}} {describe(result)}",
                flush=True,
            )
    return results


def report_ratios(
    results: dict[str, list[WrkResult]],
    goals: list[tuple[str, str, float]],
) -> int:
    """Print each target's rps and p99 over all rounds, then each ratio
    (other ÷ base, goal) of `goals`; 1 when a response was not 2xx/3xx or a
    target got no answer at all."""
    summary: dict[str, float] = {}
    width = max(len(name) for name in results)
    print()
    print("summary (rps over all rounds; p99 = median of rounds, worst in brackets)")
    failed = 0
    for name, runs in results.items():
        rps = sum(r.requests for r in runs) / sum(r.seconds for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        worst = max(r.p99_ms for r in runs)
        summary[name] = rps
        print(f"  {name:<{width}} rps={rps:9.1f}  p99={p99:7.2f} ms  [{worst:.2f} ms]")
        non_2xx = sum(r.non_2xx for r in runs)
        if non_2xx:
            print(f"FAIL: {non_2xx} {name} responses were not 2xx or 3xx")
            failed = 1
        lost = sum(sum(r.socket_errors.values()) for r in runs)
        if lost:
            print(f"warning: {name}: {lost} socket errors (not in rps or p99)")
    print()
    for other, base, goal in goals:
        if summary.get(base, 0) <= 0 or summary.get(other, 0) <= 0:
            print(f"FAIL: {other} or {base} got no answer at all; no ratio")
            failed = 1
            continue
        ratio = summary[other] / summary[base]
        verdict = "MET" if ratio >= goal else "NOT MET"
        print(f"  ratio {other}/{base} = {ratio:.3f} (goal >= {goal}) {verdict}")
    return failed
