"""What the posts tests share: parsing, reading an article back, form data."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, AuditEntry, Revision


def parse(response) -> BeautifulSoup:
    """The response body as a parsed HTML document."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def stored(article_id: int) -> Article:
    """The article as the database has it now (call inside an app context)."""
    db.session.expire_all()
    return db.session.get(Article, article_id)


def revision_numbers(article_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Revision.number)
            .where(Revision.target_type == "article", Revision.target_id == article_id)
            .order_by(Revision.number)
        )
    )


def count(model=Article) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions(article_id: int) -> list[str]:
    """The audit log's actions about an article, oldest first."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "article")
        .order_by(AuditEntry.id)
    )
    return [e.action for e in entries if article_id in (e.target_ids or [])]


def form_data(**overrides) -> dict[str, str]:
    """What the editor posts for a plain article (CSRF is off in tests)."""
    data = {
        "title": "测试文章标题",
        "body": "第一段。\n\n第二段。",
        "excerpt": "",
        "category": "",
        "tags": "",
        "contributor": "",
        "published_at": "",
        "allow_comments": "y",
        "show_tip": "y",
        "do": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def textarea_text(element) -> str:
    """A textarea's value as a browser has it: HTML drops the one newline
    right after the start tag (WTForms writes it as \\r\\n)."""
    text = element.get_text().replace("\r\n", "\n")
    return text.removeprefix("\n")


def editor_values(soup: BeautifulSoup) -> dict[str, str]:
    """The editor form's current values (text fields, textareas, version)."""
    form = soup.select_one("form#post-form")
    values = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name = element["name"]
        if element.name == "textarea":
            values[name] = textarea_text(element)
        elif element.name == "select":
            chosen = element.select_one("option[selected]")
            values[name] = chosen["value"] if chosen else ""
        elif element.get("type") == "checkbox":
            if element.has_attr("checked"):
                values[name] = element.get("value", "y")
        else:
            values[name] = element.get("value", "")
    return values
