"""nginx for the benchmarks and the tests: the repository's example
config (deploy/nginx/cms.conf) with local ports and folders, run in the
foreground as an unprivileged-enough process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

try:  # run as bench/x.py (bench/ on the path) or imported by the tests
    from _common import wait_for_port
except ImportError:
    from bench._common import wait_for_port

NGINX = Path("/usr/sbin/nginx")
ROOT = Path(__file__).resolve().parent.parent


def nginx_config(tmp: Path, port: int, app_port: int, store: Path, media: Path) -> Path:
    """The repository's example, with this test's ports and folders."""
    site = (ROOT / "deploy/nginx/cms.conf").read_text()
    for old, new in [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("/srv/cms/page-store", str(store)),
        ("/srv/cms/app/static/", f"{ROOT}/static/"),
        ("/srv/cms/media/", f"{media}/"),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    (tmp / "cms.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/cms.conf;
}}
"""
    (tmp / "nginx.conf").write_text(main)
    return tmp / "nginx.conf"


class Nginx:
    """`nginx -c CONFIG` in its own process group; a context manager that
    waits for its port and always stops it on the way out."""

    def __init__(self, config: Path, port: int) -> None:
        self.config, self.port = config, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        tmp = self.config.parent
        command = [str(NGINX), "-p", str(tmp), "-e", str(tmp / "error.log"),
                   "-c", str(self.config)]  # fmt: skip
        with open(tmp / "nginx.out", "wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for_port(self.port, "nginx")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
