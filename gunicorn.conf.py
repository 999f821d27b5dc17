"""gunicorn's settings for this app (read by scripts/serve.sh, and by any
`gunicorn wsgi:app` started in the repository root, where gunicorn looks for
this file by default). Command-line options override what is set here.

worker_exit: a worker that stops (a graceful stop, --max-requests, a reload)
first writes the page views it buffered (cms/services/views.py), so a graceful
stop loses none.

post_worker_init: a worker that has loaded the app freezes what it made
(gc.freeze), so the garbage collector walks only what requests make.
"""

from __future__ import annotations

from typing import Any


def worker_exit(server: Any, worker: Any) -> None:
    """Flush the worker's buffered views before it exits."""
    try:
        from cms.services.views import flush_all
    except Exception:  # noqa: BLE001 (the app never loaded: nothing buffered)
        return
    flushed = flush_all()
    if flushed:
        server.log.info("worker %s wrote %d buffered view(s)", worker.pid, flushed)


# Access lines without the tokens some paths carry; JSON with LOG_FORMAT=json.
logger_class = "cms.access_log.AccessLogger"


def post_worker_init(worker: Any) -> None:
    """Move everything the app made at start-up out of the garbage
    collector's view (gc.freeze): a page allocates thousands of short-lived
    objects, and each full collection would otherwise walk the whole app."""
    import gc

    gc.collect()
    gc.freeze()
