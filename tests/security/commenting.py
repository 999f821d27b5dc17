"""Posting the reader's comment form of a Site as a browser would: the page
read for its signed token and every input, then the POST with the site's
Origin, from an address of our choosing (the flood rule counts per address).
`quiet_timing` switches the too-fast and flood rules off for a block."""

from __future__ import annotations

from contextlib import contextmanager

from bs4 import BeautifulSoup

from cms.services.settings import current_settings, set_setting
from tests.security.harness import Site

ORIGIN = "http://localhost"  # the test client's host
TIMING = ("comments.min_submit_seconds", "comments.flood_seconds")


def form_fields(page: str) -> dict[str, str]:
    """Every input of the page's form#comment-form (unchecked boxes left out)."""
    form = BeautifulSoup(page, "html.parser").select_one("form#comment-form")
    if form is None:
        raise RuntimeError("the page has no comment form")
    data = {}
    for field in form.select("input[name], textarea[name]"):
        if field.get("type") in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        data[str(field["name"])] = field.get("value", "") or field.get_text()
    return data


def post_comment(site: Site, fields: dict[str, str], ip: str = "192.0.2.1"):
    """Read the reference article's form anonymously and post it with
    `fields` over what the page filled in."""
    client = site.app.test_client()
    page = client.get(f"/{site.reference}.html").get_data(as_text=True)
    return client.post(
        f"/comments/{site.reference}",
        data=form_fields(page) | fields,
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": ip},
    )


@contextmanager
def quiet_timing(site: Site):
    """The too-fast and flood rules off inside the block, as they were after."""
    with site.context():
        kept = {key: current_settings()[key] for key in TIMING}
        for key in TIMING:
            set_setting(key, "0")
    try:
        yield
    finally:
        with site.context():
            for key, value in kept.items():
                set_setting(key, str(value))
