"""Moderating a comment from a link in an e-mail."""

from cms.email_actions.views import bp

__all__ = ["bp"]
