"""An article with code, footnotes, a task list and a table of contents in a
real browser, on a phone and a desktop, light and dark: the highlight colours
pass 4.5:1 on the code background, every in-page link resolves, the copy
button copies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import DESKTOP, PHONE, contrast, own_site, require_browser

require_browser()
pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
BODY = """开头一段话，说明这篇文章讲什么[^why]。

## 安装

先准备环境：

- [x] 安装 Python
- [ ] 配置数据库

```python
import os

def 读取(path: str) -> str:
    # 读取文件
    with open(path, encoding="utf-8") as f:
        return f.read() + str(42)
```

## 配置

```bash
export NAME="资源分享网"  # 站点名
echo $NAME
```

### 细节

更多说明见脚注[^2]。

```html
<a href="/x" class="y">链接</a>
```

[^why]: 因为很多人问过。
[^2]: 第二条脚注。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, str]]:
    from tests.factories import make_article, make_user

    def seed():
        owner = make_user(username="writer", password=None)
        return make_article(title="代码、脚注与目录", body=BODY, owner=owner)

    database = tmp_path_factory.mktemp("reading") / "reading.sqlite"
    with own_site(database, seed) as (origin, _app, article):
        yield origin, f"/{article.public_id}.html"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_code_footnotes_tasks_and_toc_read_well(browser, site, viewport, scheme):
    origin, path = site
    context = browser.new_context(
        viewport=viewport, color_scheme=scheme, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(origin + path)

    # Highlighted on the server, the language shown, colours readable.
    langs = page.locator("figure.code-block .code-lang").all_inner_texts()
    assert langs == ["Python", "Bash", "HTML"]
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('.highlight span')]
              .filter(s => s.textContent.trim())
              .map(s => [s.className, getComputedStyle(s).color,
                         getComputedStyle(s.closest('pre')).backgroundColor])"""
    )
    assert len({cls for cls, _, _ in pairs}) >= 8
    colours = {colour for _, colour, _ in pairs}
    assert len(colours) >= 5  # actually highlighted
    for cls, colour, background in pairs:
        assert contrast(colour, background) >= 4.5, (cls, colour, background)
    lang_colour = page.evaluate(
        "getComputedStyle(document.querySelector('.code-lang')).color"
    )
    block_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.code-block')).backgroundColor"
    )
    assert contrast(lang_colour, block_bg) >= 4.5

    # Footnotes and task list rendered, no marker left as text.
    assert "[^" not in page.locator("article.post").inner_text()
    assert page.locator(".footnotes li").count() == 2
    boxes = page.locator(".contains-task-list input[type=checkbox]")
    assert (
        boxes.count() == 2 and boxes.nth(0).is_checked() and boxes.nth(0).is_disabled()
    )

    # Every in-page link of the article resolves, and following one scrolls.
    hrefs = page.evaluate(
        """() => [...document.querySelectorAll('article.post a[href^="#"]')]
              .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))"""
    )
    assert len(hrefs) >= 3 + 2 * 2
    missing = page.evaluate(
        "ids => ids.filter(id => !document.getElementById(id))", hrefs
    )
    assert missing == []
    page.locator("details.toc a", has_text="细节").click()
    assert page.evaluate("decodeURIComponent(location.hash)") == "#h-细节"
    top = page.evaluate("document.getElementById('h-细节').getBoundingClientRect().top")
    assert 0 <= top < viewport["height"] / 2
    page.locator("sup.footnote-ref a").first.click()
    assert page.evaluate("document.querySelector('.footnotes li:target') !== null")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("figure.code-block").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"code-{viewport['width']}-{scheme}.png"))
    context.close()


def test_copy_button_copies_the_code(browser, site):
    origin, path = site
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    page.goto(origin + path)

    button = page.locator("figure.code-block").nth(1).locator("button.code-copy")
    assert button.inner_text() == "复制"
    button.click()

    page.wait_for_function(
        "document.querySelectorAll('button.code-copy')[1].textContent === '已复制'"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == 'export NAME="资源分享网"  # 站点名\necho $NAME\n'
    context.close()


def test_without_javascript_no_button_and_still_highlighted(browser, site):
    origin, path = site
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(origin + path)

    assert page.locator("button.code-copy").count() == 0
    assert page.locator(".highlight span.k").count() >= 2
    context.close()
