"""ASVS 8 (access control): every route of the moderation area for each of
anonymous, contributor, editor and admin; a contributor's requests on other
people's articles and uploads; and mass assignment (fields a form does not
offer, sent anyway). FOUND: an answer that let a role through where it may
not go, or a stored value the sender had no right to set."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, Comment, MediaFile, MediaOwner, User
from tests.moderation.routes import moderation_rules, request_for
from tests.moderation.test_access import ADMINS_ONLY, EVERYONE
from tests.security.harness import Site, Tally, check, form_token, planted
from tests.security.state import table_digests

# A contributor's routes that take an article, tried on someone else's.
ON_AN_ARTICLE = [
    "moderation.post_edit",
    "moderation.post_autosave",
    "moderation.post_autosave_discard",
    "moderation.post_trash",
    "moderation.post_restore",
]


def may_use(role: str, endpoint: str) -> bool:
    """Who may use what: the table the access tests write out (EVERYONE,
    ADMINS_ONLY; not read from the app, so a change to the app's is caught)."""
    if endpoint in EVERYONE:
        return True
    if endpoint in ADMINS_ONLY:
        return role == "admin"
    return role in ("editor", "admin")


def _matrix(site: Site, tally: Tally) -> None:
    clients = {role: site.client(role) for role in ("contributor", "editor")}
    clients["anonymous"] = site.client()
    tokens = {
        role: form_token(
            client.get(
                "/moderation/" if role != "anonymous" else "/auth/login"
            ).get_data(as_text=True)
        )
        for role, client in clients.items()
    }
    for endpoint, methods in sorted(moderation_rules(site.app)):
        path, query, data = request_for(site.app, endpoint, site.targets)
        for role, client in clients.items():
            if role != "anonymous" and may_use(role, endpoint):
                continue
            token = tokens[role]
            for method in sorted(methods):
                response = client.open(
                    path,
                    method=method,
                    query_string=query,
                    data=(data | {"csrf_token": token or ""})
                    if method == "POST"
                    else None,
                )
                if role == "anonymous":
                    location = response.headers.get("Location", "")
                    through = not (
                        response.status_code == 302
                        and location.split("?")[0].endswith("/auth/login")
                    )
                else:
                    through = response.status_code != 403
                tally.attempt(
                    through, f"{role} {method} {endpoint}: {response.status_code}"
                )


def _someone_elses(site: Site) -> tuple[int, int]:
    """An article and an upload of another writer (call in a context)."""
    owner = db.session.scalar(select(User).where(User.username == "editor"))
    article = db.session.scalar(
        select(Article).where(Article.owner_id != _id("contributor")).limit(1)
    )
    with write_transaction():
        media = MediaFile(
            key="cd/" + "e" * 32 + ".png",
            ext="png",
            width=10,
            height=10,
            byte_size=100,
            widths="",
        )
        db.session.add(media)
        db.session.add(MediaOwner(media=media, user_id=owner.id, name="别人的.png"))
    return article.id, media.id


def _id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def _others_objects(site: Site, tally: Tally) -> None:
    with site.context():
        article_id, media_id = _someone_elses(site)
    client = site.client("contributor")
    token = form_token(client.get("/moderation/").get_data(as_text=True))
    targets = dict(
        site.targets,
        own_article=article_id,
        trashed_article=article_id,
        trash_article=article_id,
        own_media=media_id,
    )
    for endpoint in [*ON_AN_ARTICLE, "moderation.media_delete"]:
        path, _, data = request_for(site.app, endpoint, targets)
        with site.context():
            before = table_digests()
        response = client.post(path, data=data | {"csrf_token": token})
        with site.context():
            changed = table_digests() != before
        tally.attempt(
            response.status_code not in (403, 404) or changed,
            f"contributor POST {endpoint} on another's: {response.status_code}",
        )
    for path in (
        f"/moderation/posts/{article_id}",
        f"/moderation/posts/{article_id}/revisions",
        f"/moderation/posts/{article_id}/diff?a=1&b=1",
    ):
        response = client.get(path)
        tally.attempt(
            response.status_code not in (403, 404),
            f"contributor GET {path}: {response.status_code}",
        )


def _mass_assignment(site: Site, tally: Tally) -> None:
    # A reader's comment that claims to be approved, pinned and by staff.
    reader = site.app.test_client()
    page = reader.get(f"/{site.reference}.html").get_data(as_text=True)
    form = BeautifulSoup(page, "html.parser").select_one(
        "form#comment-form, form.comment-form, form[action^='/comments/']"
    )
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    sent = fields | {
        "author": "越权者",
        "email": "x@example.cn",
        "body": "请批准我自己的评论，谢谢。",
        "status": "approved",
        "pinned_at": "2020-01-01T00:00:00",
        "user_id": str(_admin_id(site)),
        "article_id": "1",
        "spam_score": "0",
    }
    reader.post(form["action"], data=sent)
    with site.context():
        comment = db.session.scalar(
            select(Comment).where(Comment.author_name == "越权者")
        )
        tally.attempt(
            comment is None
            or comment.pinned_at is not None
            or comment.user_id is not None,
            f"comment fields taken from the form: {comment and comment.user_id}",
        )
    # A contributor's new article that sets its owner, status and date.
    client = site.client("contributor")
    page = client.get("/moderation/posts/new").get_data(as_text=True)
    sent = {
        "csrf_token": form_token(page),
        "title": "越权的稿子",
        "body": "正文",
        "do": "submit",
        "status": "published",
        "owner": str(_admin_id(site)),
        "owner_id": str(_admin_id(site)),
        "published_at": "2020-01-01T00:00",
        "sticky": "y",
        "view_count": "99999",
    }
    client.post("/moderation/posts/new", data=sent)
    with site.context():
        article = db.session.scalar(
            select(Article).where(Article.title == "越权的稿子")
        )
        wrong = article is not None and (
            article.status == ArticleStatus.PUBLISHED
            or article.owner_id != _id("contributor")
            or article.sticky
            or article.view_count
        )
        tally.attempt(
            article is None or wrong, f"article fields taken from the form: {article}"
        )


def _admin_id(site: Site) -> int:
    with site.context():
        return _id("admin")


@check("access")
def run(site: Site) -> Tally:
    tally = Tally("access")
    _matrix(site, tally)
    _others_objects(site, tally)
    _mass_assignment(site, tally)
    return tally


@planted("access")
def _no_role_guard(site: Site, monkeypatch) -> None:
    from cms.models import Role

    monkeypatch.setattr(
        "cms.moderation.views.allowed_roles", lambda endpoint: frozenset(Role)
    )
