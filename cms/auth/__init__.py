"""Logging in and out."""

# The login steps after the password add their routes to the blueprint.
from cms.auth import two_factor  # noqa: F401
from cms.auth.views import bp

__all__ = ["bp"]
