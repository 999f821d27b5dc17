"""The logged-in area where editors run the site."""

# The area is one blueprint (one guard) whose routes live in feature modules;
# importing them here adds their routes to it.
from cms.moderation import (  # noqa: F401
    audit,
    autosave_views,
    categories,
    commenters,
    mail_queue,
    media,
    menus,
    pages,
    posts,
    profile,
    queue,
    rows,
    settings_page,
    tags,
    two_factor,
    users,
    wordrules,
)
from cms.moderation.views import bp

__all__ = ["bp"]
