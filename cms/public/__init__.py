"""What readers see: lists, articles, pages, feeds, uploaded media."""

from cms.public import feeds, finding, media, pages  # noqa: F401  (add routes to bp)
from cms.public.views import bp

__all__ = ["bp"]
