"""ASVS 6.3.x / 7 (brute force): failed logins are limited per address
(LOGIN_FAILURE_LIMIT, here 5 a minute) and per account (5 free failures,
then a wait), and 4 gunicorn workers on one SQLite file together let no
more guesses through than one process would, even when the guesses come
all at once; another address is not affected. Then the same against a
server with a Redis of the check's own, which is stopped mid-run: the
limits go on from the database, and nothing answers 5xx.

Failed logins are counted in the database whether or not Redis is set
(cms.services.address_limits), so an address that was guessing when Redis
went down, a new address and every account all get exactly the usual bound.

FOUND: each guess let through beyond what one process allows, each answer
of 500 or more, a refusal of the other address."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bs4 import BeautifulSoup

from cms import create_app
from cms.extensions import db
from cms.models import Role
from cms.services.login_limits import FREE_FAILURES
from cms.services.users import create_user
from tests.ratelimits.support import REDIS_SERVER, Browser, Gunicorn, RedisServer
from tests.security.harness import PASSWORD, Site, Tally, check, planted

PER_ADDRESS = 5
WRONG = "wrong password 123"
SECRET = "brute-force-check-secret-0123456789abcdef"
# Extra environment of the servers (a planted fault adds to it).
SERVER_ENV: dict[str, str] = {}
ACCOUNTS = ("bf-victim", "bf-owner", "bf-redis-victim", "bf-redis-owner")


def _database(site: Site, folder: Path) -> str:
    """A copy of the site's database (WAL included) with this check's
    accounts; its URL."""
    path = folder / "brute.sqlite"
    source = sqlite3.connect(site.folder / "site.sqlite")
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        for name in ACCOUNTS:
            create_user(name, Role.EDITOR, PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return url


def _environment(url: str, folder: Path, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS"))}
    env |= {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "CMS_CONFIG": "production",
        "TRUSTED_PROXIES": "1",  # X-Forwarded-For names each client
        "MEDIA_URL": f"file://{folder / 'media'}",
        "PAGE_CACHE": "0",
        "LOG_LEVEL": "ERROR",
        "FLASK_LOGIN_FAILURE_LIMIT": f"{PER_ADDRESS} per minute",
        # A wait no loaded machine outlasts between two guesses.
        "FLASK_LOGIN_ACCOUNT_FIRST_DELAY": "60",
        "FLASK_PASSWORD_HASH_CHEAP": "true",  # the limits are tested, not argon2
        "FLASK_OUTBOX_THREAD": "false",
        "FLASK_VIEW_FLUSH_THREAD": "false",
        "RELATED_MODE": "tick",
    }
    if redis_url:
        env |= {"REDIS_URL": redis_url, "FLASK_RATELIMIT_REDIS_RETRY_SECONDS": "60"}
    return env | SERVER_ENV


def _ready(server: Gunicorn, address: str) -> tuple[Browser, str]:
    """A browser at `address`, and the token of the login form it was given."""
    browser = Browser(server.port, forwarded_for=address)
    _, _, html = browser.request("GET", "/auth/login")
    field = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    return browser, str(field["value"]) if field else ""


def _guesses(server: Gunicorn, tries: list[tuple[str, str, str]]) -> list[int]:
    """Each (address, username, password) as a login, all POSTs at once."""
    browsers = [_ready(server, address) for address, _, _ in tries]
    start = threading.Barrier(len(tries))

    def post(n: int) -> int:
        (browser, token), (_, username, password) = browsers[n], tries[n]
        form = {"username": username, "password": password, "csrf_token": token}
        start.wait()
        try:
            return browser.request("POST", "/auth/login", form)[0]
        except OSError:
            return 599  # no answer at all counts as a server error

    with ThreadPoolExecutor(len(tries)) as pool:
        return list(pool.map(post, range(len(tries))))


def _count(tally: Tally, what: str, answers: list[int], bound: int) -> None:
    let_through = answers.count(401)
    for n in range(len(answers)):
        tally.attempt(
            bound <= n < let_through,
            f"{what}: {let_through} of {len(answers)} through (one process: {bound})",
        )
    for status in answers:
        if status >= 500:
            tally.attempt(True, f"{what}: answered {status}")


def _one_login(tally: Tally, server: Gunicorn, address: str, username: str) -> None:
    """Another address logs in with the right password: not refused."""
    [status] = _guesses(server, [(address, username, PASSWORD)])
    tally.attempt(status != 303, f"{username} from {address}: {status}")


def _workers(tally: Tally, server: Gunicorn, quick: bool) -> None:
    nobody = [("203.0.113.10", f"bf-nobody-{n}", WRONG) for n in range(12)]
    _count(tally, "one address, 12 at once", _guesses(server, nobody), PER_ADDRESS)
    _one_login(tally, server, "203.0.113.11", "bf-owner")
    if quick:
        return
    victim = [(f"198.51.100.{n}", "bf-victim", WRONG) for n in range(1, 11)]
    answers = _guesses(server, victim)
    _count(tally, "one account, 10 addresses at once", answers, FREE_FAILURES)


def _redis_stopped(tally: Tally, server: Gunicorn, redis: RedisServer) -> None:
    before = [("203.0.113.20", f"bf-nobody-r{n}", WRONG) for n in range(3)]
    account = [(f"198.51.100.{30 + n}", "bf-redis-victim", WRONG) for n in range(3)]
    _count(tally, "Redis up, one address", _guesses(server, before), PER_ADDRESS)
    _count(tally, "Redis up, one account", _guesses(server, account), FREE_FAILURES)
    redis.stop()
    same = [("203.0.113.20", f"bf-nobody-s{n}", WRONG) for n in range(8)]
    fresh = [("203.0.113.21", f"bf-nobody-f{n}", WRONG) for n in range(8)]
    more = [(f"198.51.100.{40 + n}", "bf-redis-victim", WRONG) for n in range(5)]
    answers = _guesses(server, same)  # its first 3 guesses count here too
    _count(tally, "Redis stopped, the same address", answers, PER_ADDRESS - 3)
    _count(tally, "Redis stopped, a new address", _guesses(server, fresh), PER_ADDRESS)
    answers = _guesses(server, more)
    _count(tally, "Redis stopped, the same account", answers, FREE_FAILURES - 3)
    _one_login(tally, server, "203.0.113.22", "bf-redis-owner")


def _serve(
    folder: Path, env: dict[str, str], name: str, use: Callable[[Gunicorn], None]
) -> None:
    # Preloaded: the four workers are forked from a process that has the app,
    # so all of them accept once the first answers (each importing the app
    # itself, a busy machine could leave one worker to take every guess, and
    # the planted per-worker counters went unseen once in a run of pass 1).
    server = Gunicorn(4, env, folder / f"{name}.log", max_requests=None, preload=True)
    try:
        use(server.start())
    finally:
        server.stop()


@check("brute-force")
def run(site: Site) -> Tally:
    tally = Tally("brute-force")
    folder = Path(tempfile.mkdtemp(prefix="cms-brute-"))
    try:
        url = _database(site, folder)
        env = _environment(url, folder, None)
        _serve(folder, env, "plain", lambda s: _workers(tally, s, site.quick))
        if site.quick or REDIS_SERVER is None:
            return tally
        redis = RedisServer().start()
        try:
            env = _environment(url, folder, redis.url)
            _serve(folder, env, "redis", lambda s: _redis_stopped(tally, s, redis))
        finally:
            redis.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return tally


# Loaded by each server's Python at start (sitecustomize): the address
# counters moved into the process's memory, which each worker forks apart.
_IN_MEMORY = """
import sys
sys.path.insert(0, {root!r})
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
import cms.services.address_limits as limits
limits._STORAGE = MemoryStorage()
limits._STRATEGY = FixedWindowRateLimiter(limits._STORAGE)
"""


@planted("brute-force")
def _per_process(site: Site, monkeypatch) -> None:
    """The address counters kept in each worker's memory."""
    folder = site.folder / "planted-brute-force"
    folder.mkdir(exist_ok=True)
    root = str(Path(__file__).resolve().parents[2])
    (folder / "sitecustomize.py").write_text(_IN_MEMORY.format(root=root))
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    monkeypatch.setitem(SERVER_ENV, "PYTHONPATH", path)
