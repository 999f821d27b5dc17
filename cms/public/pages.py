"""Standalone pages (关于我们, 联系我们, 隐私政策 …) at /page/<slug>/."""

from flask import render_template

from cms.pagecache.marks import cache_page
from cms.public.views import bp
from cms.services import page_queries as page_service


@bp.get("/page/<slug>/")
def page(slug: str):
    """A published page, with its published ancestors as breadcrumbs and its
    published children listed under it; drafts and trashed pages are 404."""
    item = page_service.get_published(slug)
    trail = page_service.breadcrumbs(item)
    children = page_service.published_children(item)
    # Its ancestors (the trail) drop it from cms.pagecache.invalidation.
    cache_page(f"page:{item.id}", *(f"page:{p.id}" for p in children))
    return render_template(
        "public/page.html", page=item, trail=trail, children=children
    )
