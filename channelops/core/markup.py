"""Markdown to safe HTML (agreement texts, work items, templates)."""

from __future__ import annotations

import re

import markdown
import nh3


def markdown_html(text: str, *, heading_offset: int = 0) -> str:
    """Render Markdown and sanitise the HTML; headings move down ``heading_offset`` levels (max h6)."""
    html = nh3.clean(markdown.markdown(text or "", extensions=["extra", "sane_lists"]))
    if heading_offset:
        html = re.sub(
            r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + heading_offset, 6)}", html
        )
    return html
