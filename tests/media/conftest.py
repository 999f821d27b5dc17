"""The media tests store into a folder of their own."""

from __future__ import annotations

import pytest


@pytest.fixture
def media_dir(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def app_config(app_config, media_dir):
    app_config["MEDIA_URL"] = f"file://{media_dir}"
    return app_config


@pytest.fixture
def media_app(app):
    with app.app_context():
        yield app


def stored_files(media_dir) -> list[str]:
    """Every file in the media folder, as keys."""
    if not media_dir.exists():
        return []
    return sorted(
        p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file()
    )
