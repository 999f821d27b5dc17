"""The demo site's pages (关于我们, 联系我们, 隐私政策), header menu and friend
links; seed-demo calls seed_demo_pages()."""

from __future__ import annotations

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, Category, Menu, MenuItem, Page, User
from cms.services.menus import add_item
from cms.services.page_edits import PageInput
from cms.services.pages import create_page

HEADER_CATEGORIES = 5

ABOUT = """\
资源分享网是一个分享实用生活知识的个人网站，内容涵盖**理财与信用**、**数码与软件**、\
**生活经验**等方面。

我们相信，好的经验值得被更多人看到。站内文章大多来自作者和读者的亲身经历，\
经过编辑整理后发布，力求准确、好懂、能用得上。

## 我们在做什么

- 整理常见问题的处理办法，例如信用卡、花呗、借呗逾期后如何与机构沟通；
- 推荐经过实际使用的软件和工具，并写清楚优缺点；
- 收集读者投稿，分享不同人的生活经验。

## 投稿

欢迎投稿！如果你有值得分享的经历或知识，请通过[联系我们](/page/contact/)页面\
的邮箱与我们联系。投稿一经采用，会在文章中注明作者。

## 免责声明

本站文章仅供参考，不构成法律、财务或投资建议。遇到具体问题时，请咨询专业人士或\
相关机构。
"""

CONTACT = """\
有任何问题、建议或合作意向，欢迎通过电子邮件联系我们：

- 一般咨询与投稿：contact@example.com
- 版权与内容问题：copyright@example.com

我们通常会在 **3 个工作日内** 回复。来信时请写明你的问题和相关文章的链接，\
方便我们尽快处理。

> 本站不提供任何贷款、代还或“征信修复”服务，凡是自称本站工作人员向你收费的，\
都是诈骗，请勿相信。
"""

PRIVACY = """\
我们重视你的隐私。本政策说明资源分享网会收集哪些信息、如何使用，以及你拥有的权利。

## 评论

发表评论时，我们会保存你填写的昵称、电子邮箱、网址和评论内容，以及你的 IP 地址\
和提交时间，用于显示评论、识别垃圾评论和防止滥用。电子邮箱和 IP 地址**不会公开显示**。\
如需删除你的评论或个人信息，请通过[联系我们](/page/contact/)页面的邮箱告诉我们。

## Cookie

本站只使用必要的 Cookie：记住登录状态、防止跨站请求伪造，以及让你在评论等待审核时\
看到自己的评论。我们不使用第三方广告 Cookie。

## 打赏

文章下方的打赏功能使用微信支付或支付宝的收款二维码。付款在微信或支付宝内完成，\
本站**不会收到也不会保存**你的支付账号、金额或其他交易信息；本站只统计打开打赏面板\
的次数，不记录是谁打开的。

## 信息的保存与删除

评论信息会一直保存，直至评论被删除；被判定为垃圾的评论会定期清理。\
我们不会出售或出租你的个人信息。

## 政策更新

本政策如有更新，会在本页面公布。
"""

GUESTBOOK = """\
欢迎在这里留言：对本站的建议、想看的话题、发现的错误，都可以写下来。

- 留言经审核后显示，请勿留下联系方式或广告；
- 与某篇文章有关的问题，请在那篇文章下评论，方便其他读者查找。
"""

# (title, slug, body, position, readers may comment)
DEMO_PAGES = [
    ("关于我们", "about", ABOUT, 0, False),
    ("联系我们", "contact", CONTACT, 1, False),
    ("隐私政策", "privacy", PRIVACY, 2, False),
    ("留言板", "guestbook", GUESTBOOK, 3, True),
]
DEMO_FRIENDS = [
    ("示例资源站", "https://example.com/"),
    ("示例技术博客", "https://example.org/"),
    ("示例导航", "https://example.net/"),
]


def _top_categories(limit: int) -> list[int]:
    count = func.count(Article.id)
    query = (
        select(Category.id)
        .join(Article, Article.category_id == Category.id)
        .group_by(Category.id)
        .order_by(count.desc(), Category.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _menu_is_empty(menu: Menu) -> bool:
    return db.session.scalar(select(MenuItem.id).where(MenuItem.menu == menu)) is None


def seed_demo_pages(owner: User) -> str:
    """Add whichever demo page is missing (matched by slug, created published,
    owned by `owner`) and fill the header menu and the friend links when they
    are empty; a second run changes nothing. Returns a one-line report."""
    existing = set(db.session.scalars(select(Page.slug)))
    added = 0
    for title, slug, body, position, comments in DEMO_PAGES:
        if slug not in existing:
            data = PageInput(title, body, slug, None, position, comments)
            create_page(data, None, owner=owner, publish=True)
            added += 1
    links = 0
    if _menu_is_empty(Menu.HEADER):
        for category_id in _top_categories(HEADER_CATEGORIES):
            add_item(Menu.HEADER, "category", None, target_id=category_id)
            links += 1
        about = db.session.scalar(select(Page.id).where(Page.slug == "about"))
        if about is not None:
            add_item(Menu.HEADER, "page", None, target_id=about)
            links += 1
    if _menu_is_empty(Menu.FRIENDS):
        for label, url in DEMO_FRIENDS:
            add_item(Menu.FRIENDS, "url", None, url=url, label=label)
            links += 1
    return f"demo: {added} page(s) and {links} menu link(s) added"
