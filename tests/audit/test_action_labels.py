"""Audit action labels are one table in the services, complete on import:
no web module has to be imported (or patch the table) for an action to be
worded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cms

LABELS = {
    "approve": "批准",
    "article-publish": "发布",
    "page-delete": "永久删除页面",
    "category-merge": "合并分类",
    "menu-add": "添加菜单链接",
    "settings": "修改设置",
    "user-role": "更改角色",
    "password-change": "修改密码",
}


def test_the_table_is_complete_without_importing_any_view():
    script = (
        "import json, sys\n"
        "from cms.services.audit_actions import action_name\n"
        f"names = {{a: action_name(a) for a in {sorted(LABELS)!r}}}\n"
        "web = sorted(m for m in sys.modules if m.startswith('cms.moderation'))\n"
        "print(json.dumps({'names': names, 'web': web}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(cms.__file__).parent.parent,
    )
    result = json.loads(done.stdout)
    assert result["web"] == []
    assert result["names"] == LABELS


def test_no_module_patches_the_labels():
    sources = Path(cms.__file__).parent.rglob("*.py")
    patched = [
        str(path)
        for path in sources
        if "ACTION_LABELS.update" in path.read_text(encoding="utf-8")
        or "ACTION_NAMES" in path.read_text(encoding="utf-8")
    ]
    assert patched == []
