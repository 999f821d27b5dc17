"""ASVS 1.2 and 8.2 (privilege by content): whatever a lower role may write
must never run in a higher role's session. In Chromium, on a live server, a
contributor and then an editor fill every text field of every form their
role may use (tests/security/staff_forms.py: marked probes, the next probe
for a refused field): profile (name, bio, e-mail, pay links, an avatar named
like markup and like an SVG), a post (title, body, excerpt, tags, credit,
source, alt), the image library (a PNG under a hostile name and a PNG with a
page after it); the editor also the settings an editor may change (logo and
favicon uploads too), a header menu link, a category, a page, a word rule
replacing text of the demo's articles, and a reader's comment. Then an admin
opens every page that shows any of it: the moderation area (dashboard,
posts, the drafts' edit pages with their previews and revisions, users,
library, settings, menus, categories, tags, pages, word rules, audit log,
comments, mail) and the public pages (home, the article, the authors, the
category, the page, the uploaded files).

FOUND: probes that ran or wait for a click in the admin's session, per page
(tests/security/browser.py); TRIED: pages × probes stored."""

from __future__ import annotations

from sqlalchemy import select

from cms.extensions import db
from tests.security.browser import browsing, tally_hits, watch
from tests.security.harness import Site, Tally, check, planted
from tests.security.staff_forms import Writer, hostile_files

WORD_RULE = "form[method=post][action$='/moderation/wordrules']"
# The related-article picks take only article addresses (anything else is
# refused, one field at a time): left empty, to save rounds.
RELATED_PICKS = {"related_pins": "", "related_excluded": "", "related_query": ""}
# A reprint: its source address is shown (and linked) in the article's notice.
REPRINT = {"source": "reprint"}
# What a planted-fault run opens as the admin (site.quick).
QUICK_PAGES = ("/moderation/comments", "/moderation/users/", "/author/")


def _contributor_forms(site: Site) -> list[dict]:
    return [
        {"path": "/moderation/profile", "form": "form.account-form", "quick": True},
        {
            "path": "/moderation/posts/new",
            "form": "#post-form",
            "submit": "button[name=do][value=submit]",
            "preset": REPRINT,
        },
        {
            "path": "/moderation/media",
            "form": "form.media-upload-form",
            "files": hostile_files,
        },
    ]


def _editor_forms(site: Site) -> list[dict]:
    comment = site.targets["comment"]
    return [
        {"path": "/moderation/profile", "form": "form.account-form"},
        {
            "path": "/moderation/posts/new",
            "form": "#post-form",
            "submit": "button[name=do][value=publish]",
            "preset": RELATED_PICKS | REPRINT,
        },
        {"path": "/moderation/settings", "form": "form.settings-form"},
        {
            "path": "/moderation/menus",
            "form": "form.menu-add-header",
            "preset": {"kind": "url"},
        },
        {"path": "/moderation/categories", "form": "form.cat-form"},
        {
            "path": "/moderation/pages/new",
            "form": "form.page-form",
            "submit": "button[name=do][value=publish]",
        },
        {
            "path": "/moderation/wordrules",
            "form": WORD_RULE,
            "preset": {"phrase": "正文", "action": "replace"},
        },
        {
            "path": f"/moderation/comments/{comment}/edit",
            "form": "form.edit-form",
            "quick": True,
        },
    ]


def _newest_file(site: Site) -> int:
    from cms.models import MediaFile

    with site.context():
        return db.session.scalar(select(db.func.max(MediaFile.id))) or 0


def _admin_pages(site: Site, files_after: int) -> list[str]:
    """Every page that shows what the two wrote, for the admin."""
    from cms.models import Article, Category, MediaFile, Page, User, WordRule

    with site.context():

        def newest(model, *where):
            return db.session.scalars(
                select(model).where(*where).order_by(model.id.desc()).limit(1)
            ).first()

        users = {
            u.username: u
            for u in db.session.scalars(
                select(User).where(User.username.in_(["contributor", "editor"]))
            )
        }
        drafts = [
            article
            for name in ("contributor", "editor")
            if (article := newest(Article, Article.owner_id == users[name].id))
        ]
        category = newest(Category)
        page = newest(Page)
        rule = newest(WordRule)
        files = db.session.scalars(
            select(MediaFile).where(MediaFile.id > files_after)
        ).all()
        paths = [
            "/moderation/",
            "/moderation/posts",
            *(f"/moderation/posts/{a.id}" for a in drafts),
            *(f"/moderation/posts/{a.id}/revisions" for a in drafts),
            *(f"/{a.public_id}.html" for a in drafts if a.status == "published"),
            f"/{site.reference}.html",
            "/moderation/users",
            *(f"/moderation/users/{u.id}" for u in users.values()),
            *(f"/author/{name}/" for name in users),
            "/moderation/media",
            *(f"/media/{f.key}" for f in files),
            "/moderation/settings",
            "/moderation/menus",
            "/moderation/categories",
            f"/moderation/categories/{category.id}",
            f"/category/{category.slug}/",
            "/moderation/tags",
            "/moderation/pages",
            f"/moderation/pages/{page.id}",
            f"/page/{page.slug}/",
            "/moderation/wordrules",
            f"/moderation/wordrules/{rule.id}",
            "/moderation/audit",
            "/moderation/comments?status=approved",
            "/moderation/comments",
            "/moderation/mail",
            "/",
        ]
    if site.quick:
        return [p for p in paths if p.startswith(QUICK_PAGES)]
    return paths


@check("privilege-by-content")
def run(site: Site) -> Tally:
    tally = Tally("privilege-by-content")
    writers = []
    files_after = _newest_file(site)
    with browsing(site) as (origin, browser):
        for role, first, forms in (
            ("contributor", 10_000, _contributor_forms),
            ("editor", 20_000, _editor_forms),
        ):
            staff = watch(browser, origin)
            page = staff.new_page()
            staff.log_in(page, role)
            writer = Writer(staff, page, first)
            for form in forms(site):
                if form.pop("quick", False) or not site.quick:
                    writer.write(**form)
            writers.append(writer)
            staff.context.close()
        numbers = sorted(
            number
            for writer in writers
            for written in writer.written
            for number, _value in written.fields.values()
        )
        admin = watch(browser, origin)
        page = admin.new_page()
        admin.prove(page)
        admin.log_in(page, "admin")
        places = {}
        for path in _admin_pages(site, files_after):
            admin.load(page, path, path)
            places[path] = numbers
            if path == "/moderation/media":
                admin.screenshot(page, "privilege-by-content-media")
        admin.context.close()
    tally_hits(tally, admin.hits, places)
    return tally


@planted("privilege-by-content")
def _comments_unescaped(site: Site, monkeypatch) -> None:
    """The moderation area's comment filter returns the text as markup."""
    from markupsafe import Markup

    monkeypatch.setitem(
        site.app.jinja_env.filters, "comment_html_flagged", lambda text: Markup(text)
    )
