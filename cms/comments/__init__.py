"""Readers posting comments."""

from cms.comments.views import bp

__all__ = ["bp"]
