"""What the browser checks share: the Site's app served on 127.0.0.1 and one
Debian Chromium (tests/e2e/support), payloads that tell on themselves when
they run, and a `Watch` that records everything that ran in a browser context.

A marked payload calls alert/prompt/confirm with its own number first and
loads its scripts from `i<number>.xss.test`; the Watch hears:

- calls of alert, prompt, confirm and print, and console calls naming a
  marker number (replaced by an init script in every frame, before any
  script of the page), and dialogs (frames the init script missed);
- requests that leave the site for anything but an image or a video (a
  script, a style sheet, a frame, a navigation, a beacon), and every
  request to a marker host; they are answered with a network error, so
  nothing leaves the machine;
- after each load, what would run on a click or a hover, as the browser
  parsed it: event-handler attributes, `srcdoc`, and script URLs
  (javascript:, vbscript:, data:) read by the browser's own URL parser.

Contexts ignore the pages' Content-Security-Policy: the policy is the second
defence (the `headers` check); what it would block is still a hole in the
first (escaping, the sanitizer), and that is what these checks judge."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.support import DESKTOP, chromium, serve, shots_dir
from tests.security.harness import PASSWORD, Site

MARKER_HOST = "xss.test"
FIRST_MARK = 900_000  # marks are six digits from here: no payload writes one
_MARK = re.compile(r"(?<!\d)9\d{5}(?!\d)")
_CALL = re.compile(r"\b(alert|prompt|confirm)\(")
# The hosts the payload list loads its scripts and styles from.
_HOSTS = re.compile(r"ha\.ckers\.org|brutelogic\.com\.br|HOST:PORT")
_INERT_TYPES = {"image", "media"}  # what any page may load from anywhere

HOOKS = """(() => {
  const tell = (kind, args) => {
    try { window.__xssMark(kind, args.length ? String(args[0]) : ""); } catch (e) {}
  };
  for (const name of ["alert", "prompt", "confirm", "print"]) {
    try {
      Object.defineProperty(window, name, {
        value: function (...args) { tell(name, args); return null; },
        writable: false, configurable: false,
      });
    } catch (e) {}
  }
  for (const name of ["log", "info", "warn", "error", "debug"]) {
    const original = console[name];
    console[name] = function (...args) {
      if (/(^|[^0-9])9[0-9]{5}([^0-9]|$)/.test(String(args[0]))) {
        tell("console." + name, args);
      }
      return original.apply(console, args);
    };
  }
})();"""
SCAN = """() => {
  const URLS = ["href", "src", "action", "formaction", "xlink:href", "data",
                "background", "poster", "codebase", "lowsrc", "dynsrc", "to",
                "from", "values"];
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      for (const attribute of Array.from(el.attributes)) {
        const name = attribute.name.toLowerCase();
        const value = attribute.value;
        if (name.startsWith("on") || name === "srcdoc") {
          found.push([tag + " " + name, value]);
        } else if (URLS.includes(name)) {
          let protocol = "";
          try { protocol = new URL(value, document.baseURI).protocol; }
          catch (e) { continue; }
          if (["javascript:", "vbscript:"].includes(protocol)
              || (protocol === "data:" && tag !== "img")) {
            found.push([tag + " " + name + "=" + protocol, value]);
          }
        }
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}"""


def mark(ident: int) -> int:
    """The marker number of the `ident`-th marked thing (0 ≤ ident < 100,000)."""
    return FIRST_MARK + ident


def marked(payload: str, number: int) -> str:
    """`payload` telling on itself: its alert/prompt/confirm calls get
    `number` as their first argument, its script hosts become
    i<number>.xss.test (what is not rewritten is still heard, unnamed)."""
    payload = _CALL.sub(lambda m: f"{m.group(1)}({number},", payload)
    return _HOSTS.sub(f"i{number}.{MARKER_HOST}", payload)


@dataclass
class Hit:
    """One thing that ran, loaded or waits for a click: its kind, where, the
    marker number it carried (None when it named none), and what it was."""

    kind: str
    where: str
    number: int | None
    what: str


def _number(*texts: str) -> int | None:
    for text in texts:
        if found := _MARK.search(text or ""):
            return int(found.group(0))
    return None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Watch:
    """Everything that ran in one browser context (see the module docstring);
    `where` names the page being looked at (hits are filed under it)."""

    context: Any
    origin: str
    hits: list[Hit] = field(default_factory=list)
    where: str = ""
    pages: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.context.set_default_timeout(20_000)
        self.context.expose_binding("__xssMark", self._told)
        self.context.add_init_script(HOOKS)
        self.context.route("**/*", self._request)
        self.context.on("page", self._page)

    def _page(self, page) -> None:
        page.on("dialog", self._dialog)

    def _told(self, source: dict, kind: str, argument: str) -> None:
        frame = source.get("frame")
        url = frame.url if frame is not None else ""
        self.hits.append(Hit(kind, self.where, _number(argument), f"{url} {argument}"))

    def _dialog(self, dialog) -> None:
        if dialog.type == "beforeunload":  # our editors' "leave unsaved?"
            dialog.accept()
            return
        self.hits.append(
            Hit("dialog", self.where, _number(dialog.message), dialog.message)
        )
        dialog.dismiss()

    def _request(self, route) -> None:
        request = route.request
        url = request.url
        if url.startswith(self.origin + "/"):
            if (body := self.pages.get(_path(url))) is not None:
                route.fulfill(status=200, content_type="text/html", body=body)
            else:
                route.continue_()
            return
        host = urlsplit(url).hostname or ""
        if host.endswith(MARKER_HOST) or request.resource_type not in _INERT_TYPES:
            what = f"{request.resource_type} {url[:120]}"
            self.hits.append(Hit("request", self.where, _number(host, url), what))
        route.abort("blockedbyclient")

    def new_page(self):
        page = self.context.new_page()
        page.set_viewport_size(DESKTOP)
        return page

    def load(self, page, path: str, where: str) -> str:
        """Open `path` (filed under `where`), let what would run run, record
        what waits for a click; the page's HTML as the browser has it."""
        self.where = where
        answer = page.goto(self.origin + path, wait_until="load")
        if answer is not None and answer.status >= 400:
            raise RuntimeError(f"{path} answered {answer.status}")
        page.wait_for_timeout(150)
        for attribute, value in page.evaluate(SCAN):
            self.hits.append(Hit("dormant", where, _number(value), f"{attribute}"))
        return page.content()

    def prove(self, page) -> None:
        """Make sure this Watch hears: a page of our own whose script runs,
        whose handler fires, whose link waits, whose script is fetched from
        a marker host and which logs a number must be heard, each (then
        forgotten); otherwise
        RuntimeError, and the check counts nothing it could not hear."""
        numbers = [mark(99_990 + n) for n in range(5)]
        self.show(
            "/__watch-proof.html",
            f"<!doctype html><script>alert({numbers[0]})</script>"
            f"<img src=/__none onerror=confirm({numbers[1]})>"
            f"<a href='javascript:prompt({numbers[2]})'>a</a>"
            f"<script src=//i{numbers[3]}.{MARKER_HOST}/x.js></script>"
            f"<script>console.log({numbers[4]})</script>",
        )
        before = len(self.hits)
        self.load(page, "/__watch-proof.html", "proof")
        heard = {hit.number for hit in self.hits[before:]}
        del self.hits[before:]
        if not set(numbers) <= heard:
            raise RuntimeError(f"the browser watch did not hear {numbers}: {heard}")

    def show(self, path: str, html: str) -> None:
        """Serve `html` at `path` of the site's origin (text the site hands to
        other programs, such as a feed's entries, opened as a page)."""
        self.pages[path] = html

    def log_in(self, page, username: str) -> None:
        """Log in through the login form in this context."""
        page.goto(self.origin + "/auth/login?next=/moderation/")
        page.fill("[name=username]", username)
        page.fill("[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form[method=post] button[type=submit]")
        if not page.url.startswith(self.origin + "/moderation/"):
            raise RuntimeError(f"log-in as {username} failed: {page.url}")

    def screenshot(self, page, name: str) -> None:
        """Keep what `page` shows when CMS_E2E_SHOTS names a folder."""
        if (folder := shots_dir()) is not None:
            page.screenshot(path=str(folder / f"{name}.png"))


@contextmanager
def browsing(site: Site) -> Iterator[tuple[str, Any]]:
    """The Site's app served on a free port of 127.0.0.1 and one Chromium;
    yields (origin, browser); both stopped on the way out."""
    with serve(lambda _origin: site.app) as (origin, _app), chromium() as browser:
        yield origin, browser


def watch(browser, origin: str) -> Watch:
    """A fresh context (its own cookies) with a Watch on it; Chinese locale,
    the pages' Content-Security-Policy ignored (see the module docstring)."""
    context = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", bypass_csp=True, java_script_enabled=True
    )
    return Watch(context, origin)


def tally_hits(tally, hits: list[Hit], places: dict[str, list[int]]) -> None:
    """Count on `tally` one attempt per (page, marker number) of `places`
    (page -> the numbers it holds): failed when a hit on that page carried
    the number. Every other hit counts as found too, one each (capped at
    what was tried): it ran, but its payload did not name itself."""
    expected = {(where, n) for where, numbers in places.items() for n in numbers}
    for where, number in sorted(expected):
        got = [h for h in hits if (h.where, h.number) == (where, number)]
        tally.attempt(
            bool(got), f"{where}: {got[0].kind} {got[0].what[:100]}" if got else ""
        )
    unnamed = [h for h in hits if (h.where, h.number) not in expected]
    for hit in unnamed[: max(0, tally.tried - tally.found)]:
        tally.found += 1
        if len(tally.examples) < 8:
            tally.examples.append(f"{hit.where}: {hit.kind} {hit.what[:100]}")
