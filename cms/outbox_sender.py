"""Delivering the outbox after commit, so no request waits on the mail server.

Two ways, one of them per deployment:

- `relay()`, a process of its own (`flask cms deliver-mail`): looks every
  two seconds; web workers then only write the rows (`OUTBOX_THREAD` off).
  `make run` starts it.
- `Sender`, one thread per worker process (`OUTBOX_THREAD` on, the default
  when only gunicorn runs). It starts when the first message is queued in
  the process (after a gunicorn fork, never before), wakes at once when a
  unit of work queues mail (MailQueued), also wakes when a retry falls due,
  and ends after IDLE seconds with nothing to do (the next message starts
  it again).

Either way `flask cms tick` delivers whatever was left behind (a process
crashed, or was stopped).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta

from flask import Flask, current_app

from cms.events import MailQueued
from cms.extensions import db
from cms.models import utcnow
from cms.services.outbox import deliver_due, next_due_at

IDLE = 60.0  # seconds without work before the thread ends
# After a wake-up, wait this long before delivering, so that a burst of
# requests is delivered in one batch (two short write transactions and one
# SMTP connection) instead of competing with each request for the database.
GATHER = 1.0
log = logging.getLogger(__name__)


class Sender:
    """The sender of one app in one process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.stopping = False

    def poke(self) -> None:
        """Wake the thread (start it when it is not running in this process)."""
        with self.lock:  # the thread decides to end under this lock too
            self.wake.set()
            alive = self.thread is not None and self.thread.is_alive()
            if not alive or self.pid != os.getpid():
                self.pid = os.getpid()
                self.thread = threading.Thread(
                    target=self._run, name="cms-outbox", daemon=True
                )
                self.thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """End the thread after its current delivery (what is left waits for
        the next message or the tick job)."""
        with self.lock:
            self.stopping = True
            self.wake.set()
            thread = self.thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        wait = 0.0
        while True:
            woken = self.wake.wait(timeout=wait)
            if woken and not self.stopping:
                time.sleep(GATHER)
            self.wake.clear()
            if self.stopping:
                return
            with self.app.app_context():
                try:
                    deliver_due()
                    due = next_due_at()
                except Exception:
                    log.exception("outbox delivery failed")
                    due = utcnow() + timedelta(seconds=IDLE)
                finally:
                    db.session.remove()
            if due is None and not woken and wait >= IDLE:
                with self.lock:
                    if not self.wake.is_set():
                        self.thread = None
                        return
            seconds = (due - utcnow()).total_seconds() if due else IDLE
            wait = min(max(seconds, 0.5), IDLE)


def relay(app: Flask, poll: float = 2.0, once: bool = False) -> None:
    """Deliver the outbox from a process of its own (`flask cms deliver-mail`,
    started by `make run`), so that web workers never compose or send mail:
    what is due is delivered, then the next look is at most `poll` seconds
    away (sooner when a retry falls due). `once`: one delivery, then return.
    A failing delivery is logged and tried again at the next look."""
    while True:
        with app.app_context():
            try:
                deliver_due()
                due = next_due_at()
            except Exception:
                log.exception("outbox delivery failed")
                due = None
            finally:
                db.session.remove()
        if once:
            return
        seconds = (due - utcnow()).total_seconds() if due else poll
        time.sleep(min(max(seconds, 0.05), poll))


def wake_sender(_event: MailQueued) -> None:
    """After-commit handler of MailQueued: deliver now, in the background.
    Off (OUTBOX_THREAD false, as in most tests): the tick job delivers."""
    if not current_app.config.get("OUTBOX_THREAD", True):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender = app.extensions.get("cms_outbox_sender")
    if sender is None:
        sender = app.extensions.setdefault("cms_outbox_sender", Sender(app))
    sender.poke()
