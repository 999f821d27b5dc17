"""The logged-in area where editors run the site."""

from cms.moderation.views import bp

__all__ = ["bp"]
