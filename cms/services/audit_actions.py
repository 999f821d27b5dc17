"""What each audit-log action is called, in Chinese: the one table.

Every service that records an action (cms.services.audit.record) names it
here, so the log, the dashboard and the audit filter word it the same way;
views only read this table.
"""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    # the comment queue (cms.services.moderation, cms.services.commenters)
    "approve": "批准",
    "unapprove": "改回待审",
    "spam": "标为垃圾",
    "trash": "移到回收站",
    "restore": "恢复",
    "delete": "永久删除",
    "undo": "撤销",
    "reply": "回复",
    "edit": "编辑",
    "pin": "置顶评论",
    "unpin": "取消置顶评论",
    "ban": "封禁",
    "erase-comments": "删除评论者的评论",
    "erase-personal": "删除评论者的个人信息",
    # articles (cms.services.editorial, cms.services.article_workflow)
    "article-create": "新建文章",
    "article-save": "保存文章",
    "article-submit": "投稿",
    "article-publish": "发布",
    "article-unpublish": "撤回",
    "article-send-back": "退回",
    "article-trash": "移到回收站",
    "article-restore": "从回收站恢复",
    "article-revision-restore": "恢复版本",
    # standalone pages (cms.services.pages)
    "page-create": "新建页面",
    "page-save": "保存页面",
    "page-publish": "发布页面",
    "page-unpublish": "撤回页面",
    "page-trash": "页面移到回收站",
    "page-restore": "从回收站恢复页面",
    "page-delete": "永久删除页面",
    "page-revision-restore": "恢复页面版本",
    # categories (cms.services.categories)
    "category-create": "新建分类",
    "category-update": "修改分类",
    "category-move": "移动分类",
    "category-merge": "合并分类",
    "category-delete": "删除分类",
    # tags (cms.services.tags)
    "tag-rename": "修改标签",
    "tag-merge": "合并标签",
    "tag-delete": "删除标签",
    # menus (cms.services.menus)
    "menu-add": "添加菜单链接",
    "menu-update": "修改菜单链接",
    "menu-move": "调整菜单顺序",
    "menu-delete": "删除菜单链接",
    # word rules (cms.services.wordrule_store, cms.services.article_words)
    "wordrule-add": "添加词语规则",
    "wordrule-update": "修改词语规则",
    "wordrule-delete": "删除词语规则",
    "wordrule-import": "导入词语规则",
    "wordrule-reapply": "按词语规则重新处理文章",
    "wordrule-exempt": "保留原词",
    # uploads (cms.services.media_library)
    "media-delete": "删除图片",
    "media-delete-forced": "强制删除使用中的图片",
    # settings (cms.services.settings)
    "settings": "修改设置",
    # accounts (cms.services.users, cms.services.profiles, password_reset)
    "user-create": "创建用户",
    "user-update": "修改用户资料",
    "user-role": "更改角色",
    "user-deactivate": "停用账号",
    "user-activate": "启用账号",
    "user-password-reset": "设置新密码",
    "user-reset-link": "发送重置密码链接",
    "profile-update": "修改个人资料",
    "password-change": "修改密码",
    "password-reset-by-mail": "通过邮件重置密码",
    # two-factor login (cms.services.two_factor)
    "two-factor-enable": "开启两步验证",
    "two-factor-disable": "关闭两步验证",
    "two-factor-reset": "由服务器管理员关闭两步验证",
    "two-factor-codes": "重新生成恢复码",
}


def action_name(action: str) -> str:
    """An audit entry's action in Chinese; an action not in the table as it
    is (so a new one shows up, unworded, rather than disappearing)."""
    return ACTION_LABELS.get(action, action)
