"""`wsgi:app` with one fault planted, for the planted-fault runs of checks
that start servers (tests/security/serving.py): SECURITY_FAULT names a
function ("module:function") that switches a defence off in this process;
it is called before the app is loaded. Never used outside those runs."""

import importlib
import os

_module, _, _function = os.environ["SECURITY_FAULT"].partition(":")
getattr(importlib.import_module(_module), _function)()

from wsgi import app  # noqa: E402  (after the fault is planted)

__all__ = ["app"]
