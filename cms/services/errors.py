"""Errors that services raise and views translate into answers."""


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; `str()` is for people."""


class InvalidInput(ServiceError):
    """The input breaks a rule; nothing was changed."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or may not be seen)."""


class NotAllowed(ServiceError):
    """The acting user may not do this."""
