"""The signing key when SECRET_KEY is not set: a random one, made on first
start and kept in the instance folder (instance/secret_key, mode 0600)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)
KEY_FILE = "secret_key"
# How long a worker waits for another one that is writing the key right now.
_WAIT_SECONDS = 5.0


def instance_secret_key(instance: Path) -> str:
    """The key stored in `instance`/secret_key, created on first use.

    Guarantees: every app (and every worker process) started on the same
    instance folder gets the same key; the file is created exclusively
    (O_CREAT | O_EXCL) with mode 0600, so of several workers starting at once
    exactly one writes it and the others read what it wrote.
    """
    path = instance / KEY_FILE
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), 0o600)  # whatever the umask says
        file.write(key + "\n")
    log.info("created a random SECRET_KEY in %s", path)
    return key


def _read(path: Path) -> str:
    """The key in `path`, waiting briefly while another worker writes it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o): chmod 600 it", path, mode)
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        key = path.read_text().strip()
        if key:
            return key
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} is empty: delete it to make a new key")
        time.sleep(0.02)
