"""Standalone pages: the service, the editor, the public page."""
