"""Every route of the moderation area with what it needs to succeed, and the
objects those routes act on: shared by the access matrix and the CSRF tests.

A route missing from SAMPLES fails test_every_route_is_in_the_matrix: add it.
Each SAMPLES entry may give `args` (URL arguments), `query` (GET) and `data`
(POST), with "{name}" placeholders filled from `make_targets`; `ok` is the
answer a permitted POST gives (303 unless stated). Routes that destroy or
move their object get an object of their own, so the routes can be walked in
any order.
"""

from __future__ import annotations

from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import MediaFile, MediaOwner, OutboxMessage, OutboxStatus, Role, User
from cms.moderation.views import allowed_roles
from cms.services import article_workflow, editorial
from cms.services.article_edits import ArticleEdit
from cms.services.categories import create_category
from cms.services.menus import add_item
from cms.services.moderation import apply_action
from cms.services.page_edits import PageInput
from cms.services.pages import create_page, trash_page
from tests.factories import make_article, make_user
from tests.moderation.helpers import add_comment

SAMPLES: dict[str, dict] = {
    # dashboard, comments, commenters
    "moderation.dashboard": {},
    "moderation.comment_queue": {"query": {"status": "pending"}},
    "moderation.bulk_action": {"data": {"ids": "{comment}", "action": "approve"}},
    "moderation.undo_action": {"data": {"entry_id": "{entry}"}},
    "moderation.empty_bin": {"data": {"status": "trash"}},
    "moderation.reply": {
        "args": {"comment_id": "{comment}"},
        "data": {"body": "谢谢你的留言。"},
    },
    "moderation.tags": {},
    "moderation.tag_rename": {
        "args": {"tag_id": "{tag}"},
        "data": {"name": "改名的标签", "slug": ""},
    },
    "moderation.tag_merge": {
        "args": {"tag_id": "{tag_to_merge}"},
        "data": {"target": "{tag_target}"},
    },
    "moderation.tag_delete": {"args": {"tag_id": "{tag_to_delete}"}},
    "moderation.pin": {
        "args": {"comment_id": "{comment}"},
        "data": {"pinned": "0"},
    },
    "moderation.edit": {
        "args": {"comment_id": "{comment}"},
        "data": {"body": "改过的评论内容", "next": ""},
    },
    "moderation.ban": {
        "args": {"comment_id": "{comment}"},
        "data": {"by_email": "y", "spam_pending": "y"},
    },
    "moderation.commenters": {"query": {"email": "reader@example.cn"}},
    "moderation.export": {"query": {"email": "reader@example.cn"}},
    "moderation.erase": {
        "data": {"email": "nobody@example.cn", "mode": "personal", "confirm": "y"}
    },
    # posts
    "moderation.posts": {},
    "moderation.post_new": {"data": {"title": "新文章", "body": "正文", "do": "save"}},
    "moderation.post_edit": {
        "args": {"article_id": "{own_article}"},
        "data": {"title": "改过的标题", "body": "正文", "version": "1", "do": "save"},
    },
    "moderation.post_preview": {"data": {"markdown": "**预览**"}, "ok": 200},
    "moderation.post_autosave_new": {
        "data": {"title": "新", "body": "草稿"},
        "ok": 200,
    },
    "moderation.post_autosave": {
        "args": {"article_id": "{own_article}"},
        "data": {"title": "改", "body": "草稿", "version": "1"},
        "ok": 200,
    },
    "moderation.post_autosave_discard_new": {},
    "moderation.post_autosave_discard": {"args": {"article_id": "{own_article}"}},
    "moderation.post_send_back": {
        "args": {"article_id": "{pending_article}"},
        "data": {"reason": "请补充来源"},
    },
    "moderation.post_trash": {"args": {"article_id": "{trash_article}"}},
    # media library (no file sent: 303 with a message, 400 from the endpoint)
    "moderation.media_library": {"query": {"q": "图"}},
    "moderation.media_upload_form": {"data": {"alt": "说明"}},
    "moderation.media_upload": {"data": {"alt": "说明"}, "ok": 400},
    "moderation.media_delete": {"args": {"media_id": "{own_media}"}},
    "moderation.post_restore": {"args": {"article_id": "{trashed_article}"}},
    "moderation.post_revisions": {"args": {"article_id": "{own_article}"}},
    "moderation.post_diff": {
        "args": {"article_id": "{own_article}"},
        "query": {"a": "1", "b": "1"},
    },
    "moderation.post_revision_restore": {
        "args": {"article_id": "{article_to_restore}", "number": "1"}
    },
    # pages
    "moderation.pages": {},
    "moderation.page_new": {
        "data": {"title": "新页面", "body": "正文", "position": "0", "do": "save"}
    },
    "moderation.page_edit": {
        "args": {"page_id": "{page}"},
        "data": {
            "title": "关于",
            "slug": "",
            "position": "0",
            "body": "改",
            "do": "save",
        },
    },
    "moderation.page_trash": {"args": {"page_id": "{page_to_trash}"}},
    "moderation.page_restore": {"args": {"page_id": "{trashed_page}"}},
    "moderation.page_delete": {"args": {"page_id": "{page_to_delete}"}},
    "moderation.page_revisions": {"args": {"page_id": "{page}"}},
    "moderation.page_diff": {
        "args": {"page_id": "{page}"},
        "query": {"a": "1", "b": "1"},
    },
    "moderation.page_revision_restore": {"args": {"page_id": "{page}", "number": "1"}},
    # categories
    "moderation.categories": {},
    "moderation.category_create": {"data": {"name": "新分类", "parent": "0"}},
    "moderation.category_edit": {"args": {"category_id": "{category}"}},
    "moderation.category_update": {
        "args": {"category_id": "{category}"},
        "data": {"name": "改名", "slug": ""},
    },
    "moderation.category_move": {
        "args": {"category_id": "{category}"},
        "data": {"parent": "0"},
    },
    "moderation.category_merge": {
        "args": {"category_id": "{category_to_merge}"},
        "data": {"target": "{category}"},
    },
    "moderation.category_delete": {"args": {"category_id": "{category_to_delete}"}},
    # menus
    "moderation.menus": {},
    "moderation.menu_add": {
        "data": {
            "menu": "friends",
            "kind": "url",
            "label": "示例",
            "url": "https://example.org/",
        }  # fmt: skip
    },
    "moderation.menu_update": {
        "args": {"item_id": "{menu_item}"},
        "data": {"label": "示例二", "url": "https://example.net/"},
    },
    "moderation.menu_move": {
        "args": {"item_id": "{menu_item}"},
        "data": {"direction": "down"},
    },
    "moderation.menu_delete": {"args": {"item_id": "{menu_item_to_delete}"}},
    # settings, users, profile, audit
    "moderation.settings": {
        "data": {"site.name": "改名的网站", "comments.hold_first": "true"}
    },
    "moderation.notice_preview": {"data": {"template": "{{site_name}}"}, "ok": 200},
    "moderation.users": {
        "data": {
            "username": "newbie",
            "password": "a long enough passphrase",
            "role": "contributor",
        }  # fmt: skip
    },
    "moderation.user_edit": {
        "args": {"user_id": "{other_user}"},
        "data": {"do": "password", "password": "a long enough passphrase"},
    },
    "moderation.profile": {"data": {"display_name": "新名字"}},
    "moderation.change_password": {
        "data": {
            "current_password": "correct horse battery staple",
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        }  # fmt: skip
    },
    # a code nobody can know: the form's error (400), nothing changed
    "moderation.two_factor": {"data": {"do": "enable", "code": "000000"}, "ok": 400},
    "moderation.audit": {},
    # word rules (cms.moderation.wordrules)
    "moderation.wordrules_list": {"query": {"q": "最"}},
    "moderation.wordrule_add": {
        "data": {
            "phrase": "新规则",
            "kind": "word",
            "action": "flag",
            "scope_comments": "y",
        },  # fmt: skip
    },
    "moderation.wordrule_edit": {
        "args": {"rule_id": "{word_rule}"},
        "data": {
            "phrase": "改过的规则",
            "kind": "word",
            "action": "hold",
            "scope_comments": "y",
        },  # fmt: skip
    },
    "moderation.wordrule_delete": {"args": {"rule_id": "{word_rule_to_delete}"}},
    "moderation.wordrules_import": {"data": {"tsv": "导入的词\tflag"}},
    "moderation.wordrules_export": {},
    "moderation.wordrules_test": {
        "data": {"text": "最大", "scope": "articles"},
        "ok": 200,
    },
    "moderation.wordrules_reapply": {},
    "moderation.post_words": {"args": {"article_id": "{word_article}"}},
    "moderation.post_words_exempt": {
        "args": {"article_id": "{word_article}"},
        "data": {"start": "0", "end": "2"},
    },
    "moderation.post_words_unexempt": {
        "args": {"article_id": "{word_article}", "exemption_id": "{word_exemption}"}
    },
    "moderation.mail_queue": {},
    "moderation.mail_retry": {"args": {"message_id": "{failed_mail}"}},
}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_targets(contributor: str) -> dict[str, int]:
    """The objects SAMPLES refers to (call inside an app context): comments and
    an undoable action; articles of `contributor` in each state the post
    routes need; pages, categories, menu items and another account."""
    author = _user(contributor)
    boss = make_user(username="matrix-admin", role=Role.ADMIN, password=None)
    article = make_article(title="评论审核测试文章", owner=make_user(password=None))
    comment = add_comment(article)
    entry = apply_action([add_comment(article).id], "spam", None).entry

    def draft(title: str, action: str = "save") -> int:
        edit = ArticleEdit(title=title, body_markdown="正文")
        return editorial.create(author, edit, action).id

    trashed_article = draft("回收站里的稿子")
    article_workflow.trash(author, trashed_article)
    tagged = make_article(
        title="有标签的文章",
        owner=boss,
        tags=("矩阵标签", "矩阵标签乙", "矩阵标签丙", "矩阵标签丁"),
    )
    tag_ids = {t.name: t.id for t in tagged.tags}

    def page(title: str, slug: str, trashed: bool = False) -> int:
        made = create_page(PageInput(title, "正文", slug=slug), boss, publish=True)
        if trashed:
            trash_page(made.id, boss)
        return made.id

    return {
        "failed_mail": failed_mail().id,
        "comment": comment.id,
        "entry": entry.id,
        "own_article": draft("投稿者的草稿"),
        "article_to_restore": draft("要恢复版本的稿子"),
        "pending_article": draft("待审的稿子", "submit"),
        "trash_article": draft("要删的稿子"),
        "trashed_article": trashed_article,
        "page": page("关于我们", "about"),
        "page_to_trash": page("旧页面", "old"),
        "trashed_page": page("回收站页面", "binned", trashed=True),
        "page_to_delete": page("要删的页面", "gone", trashed=True),
        "category": create_category("分类甲", boss).id,
        "category_to_merge": create_category("分类乙", boss).id,
        "category_to_delete": create_category("分类丙", boss).id,
        "menu_item": add_item(
            "friends", "url", boss, url="https://a.test/", label="甲"
        ).id,
        "menu_item_to_delete": add_item(
            "friends", "url", boss, url="https://b.test/", label="乙"
        ).id,
        "other_user": make_user(username="someone", password=None).id,
        "own_media": _media_row(author),
        **word_targets(),
        "tag": tag_ids["矩阵标签"],
        "tag_to_merge": tag_ids["矩阵标签乙"],
        "tag_target": tag_ids["矩阵标签丙"],
        "tag_to_delete": tag_ids["矩阵标签丁"],
    }


def word_targets() -> dict[str, int]:
    """Two rules and an article with one exempted occurrence of one."""
    from cms.services.article_words import exempt, exemptions_of
    from cms.services.wordrule_store import add_rule
    from cms.text.wordfilter import Action, Rule

    articles = frozenset({"articles"})
    rule = add_rule(Rule("最大", Action.REPLACE, "更大", articles), None)
    gone = add_rule(Rule("要删的词", Action.FLAG), None)
    article = make_article(title="词语检查", body="最大的，最大的")
    exempt(article.id, 4, 6, None)
    return {
        "word_rule": rule.id,
        "word_rule_to_delete": gone.id,
        "word_article": article.id,
        "word_exemption": exemptions_of(article.id)[0].id,
    }


def _media_row(owner) -> int:
    """An upload of `owner` as rows only (the walk never reads its files)."""
    with write_transaction():
        media = MediaFile(key="ab/" + "c" * 32 + ".png", ext="png", width=10,
                          height=10, byte_size=100, widths="")  # fmt: skip
        db.session.add(media)
        db.session.add(MediaOwner(media=media, user_id=owner.id, name="矩阵.png"))
    return media.id


def failed_mail(to: str = "reader@example.cn") -> OutboxMessage:
    """An outbox message the sender gave up on."""
    with write_transaction():
        row = OutboxMessage(
            kind="mail",
            payload={"to": to, "subject": "主题", "text": "正文"},
            status=OutboxStatus.FAILED,
            attempts=8,
            last_error="[Errno 111] Connection refused",
        )
        db.session.add(row)
    return row


def fill(values: dict, targets: dict[str, int]) -> dict[str, str]:
    """`values` with their "{name}" placeholders replaced by target ids."""
    return {key: str(value).format(**targets) for key, value in values.items()}


def moderation_rules(app) -> list[tuple[str, set[str]]]:
    """(endpoint, methods) of every rule of the moderation blueprint."""
    return [
        (rule.endpoint, set(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("moderation.")
    ]


def request_for(app, endpoint: str, targets: dict[str, int]):
    """(path, query, data) of a successful request to `endpoint`."""
    sample = SAMPLES[endpoint]
    args = fill(sample.get("args", {}), targets)
    adapter = app.url_map.bind("cms.test")
    path = adapter.build(endpoint, {k: int(v) for k, v in args.items()})
    return (
        path,
        fill(sample.get("query", {}), targets),
        fill(sample.get("data", {}), targets),
    )


def permitted(endpoint: str, role: str) -> bool:
    return Role(role) in allowed_roles(endpoint)


def expected_post(endpoint: str) -> int:
    return SAMPLES[endpoint].get("ok", 303)


def sample_paths(app, targets) -> list[tuple[str, str, set[str]]]:
    """(endpoint, path, methods) for every rule, arguments filled in."""
    return [
        (endpoint, request_for(app, endpoint, targets)[0], methods)
        for endpoint, methods in moderation_rules(app)
    ]
