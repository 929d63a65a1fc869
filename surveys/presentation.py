"""Formatting survey figures the same way everywhere: command line, dashboard and weekly report.

A hidden group's figures are None in the published tables; these helpers show its reason instead, never a
number. Rounding happens only here, for display: NPS and percentages to whole points.
"""

from __future__ import annotations

from typing import Any

DASH = "—"
MINUS = "\u2212"  # a typographic minus: same width as the plus sign


def signed(value: float | None, *, digits: int = 0) -> str:
    """+12, -5 (with MINUS), 0."""
    if value is None:
        return DASH
    rounded = round(value, digits)
    if rounded == 0:
        return "0"
    text = f"{abs(rounded):.{digits}f}"
    return f"+{text}" if rounded > 0 else f"{MINUS}{text}"


def nps_text(value: float | None) -> str:
    return signed(value)


def interval_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return DASH
    return f"{signed(low)} to {signed(high)}"


def percent_text(value: float | None) -> str:
    """A 0..100 percentage."""
    return DASH if value is None else f"{value:.0f}%"


def rate_text(value: float | None) -> str:
    """A 0..1 ratio as a percentage."""
    return DASH if value is None else f"{100 * value:.0f}%"


def change_text(value: float | None, *, unit: str = "") -> str:
    if value is None:
        return DASH
    arrow = "▲" if round(value) > 0 else "▼" if round(value) < 0 else "="
    return f"{arrow} {signed(value)}{unit}"


def group_label(record: dict[str, Any]) -> str:
    scope, name = record["scope"], record["group_name"]
    return name if scope == "team" else f"{name} ({scope})"


def hidden_text(record: dict[str, Any]) -> str:
    """What to show in place of a hidden group's figures."""
    reason = record.get("suppressed_reason") or "too few respondents"
    return reason if reason.startswith("hidden") else f"hidden: {reason}"


def rounded(record: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    """A record with its floats rounded (machine formats: JSON, CSV); None and other values unchanged."""
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in record.items()}


def count_text(value: int | None) -> str:
    return DASH if value is None else str(value)


def render_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)
