"""The data export as a readable HTML page: the same content as the JSON, one section per kind."""

from __future__ import annotations

from html import escape
from typing import Any

TITLES = {
    "claims": "Claims (tasks you took, your proof and the decision)",
    "rewards_on_chain": "Rewards paid on the chain",
    "chain_events": "Coin movements on the chain (payments, redemptions)",
    "payments": "Payments relayed for you",
    "sign_ins": "Sign-in times",
    "retention": "How long Heitje keeps this",
    "merchant": "Your shop",
    "redemptions": "Redemptions",
    "payouts": "Payouts in euros",
    "operator": "Operator",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
    "table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}"
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "<br>".join(f"{escape(str(k))}: {_cell(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, str) and value.startswith("/api/v1/"):
        return f'<a href="{escape(value)}">{escape(value)}</a>'
    return escape(str(value))


def _section(key: str, value: Any) -> str:
    title = f"<h2>{escape(TITLES.get(key, key))}</h2>"
    if isinstance(value, list):
        if not value:
            return title + "<p>None.</p>"
        if not isinstance(value[0], dict):
            return title + "<ul>" + "".join(f"<li>{_cell(v)}</li>" for v in value) + "</ul>"
        columns = list(value[0])
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        rows = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>" for row in value)
        return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{_cell(v)}</td></tr>" for k, v in value.items())
    return f"{title}<table>{rows}</table>"


def export_html(data: dict[str, Any]) -> str:
    header = {k: v for k, v in data.items() if not isinstance(v, (list, dict))}
    sections = "".join(_section(k, v) for k, v in data.items() if isinstance(v, (list, dict)))
    facts = "".join(f"<tr><th>{escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in header.items())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Heitje: your data ({escape(str(data.get('address', '')))})</title><style>{STYLE}</style></head>"
        f"<body><h1>Everything Heitje holds about you</h1><table>{facts}</table>{sections}</body></html>"
    )
