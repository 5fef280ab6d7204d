"""User text in report.md is inert: no HTML tag, autolink, link or image survives, and it still reads the same."""

from __future__ import annotations

import html

import mistune
import pytest

from pipeline.core.markdown import inert_markdown, table_cell

ATTACKS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[x](javascript:alert(3))",
           "<javascript:alert(4)>", "![i](http://x/y.png)", "\\<b>escaped once</b>", "\\\\<i>two backslashes</i>"]


@pytest.mark.parametrize("text", ATTACKS)
def test_user_text_renders_as_text_even_where_raw_html_is_allowed(text):
    """Through a renderer that passes raw HTML (mistune, escape off), the page holds no tag, link or image."""
    page = mistune.create_markdown(escape=False)(inert_markdown(f"| {table_cell(text)} | x |\n\nlabel: {text}\n"))
    for tag in ("<script", "<img", "<a ", "<b>", "<i>", "<javascript"):
        assert tag not in page, page


def test_the_page_reads_as_the_original_text():
    """Escapes are undone on display: the rendered text equals what the user wrote."""
    text = "<b>bold</b> [x](javascript:y) 3 > 2"
    page = mistune.create_markdown(escape=False)(inert_markdown(text))
    assert html.unescape(page).strip() == f"<p>{text}</p>"


def test_link_definitions_at_a_line_start_are_escaped():
    """A '[ref]: url' definition cannot be formed by a label starting a line."""
    assert inert_markdown("[r]: javascript:x\n[r]") == "\\[r]: javascript:x\n[r]"
