"""Every check of the suite: each `check_*` module of this package, imported
so that it registers itself (harness.check, harness.planted)."""

import importlib
import pkgutil

import tests.security

for _module in pkgutil.iter_modules(tests.security.__path__):
    if _module.name.startswith("check_"):
        importlib.import_module(f"tests.security.{_module.name}")
