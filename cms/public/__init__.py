"""What readers see: lists, articles, feeds."""

from cms.public import feeds  # noqa: F401  (adds the feed routes to bp)
from cms.public.views import bp

__all__ = ["bp"]
