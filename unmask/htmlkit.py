"""Small pieces for self-contained HTML reports: figures inlined as PNG, plain tables."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def png_data(figure: Any) -> str:
    """The figure as base64 PNG (closed afterwards), for an <img src="data:image/png;base64,...">."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_tag(figure: Any, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{png_data(figure)}">'


def table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are escaped, so pass plain text."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.attack { color: #b00020; font-weight: 600; } .bona_fide { color: #1b7a1b; font-weight: 600; }
.inconclusive { color: #a36b00; font-weight: 600; } .note { color: #666; font-size: 0.9em; }
img { max-width: 100%; }
"""


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
