"""Who listens to the domain events (cms.events): the one place that wires
handlers to events, called by create_app. Services announce; they never
import what reacts."""

from __future__ import annotations

from flask import Flask

from cms.events import (
    AFTER_COMMIT,
    IN_TRANSACTION,
    ArticleChanged,
    CommentsChanged,
    ContentImported,
    MailQueued,
    MenuChanged,
    PageChanged,
    TaxonomyChanged,
    subscribe,
)
from cms.outbox_sender import wake_sender
from cms.pagecache.invalidation import HANDLERS as PAGE_CACHE_HANDLERS
from cms.services import (
    digests,
    notify,
    outbox,
    password_reset,
    reply_notices,
    search,
    spam_model,
    webhooks,
)
from cms.services.listing import bump_lists_version
from cms.services.media_library import follow_article_media, follow_imported_media
from cms.services.menus import forget_menu_cache
from cms.services.related import terms as related_terms
from cms.services.related import worker as related_worker
from cms.services.tallies import follow_comment_moves


def register_listeners(app: Flask) -> None:
    """Subscribe every handler of the app (idempotent)."""
    # In the transaction: derived rows that must commit with the change.
    subscribe(app, CommentsChanged, follow_comment_moves, IN_TRANSACTION)
    subscribe(app, CommentsChanged, notify.queue_held_notices, IN_TRANSACTION)
    subscribe(app, ArticleChanged, follow_article_media, IN_TRANSACTION)
    # Editors' approve / spam decisions teach the site's spam score.
    subscribe(app, CommentsChanged, spam_model.follow_decisions, IN_TRANSACTION)
    subscribe(app, ArticleChanged, bump_lists_version, IN_TRANSACTION)
    subscribe(app, TaxonomyChanged, bump_lists_version, IN_TRANSACTION)
    subscribe(app, CommentsChanged, reply_notices.queue_reply_notices, IN_TRANSACTION)
    subscribe(app, CommentsChanged, reply_notices.queue_owner_notices, IN_TRANSACTION)
    # After commit: the process's caches and the mail sender.
    for event_type in (MenuChanged, PageChanged, TaxonomyChanged, ContentImported):
        subscribe(app, event_type, forget_menu_cache, AFTER_COMMIT)
    subscribe(app, MailQueued, wake_sender, AFTER_COMMIT)
    for kind, handler in PAGE_CACHE_HANDLERS:  # no-ops when it is off
        subscribe(app, kind, handler, AFTER_COMMIT)
    # The sidebar's kept digests and the search index: written with the change.
    subscribe(app, ArticleChanged, digests.follow_articles, IN_TRANSACTION)
    subscribe(app, CommentsChanged, digests.follow_comments, IN_TRANSACTION)
    subscribe(app, TaxonomyChanged, digests.follow_taxonomy, IN_TRANSACTION)
    subscribe(app, ArticleChanged, search.index_in_transaction, IN_TRANSACTION)
    # An import batch: the same, for all of its articles at once.
    subscribe(app, ContentImported, search.index_imported, IN_TRANSACTION)
    subscribe(app, ContentImported, follow_imported_media, IN_TRANSACTION)
    subscribe(app, ContentImported, related_worker.queue_imported, IN_TRANSACTION)
    subscribe(app, ContentImported, digests.follow_import, IN_TRANSACTION)
    # Related articles: queued with the change, computed after commit.
    subscribe(app, ArticleChanged, related_worker.queue_in_transaction, IN_TRANSACTION)
    subscribe(app, ArticleChanged, related_worker.work_after_commit, AFTER_COMMIT)
    subscribe(app, TaxonomyChanged, related_terms.learn_site_words, AFTER_COMMIT)
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
