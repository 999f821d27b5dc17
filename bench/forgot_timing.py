"""Forgot-password answer time: an existing account against an unknown one.

One app in this process on a SQLite file, MAIL_URL at a working SMTP server
(aiosmtpd in a process of its own, on loopback), the outbox's background
sender on, as under `make run`. Each round POSTs /auth/forgot alternately
for an existing account and an unknown one (by username and by address, in
turn), so machine noise hits both alike; only the POST is timed. Prints each
round's medians, the overall medians and `ratio existing/unknown` against
the goal 0.9-1.1: the answer must not tell whether an account exists (the
issue measured 108-129 ms against 54-65 ms when the mail was sent in the
request).

    .venv/bin/python bench/forgot_timing.py [--rounds 5] [--posts 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import free_port, wait_for_port  # noqa: E402

from cms import create_app  # noqa: E402
from cms.extensions import db  # noqa: E402
from cms.services.users import create_user  # noqa: E402

LOW, HIGH = 0.9, 1.1
EXISTING = ("alice", "alice@example.cn")
UNKNOWN = ("nobody", "nobody@example.cn")


def build(folder: Path, mail_url: str):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'forgot.sqlite'}",
        "SECRET_KEY": "bench-forgot",
        "SITE_URL": "http://cms.bench",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_URL": mail_url,
        "OUTBOX_THREAD": True,
        "PASSWORD_HASH_CHEAP": True,
    })  # fmt: skip
    with app.app_context():
        db.create_all()
        create_user("alice", "editor", "a long bench passphrase", email=EXISTING[1])
    return app


def ask(client, identifier: str) -> float:
    started = time.perf_counter()
    response = client.post("/auth/forgot", data={"identifier": identifier})
    took = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"POST /auth/forgot answered {response.status_code}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--posts", type=int, default=40, help="per case and round")
    args = parser.parse_args()
    if min(args.rounds, args.posts) < 1:
        parser.error("--rounds and --posts must be >= 1")

    port = free_port()
    smtp = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    wait_for_port(port)
    timings: dict[str, list[float]] = {"existing": [], "unknown": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = build(Path(folder), f"smtp://127.0.0.1:{port}")
            client = app.test_client()
            for who in EXISTING + UNKNOWN:  # warm-up: templates, first connections
                ask(client, who)
            for round_no in range(1, args.rounds + 1):
                took: dict[str, list[float]] = {"existing": [], "unknown": []}
                for n in range(args.posts):
                    took["existing"].append(ask(client, EXISTING[n % 2]))
                    took["unknown"].append(ask(client, UNKNOWN[n % 2]))
                for case, values in took.items():
                    timings[case].extend(values)
                print(f"round {round_no}: " + ", ".join(
                    f"{case} {statistics.median(v) * 1000:.2f} ms"
                    for case, v in took.items()
                ), flush=True)  # fmt: skip
            sender = app.extensions.get("cms_outbox_sender")
            if sender is not None:
                sender.stop(timeout=2.0)
    finally:
        smtp.terminate()
        smtp.wait()

    medians = {case: statistics.median(t) * 1000 for case, t in timings.items()}
    for case, value in medians.items():
        print(f"{case:8} median {value:.2f} ms over {len(timings[case])} POSTs")
    ratio = medians["existing"] / medians["unknown"]
    verdict = "MET" if LOW <= ratio <= HIGH else "NOT MET"
    print(f"ratio existing/unknown {ratio:.2f} (goal {LOW}-{HIGH}) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
