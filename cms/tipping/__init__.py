"""QR images for the tip box, and the beacon that counts opened boxes."""

from cms.tipping.views import bp

__all__ = ["bp"]
