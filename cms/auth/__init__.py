"""Logging in and out."""

from cms.auth.views import bp

__all__ = ["bp"]
