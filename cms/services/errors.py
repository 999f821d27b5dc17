"""Errors that services raise and views translate into answers."""


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; `str()` is for people."""


class InvalidInput(ServiceError):
    """The input breaks a rule; nothing was changed."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or may not be seen)."""


class NotAllowed(ServiceError):
    """The acting user may not do this."""


class EditConflict(ServiceError):
    """Someone else saved the document after the editor opened it: the save
    named an older version. Nothing was stored; `current` is the saved state
    (a cms.services.revisions.Snapshot) and `version` its version number, so
    the editor can compare and decide."""

    def __init__(self, current, version: int, message: str = "") -> None:
        super().__init__(message or "这篇内容已被他人修改，请对比后再保存")
        self.current = current
        self.version = version


class FieldError(InvalidInput):
    """InvalidInput about named fields of a form, so a page can show each
    message beside its field: `errors` maps every field at fault to its
    message, `field` is the first of them. Nothing was changed.

    FieldError("slug", "已被使用") for one field, FieldError({...}) for several."""

    def __init__(self, field_or_errors: str | dict[str, str], message: str = ""):
        if isinstance(field_or_errors, dict):
            errors = dict(field_or_errors)
        else:
            errors = {field_or_errors: message}
        self.errors = errors
        self.field = next(iter(errors), "")
        super().__init__("；".join(errors.values()))
