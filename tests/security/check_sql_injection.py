"""SQL injection (ASVS 5.3.4/5.3.5): Debian's sqlmap against a real HTTP
server of the site (its app in a thread, 127.0.0.1, a free port): the search
(`q`), the list pagination (`page` of the home page and of a category), the
moderation queue's sort and filters (`order`, `status`, `author`, as an
editor), and the reader's comment form (`author`, `email`, `url`, `body`,
with a genuine signed token fetched from the page; the too-fast and flood
rules off and the search limit raised for the scan, or every payload would
meet a 429 instead of the query), on a site of its own made from the same
seeded start.

sqlmap's settings, each bounded: `--batch`; `--dbms SQLite` (the site under
test is an SQLite file: the other engines' payloads cannot work there);
`--level 2` (more boundaries and payloads than the default: ORDER BY and
parameter-replacing CASE forms among them; each parameter is named with
`-p`, so no cookie or header is scanned); `--risk 1` (no OR-based or heavy
payloads: the comment form writes a row per accepted request);
`--technique BU` (boolean-blind and UNION: at this level and risk sqlmap has
no SQLite payload for the others, whose time-based and stacked forms are
heavy queries from level 3 and risk 2, and error-based none at all;
measured, level 3 with risk 2 takes over two minutes here); `--time-sec 1`;
one run per target, each capped at RUN_SECONDS, with its output folder in a
temporary directory.
FOUND: parameters sqlmap reports injectable. TRIED: requests sqlmap made
(counted by the server). In the quick mode (planted faults), only `q`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.security.commenting import form_fields, quiet_timing
from tests.security.harness import Site, Tally, check, planted

SQLMAP = shutil.which("sqlmap") or "/usr/bin/sqlmap"
RUN_SECONDS = 45  # the cap of one sqlmap run (the comment form takes ~20 s)
OPTIONS = [
    "--batch",
    "--dbms=SQLite",
    "--technique=BU",
    "--level=2",
    "--risk=1",
    "--time-sec=1",
    "--timeout=10",
    "--retries=0",
    "--disable-coloring",
    "--answers=follow=N",
    "-v",
    "1",
]


@dataclass(frozen=True)
class Target:
    """One sqlmap run: a path, the parameters to scan, and how it is sent."""

    path: str
    params: tuple[str, ...]
    data: dict[str, str] | None = None  # a POST form, else GET with `query`
    query: dict[str, str] | None = None
    as_editor: bool = False


def targets(site: Site, comment_fields: dict[str, str]) -> list[Target]:
    search = Target("/search", ("q",), query={"q": "催收"})
    if site.quick:
        return [search]
    return [
        search,
        Target("/", ("page",), query={"page": "2"}),
        Target("/category/cui-shou-yu-yu-qi/", ("page",), query={"page": "1"}),
        Target(
            "/moderation/comments",
            ("order", "status", "author"),
            query={"status": "pending", "order": "oldest", "author": "读者"},
            as_editor=True,
        ),
        Target(
            f"/comments/{site.reference}",
            ("author", "email", "url", "body"),
            data=comment_fields,
        ),
    ]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # sqlmap's hundreds of lines
        pass


@contextmanager
def serve(site: Site) -> Iterator[tuple[str, list[int]]]:
    """The site's app on 127.0.0.1 (a free port) in a thread: its base URL
    and a one-item list counting the requests it answered."""
    counted = [0]

    def app(environ, start_response):
        counted[0] += 1
        return site.app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", counted
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def scan(base: str, target: Target, cookie: str, folder: Path) -> tuple[set[str], bool]:
    """Run sqlmap on one target: the parameters it reports injectable, and
    whether it finished within RUN_SECONDS."""
    url = base + target.path
    if target.query:
        url += "?" + urlencode(target.query)
    command = [SQLMAP, "-u", url, "-p", ",".join(target.params), *OPTIONS]
    command += [f"--output-dir={folder}"]
    if target.data is not None:
        command += [f"--data={urlencode(target.data)}"]
    if target.as_editor:
        command += [f"--cookie={cookie}"]
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603  # Debian's sqlmap, our arguments
            command, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
        )
        output, finished = done.stdout, True
    except subprocess.TimeoutExpired as stopped:
        output, finished = _text(stopped.stdout), False
    found = {
        param
        for param in target.params
        if f"Parameter: {param} (" in output
        or f"parameter '{param}' is vulnerable" in output
    }
    return found, finished


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def _editor_cookie(site: Site) -> str:
    client = site.client("editor")
    cookie = client.get_cookie("session")
    return f"session={cookie.value}" if cookie else ""


@check("sql-injection")
def run(site: Site) -> Tally:
    tally = Tally("sql-injection")
    if not Path(SQLMAP).exists():
        raise RuntimeError("sqlmap is not installed (Debian: apt-get install sqlmap)")
    # A site of its own (the same seeded start): the comments sqlmap's
    # requests store stay out of the site the other checks read.
    scanned = Site(SEARCH_LIMIT="100000 per minute")
    scanned.quick = site.quick
    folder = Path(tempfile.mkdtemp(prefix="cms-sqlmap-"))
    try:
        page = scanned.app.test_client().get(f"/{scanned.reference}.html")
        comment = form_fields(page.get_data(as_text=True))
        comment |= {
            "author": "扫描读者",
            "email": "scan@example.cn",
            "url": "",
            "body": "一条普通的评论内容",
        }
        cookie = _editor_cookie(scanned)
        with quiet_timing(scanned), serve(scanned) as (base, counted):
            for target in targets(scanned, comment):
                found, finished = scan(base, target, cookie, folder)
                tally.found += len(found)
                tally.examples += [f"{target.path}: {p}" for p in sorted(found)]
                if not finished:  # said, not counted: nothing got through
                    tally.examples.append(f"{target.path}: stopped at the cap")
            tally.tried = counted[0]
    finally:
        scanned.close()
        shutil.rmtree(folder, ignore_errors=True)
    return tally


@planted("sql-injection")
def _search_by_string(site: Site, monkeypatch) -> None:
    """The search page's query written into its SQL (an f-string in text())."""
    from sqlalchemy import text

    from cms.extensions import db
    from cms.models import Article
    from cms.services.search import Results, _hit

    def search(query: str, page: int = 1) -> Results:
        sql = (
            "SELECT id FROM articles WHERE status = 'published' "
            f"AND title LIKE '%{query}%' ORDER BY id LIMIT 10"
        )
        ids = list(db.session.execute(text(sql)).scalars())
        found = db.session.scalars(db.select(Article).where(Article.id.in_(ids)))
        hits = [_hit(article, [query]) for article in found]
        return Results(query, [query], hits, len(hits), page, 10)

    monkeypatch.setattr("cms.public.finding.search", search)
