"""Errors that services raise; one app-level handler (cms.errors) answers them.

The family and its answers, the same everywhere:

- NotFound: 404, the site's "page not found" page.
- NotAllowed: 403, the site's "no permission" page with the error's message.
  It always means "the acting user may not do this", whatever page asked.
- Conflict (EditConflict, Duplicate): 409 with the error's message.
- InvalidInput (FieldError, …): 400 with the message and each field's error.

One convention for the HTML forms of the moderation area: a POST there
refused with InvalidInput or Conflict flashes the message and answers 303
back to the page the form was on (the request's Referer, only when it is a
page of this site); without such a Referer it answers the 400/409 page.

Views do not catch these to answer them. A view catches one only to show
it inside its own page: a form re-rendered with the field errors beside
the fields, an edit conflict's comparison, the comment form's answers that
INTERFACE.md fixes (403/400/429/409), an e-mailed link's private page.
"""


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; `str()` is for people."""


class InvalidInput(ServiceError):
    """The input breaks a rule; nothing was changed."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or may not be seen)."""


class NotAllowed(ServiceError):
    """The acting user may not do this."""


class Conflict(ServiceError):
    """The action clashes with the current state (a duplicate, a stale
    version); nothing was changed."""


class EditConflict(Conflict):
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
