"""The navigation menu and the friend links."""
