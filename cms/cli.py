"""The `flask cms ...` commands; each calls services and prints one line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from cms.database import write_transaction
from cms.models import Role
from cms.outbox_sender import relay
from cms.pagecache import sweep_page_cache
from cms.services import (
    backup,
    markdown_import,
    portable,
    renditions,
    search,
    wxr_import,
)
from cms.services import settings as settings_service
from cms.services.article_words import reapply as reapply_word_rules
from cms.services.demo import seed_demo, site_is_empty
from cms.services.errors import InvalidInput, NotFound
from cms.services.jobs import run_due_jobs
from cms.services.media_clean import clean_stored_media
from cms.services.related.lists import rebuild_all
from cms.services.setting_specs import spec_for
from cms.services.tallies import rebuild_counts
from cms.services.users import create_user
from cms.services.views import flush_views
from cms.services.wordrule_store import seed_default_rules

cms_cli = AppGroup("cms", help="Run and maintain the CMS.")


def _refuse(message: str) -> None:
    """Print a clear message on stderr and exit with status 2."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@cms_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Prompted for (hidden) when absent.")
@click.option("--display-name", default=None, help="Free text, e.g. 管理员.")
@click.option("--email", default=None, help="Where moderation e-mail goes.")
def create_user_command(username, role, password, display_name, email):
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, role, password, display_name, email=email)
    except InvalidInput as exc:
        _refuse(str(exc))
    click.echo(f"created {user.role.value} {user.username}")


@cms_cli.command("reset-two-factor")
@click.argument("username")
def reset_two_factor_command(username):
    """Turn an account's two-factor login off (lost phone and recovery codes)."""
    from cms.services.two_factor import reset_two_factor

    try:
        reset_two_factor(username)
    except (InvalidInput, NotFound) as exc:
        _refuse(str(exc))
    click.echo(f"two-factor login turned off for {username}; its sessions ended")


@cms_cli.group("setting")
def setting_group():
    """Read and change the site's settings."""


def _one_line(text: str) -> str:
    """A setting's text on one line: backslash and newline escaped."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _from_one_line(text: str) -> str:
    """The inverse of _one_line (real newlines pass through unchanged)."""
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"n": "\n", "\\": "\\"}.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


@setting_group.command("list")
def setting_list():
    """Every setting, one `KEY = VALUE` a line (newlines shown as \\n)."""
    for key, value in settings_service.listed_settings():
        click.echo(f"{key} = {_one_line(value)}")


@setting_group.command("get")
@click.argument("key")
def setting_get(key):
    """Print one setting's value alone."""
    try:
        value = settings_service.get_setting(key)
    except InvalidInput as exc:
        _refuse(str(exc))
    click.echo(_one_line(spec_for(key).dump(value)))


@setting_group.command("set")
@click.argument("key")
@click.argument("value")
def setting_set(key, value):
    """Validate and store one setting."""
    try:
        typed = settings_service.set_setting(key, _from_one_line(value))
    except InvalidInput as exc:
        _refuse(f"{key}: {exc}")
    click.echo(f"{key} = {_one_line(spec_for(key).dump(typed))}")


@cms_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the site has no content.")
def seed_demo_command(if_empty):
    """Load the demo site; running it again changes nothing."""
    if if_empty and not site_is_empty():
        click.echo("demo: the site has content; nothing loaded")
        return
    click.echo(seed_demo())


@cms_cli.command("seed-word-rules")
def seed_word_rules_command():
    """Load the default word rules (docs/wordlists.md) when the site has none."""
    added = seed_default_rules()
    if added:
        click.echo(f"word rules: {added} default rule(s) added")
    else:
        click.echo("word rules: the site has rules; nothing loaded")


@cms_cli.command("reapply-word-rules")
def reapply_word_rules_command():
    """Render every published article again through the current word rules
    (body, summary and the title readers see; after an upgrade or an import)."""
    changed = reapply_word_rules(None)
    click.echo(f"word rules: {changed} published article(s) changed")


@cms_cli.command("tick")
def tick_command():
    """Write the buffered page views, then run the periodic jobs that are due, once."""
    flushed = flush_views()
    if flushed:
        click.echo(f"tick: {flushed} view(s) written")
    ran = run_due_jobs()
    click.echo(f"tick: {len(ran)} job(s) ran" + (f": {', '.join(ran)}" if ran else ""))
    swept = sweep_page_cache(current_app._get_current_object())  # type: ignore[attr-defined]
    if swept:
        click.echo(f"tick: {swept} page-store file(s) past their lifetime removed")


@cms_cli.command("reindex")
def reindex_command():
    """Index every published article again for related lists and search, and
    recompute every related list (after changing the stop words or the
    segmenter)."""
    click.echo(f"related: {rebuild_all()} article(s) indexed")
    with write_transaction():
        count = search.reindex_all()
    click.echo(f"search: {count} article(s) indexed")


@cms_cli.command("rerender")
def rerender_command():
    """Render every article's and page's stored HTML again from its source
    with the current renderer (once after upgrading to a release whose
    renderer changed, e.g. footnotes, task lists, TOC, code highlighting)."""
    done = renditions.rerender_all()
    click.echo(
        f"rerender: {done.articles_changed} of {done.articles} article(s) and "
        f"{done.pages_changed} of {done.pages} page(s) changed"
    )


@cms_cli.command("upgrade")
def upgrade_command():
    """Bring a site up to this release, once per release from one machine:
    the database migrations, then the stored data (uploads cleaned of their
    metadata, every article and page rendered again, word rules included).
    Each step changes nothing when it has nothing to do."""
    import flask_migrate

    flask_migrate.upgrade()
    cleaned = clean_stored_media()
    click.echo(
        f"media: checked {cleaned.checked}, re-encoded {len(cleaned.moved)}, "
        f"deleted {len(cleaned.deleted)} unreadable"
    )
    done = renditions.rerender_all()
    click.echo(
        f"rerender: {done.articles_changed} of {done.articles} article(s) and "
        f"{done.pages_changed} of {done.pages} page(s) changed"
    )


@cms_cli.command("deliver-mail")
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks.")
def deliver_mail_command(once, poll):
    """Deliver the outbox until stopped (a process of its own, beside the
    web workers, which then run with OUTBOX_THREAD off)."""
    relay(current_app._get_current_object(), poll=poll, once=once)  # type: ignore[attr-defined]


@cms_cli.command("clean-media")
def clean_media_command():
    """Re-encode stored uploads that still carry metadata (EXIF, GPS)."""
    report = clean_stored_media()
    click.echo(
        f"checked {report.checked} files, re-encoded {len(report.moved)}, "
        f"deleted {len(report.deleted)} unreadable"
    )


@cms_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def export_command(file):
    """Write the whole site to FILE as one JSON document."""
    counts = portable.export_site(file)
    media = counts.pop("media", 0)
    click.echo(
        f"exported {sum(counts.values())} rows of {len(counts)} tables "
        f"and {media} media files to {file}"
    )


@cms_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--merge",
    is_flag=True,
    help="Lay the file's rows over a site that has content, by primary key.",
)
def import_command(file, merge):
    """Load a document written by `flask cms export` (into an empty database
    unless --merge)."""
    try:
        report = portable.import_site(
            file, merge=merge, after_load=rebuild_counts if merge else None
        )
    except InvalidInput as exc:
        _refuse(str(exc))
    total = sum(report.written.values())
    how = "merged" if merge else "imported"
    click.echo(
        f"{how} {total} rows of {len(report.written)} tables "
        f"and {report.media} media files from {file}"
    )


@cms_cli.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
def backup_command(directory):
    """Write a consistent backup of the running site into DIRECTORY."""
    result = backup.take_backup(directory)
    rows = sum(t["rows"] for t in result.tables.values())
    click.echo(
        f"backup ({result.kind}): {result.path} "
        f"({rows} rows, {result.media} media files)"
    )


@cms_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file):
    """Restore a backup into this empty database and check its manifest."""
    try:
        tables = backup.restore_backup(file)
    except InvalidInput as exc:
        _refuse(str(exc))
    rows = sum(t["rows"] for t in tables.values())
    click.echo(f"restored {rows} rows of {len(tables)} tables; manifest verified")


def _run_import(run, total: int, label: str):
    """Run an import with a progress bar on stderr; print its summary."""
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr,
                           show_pos=False, show_percent=True) as bar:  # fmt: skip
        done = [0]

        def progress(position: int) -> None:
            if position > done[0]:
                bar.update(position - done[0])
                done[0] = position

        try:
            summary = run(progress)
        except InvalidInput as exc:
            _refuse(str(exc))
        bar.update(max(total - done[0], 0))
    for line in summary.lines():
        click.echo(line)
    return summary


@cms_cli.command("import-wxr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--uploads",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="A local copy of wp-content/uploads: its images go into the media library.",
)
def import_wxr_command(file, uploads):
    """Import a WordPress export (WXR 1.0-1.2); running it again changes nothing."""
    size = os.path.getsize(file)
    _run_import(
        lambda progress: wxr_import.import_wxr_file(
            file, Path(uploads) if uploads else None, progress
        ),
        size,
        "导入 WordPress",
    )


@cms_cli.command("import-markdown")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--permalink",
    default=None,
    help="The old site's permalink pattern, e.g. :year/:month/:day/:title/",
)
def import_markdown_command(directory, permalink):
    """Import a folder of Hexo / Hugo / Jekyll Markdown posts; running it
    again changes nothing."""
    _run_import(
        lambda progress: markdown_import.import_markdown(
            directory, permalink, progress
        ),
        markdown_import.count_files(directory),
        "导入 Markdown",
    )


def register_cli(app: Flask) -> None:
    """Add the `cms` command group to `flask`."""
    app.cli.add_command(cms_cli)
