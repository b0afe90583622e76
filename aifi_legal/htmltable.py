"""A plain HTML table for Jupyter (`_repr_html_`) of the report objects."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any


def html_table(keys: Iterable[str], rows: Iterable[dict[str, Any]]) -> str:
    """An HTML table of `rows` (dicts) in the column order of `keys`, every value escaped."""
    keys = list(keys)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[k]))}</td>" for k in keys) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
