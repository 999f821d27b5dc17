"""Writing every field of a form in the browser with marked probes: each
text field gets markup that names its own marker number when it runs; a
field the server refuses (its `aria-invalid` mark, or the whole form when
the answer is an error without one) gets the next probe of its kind, and
in the end its value as it was. File inputs get a PNG under a hostile name.
What was stored is what the form kept when the server accepted it."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from tests.security.browser import Watch, mark

FIELDS = """([form]) => Array.from(document.querySelector(form).elements)
  .filter(e => (e.tagName === "TEXTAREA" || (e.tagName === "INPUT" &&
                ["text", "url", "email", "search", "tel", ""].includes(
                  (e.getAttribute("type") || "").toLowerCase())))
               && e.name && e.name !== "csrf_token" && !e.readOnly && !e.disabled)
  .map(e => [e.name, e.type, e.defaultValue])"""
FILL = """([form, values, submit]) => {
  const element = document.querySelector(form);
  for (const [name, value] of Object.entries(values)) {
    const input = element.elements.namedItem(name);
    if (input) input.value = value;
  }
  element.requestSubmit(submit ? element.querySelector(submit) : undefined);
}"""
INVALID = """([form]) => {
  const element = document.querySelector(form);
  return element ? Array.from(element.querySelectorAll("[aria-invalid=true]"))
                     .map(e => e.name) : [];
}"""
FILES = """([form]) => Array.from(document.querySelectorAll(form + " input[type=file]"))
  .filter(e => /image\\/png/.test(e.accept || "") && !/qr|wechat|alipay/.test(e.name))
  .map(e => e.name)"""


def png() -> bytes:
    """A small, valid PNG."""
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


def html_in_png() -> bytes:
    """A PNG with a page after its end: a polyglot a browser might sniff."""
    return png() + b"<html><script>alert(1)</script></html>"


# Fields named like these hold a link: a script URL is tried first.
LINK_WORDS = ("url", "link", "website", "wechat", "alipay")


def probes(number: int, name: str, kind: str) -> list[str]:
    """What a field is tried with, most telling first."""
    markup = f"'\"></script></textarea><img src=x onerror=alert({number})>"
    url = f"https://example.cn/?'\"><svg/onload=alert({number})>"
    short = f"<svg onload=alert({number})>"
    if kind == "email" or "email" in name:
        return [f'"<svg/onload=alert({number})>"@example.cn', f"x{number}@example.cn"]
    last = name.rsplit(".", 1)[-1]  # settings are named "group.name"
    if kind == "url" or any(word in last for word in LINK_WORDS):
        return [f"javascript:alert({number})", url, markup, short]
    return [markup, url, short]


@dataclass
class Written:
    """What one form stored: field -> (marker number, value), and refusals."""

    where: str
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def hostile_png(number: int) -> list[dict]:
    """A PNG named like markup (and like an SVG)."""
    name = f"\"'><img src=x onerror=alert({number})>.svg"
    return [{"name": name, "mimeType": "image/png", "buffer": png()}]


def hostile_files(number: int) -> list[dict]:
    """The PNG above and a PNG with a page after it (refused, we expect)."""
    name = f"<svg onload=alert({number})>.html.png"
    polyglot = {"name": name, "mimeType": "image/png", "buffer": html_in_png()}
    return [*hostile_png(number), polyglot]


@dataclass
class Writer:
    """Fills forms in one logged-in browser page; marker numbers are taken
    from `next` on."""

    watch: Watch
    page: object
    next: int
    written: list[Written] = field(default_factory=list)

    def _number(self) -> int:
        self.next += 1
        return mark(self.next)

    def write(
        self,
        path: str,
        form: str,
        submit: str = "",
        preset: dict[str, str] | None = None,
        files: Callable[[int], list[dict]] | None = hostile_png,
    ) -> Written:
        """Fill every text field of `form` on `path` and submit it (with the
        button `submit`); try again with the next probes for what was
        refused. `preset` values are set as they are (a radio's choice)."""
        page = self.page
        self.watch.load(page, path, "writing")
        tries: dict[str, list[str]] = {}
        numbers: dict[str, int] = {}
        for name, kind, default in page.evaluate(FIELDS, [form]):
            if name not in (preset or {}):
                numbers[name] = self._number()
                tries[name] = [*probes(numbers[name], name, kind), default]
        step = dict.fromkeys(tries, 0)
        uploads: dict[str, tuple[int, str]] = {}
        status, refused = 0, []
        # Each refusal moves at least one field on: this many rounds at most.
        for _ in range(1 + sum(len(t) - 1 for t in tries.values())):
            uploads = self._attach(form, files)
            values = {n: tries[n][step[n]] for n in tries} | (preset or {})
            with page.expect_navigation() as navigation:
                page.evaluate(FILL, [form, values, submit])
            if navigation.value is None or navigation.value.status < 400:
                break
            status = navigation.value.status
            refused = [n for n in page.evaluate(INVALID, [form]) if n in tries]
            for name in refused or list(tries):
                step[name] = min(step[name] + 1, len(tries[name]) - 1)
        else:
            raise RuntimeError(f"{path}: never accepted ({status}, {refused})")
        result = Written(where=path, fields=uploads)
        for name in tries:
            if step[name] < len(tries[name]) - 1:
                result.fields[name] = (numbers[name], tries[name][step[name]])
            else:
                result.refused.append(name)
        self.written.append(result)
        return result

    def _attach(self, form: str, files) -> dict[str, tuple[int, str]]:
        attached = {}
        for name in self.page.evaluate(FILES, [form]) if files else ():
            number = self._number()
            payload = files(number)
            self.page.set_input_files(f"{form} input[name='{name}']", files=payload)
            attached[f"{name} (file)"] = (number, payload[0]["name"])
        return attached
