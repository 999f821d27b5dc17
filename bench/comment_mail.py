"""Posting a held comment: median latency with MAIL_URL set vs without.

Three apps in one process, each on a SQLite file of its own, side by side:
they take turns POST by POST, so machine noise (and the sender's work, in
its own process or thread) hits all of them alike:

- `no mail`: MAIL_URL unset (nothing is queued);
- `mail`: MAIL_URL at a working SMTP server (aiosmtpd in a process of its
  own, on loopback);
- `silent`: MAIL_URL at a server that accepts connections and never answers
  (a blocked port 25), timeout 10 s.

Who delivers (`--sender`): `process` (default), `flask cms deliver-mail`
beside the app, as `make run` runs it, the app's own thread off; or
`thread`, the app's background sender thread (cms.outbox_sender.Sender).

The working server's deliveries are awaited at the end of each round. The
sender's own work (a thread in this process, or the relay process) lands on
the three variants alike, since they take turns; what differs between them
is what the request itself pays (one outbox row). Each POST is a first
comment from a new address, so it is held and every editor (two here) gets
a notice. Only the POST is timed (the GET that reads
the form is not). The goal: `mail / no mail` and `silent / no mail` ≤ 1.1,
i.e. the request never waits on the mail server.

    .venv/bin/python bench/comment_mail.py [--rounds 5] [--posts 40] [--sender thread]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import free_port, wait_for_port  # noqa: E402

from cms import create_app  # noqa: E402
from cms.extensions import db  # noqa: E402
from cms.models import OutboxMessage, OutboxStatus  # noqa: E402
from cms.services.settings import set_settings  # noqa: E402
from cms.services.users import create_user  # noqa: E402
from tests.factories import make_article  # noqa: E402

GOAL = 1.1
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


def silent_server() -> tuple[socket.socket, int]:
    """A listening socket nobody answers on (accepted connections are kept)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return sock, sock.getsockname()[1]


def build(folder: Path, name: str, mail_url: str | None, thread: bool = True):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / name}.sqlite",
        "SECRET_KEY": "bench-" + name,
        "SITE_URL": "http://cms.bench",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_URL": mail_url,
        "OUTBOX_THREAD": thread,
        "PASSWORD_HASH_CHEAP": True,
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        for username, address in (("boss", "boss@x.cn"), ("ed", "ed@x.cn")):
            create_user(username, "editor", None, email=address)
        set_settings({"comments.min_submit_seconds": "0",
                      "comments.flood_seconds": "0",
                      "comments.hold_first": "true"})  # fmt: skip
        public_id = make_article(title="基准测试文章").public_id
    return app, app.test_client(), public_id


def relay_process(database: Path, mail_url: str) -> subprocess.Popen:
    """`flask cms deliver-mail` on that database, as `make run` starts it
    (at a lower CPU priority: web requests first)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "MAIL_URL": mail_url, "SECRET_KEY": "bench-relay",
           "SITE_URL": "http://cms.bench"}  # fmt: skip
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        ["nice", "-n", "10", str(flask), "--app", "wsgi:app", "cms", "deliver-mail"],
        cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def post_once(client, public_id: str, n: int) -> float:
    page = client.get(f"/{public_id}.html").get_data(as_text=True)
    form = page[page.index('id="comment-form"') :]
    data = dict(_INPUT.findall(form[: form.index("</form>")]))
    data.update(author=f"读者{n}", email=f"r{n}@example.cn", body=f"第 {n} 条评论。")
    started = time.perf_counter()
    response = client.post(
        f"/comments/{public_id}", data=data,
        headers={"Origin": "http://cms.bench"},
        environ_base={"REMOTE_ADDR": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"},
    )  # fmt: skip
    took = time.perf_counter() - started
    if response.status_code != 303:
        raise SystemExit(f"POST answered {response.status_code}")
    return took


def settle(app, seconds: float = 15.0) -> None:
    """Wait until the app's sender has delivered everything it was given."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = outbox_states(app)
        if not states.get("pending") and not states.get("sending"):
            return
        time.sleep(0.1)


def outbox_states(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage.status)).all()
    return {s.value: rows.count(s) for s in OutboxStatus if rows.count(s)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--posts", type=int, default=40, help="per variant and round")
    parser.add_argument(
        "--sender", choices=("process", "thread"), default="process",
        help="who delivers: `flask cms deliver-mail` (as make run) or a worker thread",
    )  # fmt: skip
    args = parser.parse_args()
    thread = args.sender == "thread"

    # The working mail server runs in a process of its own, as it would in
    # production (in this process it would compete with the app for the GIL).
    smtp_port = free_port()
    smtp = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
         "-c", "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    wait_for_port(smtp_port)
    silent, silent_port = silent_server()
    timings: dict[str, list[float]] = {"no mail": [], "mail": [], "silent": []}
    with tempfile.TemporaryDirectory() as folder:
        mail_urls = {
            "mail": f"smtp://127.0.0.1:{smtp_port}",
            "silent": f"smtp://127.0.0.1:{silent_port}?timeout=10",
        }
        apps = {"no mail": build(Path(folder), "none", None)} | {
            name: build(Path(folder), name, url, thread)
            for name, url in mail_urls.items()
        }
        relays = [] if thread else [
            relay_process(Path(folder) / f"{name}.sqlite", url)
            for name, url in mail_urls.items()
        ]  # fmt: skip
        n = 0
        for _ in range(2):  # warm-up: templates, caches, first connections
            for _name, (_app, client, public_id) in apps.items():
                n += 1
                post_once(client, public_id, n)
        for round_no in range(1, args.rounds + 1):
            took: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(args.posts):  # the variants take turns, POST by POST
                for name, (_app, client, public_id) in apps.items():
                    n += 1
                    took[name].append(post_once(client, public_id, n))
            for name, values in took.items():
                timings[name].extend(values)
            settle(apps["mail"][0])  # the round's mail delivered before the next
            line = [
                f"{name} {statistics.median(v) * 1000:.1f} ms"
                for name, v in took.items()
            ]
            print(f"round {round_no}: " + ", ".join(line))
        time.sleep(1.0)  # let the working server's sender finish
        states = {name: outbox_states(app) for name, (app, _c, _p) in apps.items()}
        for app, _client, _public_id in apps.values():
            sender = app.extensions.get("cms_outbox_sender")
            if sender is not None:
                sender.stop(timeout=0.1)
        for process in relays:
            process.terminate()
            process.wait()
    smtp.terminate()
    smtp.wait()
    silent.close()

    medians = {name: statistics.median(t) * 1000 for name, t in timings.items()}
    for name, value in medians.items():
        print(f"{name:8} median {value:.1f} ms over {len(timings[name])} POSTs; "
              f"outbox {states[name]}")  # fmt: skip
    for name in ("mail", "silent"):
        ratio = medians[name] / medians["no mail"]
        verdict = "MET" if ratio <= GOAL else "NOT MET"
        print(f"ratio {name}/no mail {ratio:.2f} (goal ≤ {GOAL}) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
