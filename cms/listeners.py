"""Who listens to the domain events (cms.events): the one place that wires
handlers to events, called by create_app. Services announce; they never
import what reacts."""

from __future__ import annotations

from flask import Flask

from cms.events import (
    AFTER_COMMIT,
    IN_TRANSACTION,
    CommentsChanged,
    MailQueued,
    MenuChanged,
    PageChanged,
    TaxonomyChanged,
    subscribe,
)
from cms.outbox_sender import wake_sender
from cms.services import notify, outbox, password_reset, reply_notices, webhooks
from cms.services.menus import forget_menu_cache
from cms.services.tallies import follow_comment_moves


def register_listeners(app: Flask) -> None:
    """Subscribe every handler of the app (idempotent)."""
    # In the transaction: derived rows that must commit with the change.
    subscribe(app, CommentsChanged, follow_comment_moves, IN_TRANSACTION)
    subscribe(app, CommentsChanged, notify.queue_held_notices, IN_TRANSACTION)
    subscribe(app, CommentsChanged, reply_notices.queue_reply_notices, IN_TRANSACTION)
    subscribe(app, CommentsChanged, reply_notices.queue_owner_notices, IN_TRANSACTION)
    # After commit: the process's caches and the mail sender.
    for event_type in (MenuChanged, PageChanged, TaxonomyChanged):
        subscribe(app, event_type, forget_menu_cache, AFTER_COMMIT)
    subscribe(app, MailQueued, wake_sender, AFTER_COMMIT)
    # What the outbox's rows become when they are sent.
    outbox.register_kind(password_reset.RESET_KIND, password_reset.compose_reset_mails)
    outbox.register_kind(
        notify.HELD_KIND, notify.compose_held_mail, on_sent=notify.mark_held_sent
    )
    outbox.register_kind(notify.DIGEST_KIND, notify.compose_digest_mail)
    outbox.register_kind(reply_notices.REPLY_KIND, reply_notices.compose_reply_mail)
    outbox.register_kind(
        reply_notices.OWNER_MAIL_KIND, reply_notices.compose_owner_mail
    )
    outbox.register_kind(
        reply_notices.WEBHOOK_KIND, reply_notices.compose_owner_hook,
        transport=webhooks.send_hooks,
    )  # fmt: skip
