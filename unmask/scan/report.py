"""report.html: per file, a timeline of who was seen when, thumbnails, and the alerts.

Thumbnails and clips are linked files beside the report (crops/, evidence/), not inlined, so a
report over hours of footage stays small enough to open.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

import matplotlib.pyplot as plt

from unmask.htmlkit import image_tag, page, table
from unmask.scan.store import OutputFolder
from unmask.species import BONA_FIDE

COLOURS = {BONA_FIDE: "#1b7a1b", "attack": "#b00020", "inconclusive": "#a36b00"}


def who(record: dict[str, Any]) -> str:
    if record["id"]:
        return str(record["id"])
    return f"unknown {record['cluster']}" if record["cluster"] else "unknown (too small)"


def timeline(name: str, records: list[dict[str, Any]]) -> str:
    """One bar per track on a time axis, one row per person, coloured by liveness."""
    rows = sorted({who(r) for r in records})
    figure, axes = plt.subplots(figsize=(9, 0.5 + 0.35 * len(rows)))
    for record in records:
        decision = (record.get("liveness") or {}).get("decision", "inconclusive")
        start, end = record["first_seen"], record["last_seen"]
        axes.broken_barh(
            [(start, max(end - start, 0.05))],
            (rows.index(who(record)) - 0.35, 0.7),
            color=COLOURS.get(decision, "#777"),
        )
        for alert in record["alerts"]:
            axes.plot([alert["time"]], [rows.index(who(record))], "kx")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel("seconds")
    axes.set_title("green bona fide, amber inconclusive, red attack; x marks an alert")
    return image_tag(figure, f"timeline of {name}")


def track_rows(records: list[dict[str, Any]]) -> str:
    cells = []
    for record in records:
        liveness = record.get("liveness") or {}
        decision = liveness.get("decision", "")
        distance = "" if record["distance"] is None else f"{record['distance']:.3f}"
        cells.append(
            "<tr>"
            f"<td><img alt='track {record['track']}' src='{html.escape(record['crop'])}'></td>"
            f"<td>{record['track']}</td><td>{html.escape(who(record))}</td>"
            f"<td>{record['first_seen']:.2f} - {record['last_seen']:.2f} s</td>"
            f"<td>{distance}</td>"
            f"<td class='{html.escape(decision)}'>{html.escape(decision)}</td>"
            f"<td>{html.escape(', '.join(a['kind'] for a in record['alerts']))}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("face", "track", "who", "seen", "distance", "liveness", "alerts")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(cells)}</tbody></table>"


def alert_rows(records: list[dict[str, Any]]) -> str:
    rows = []
    for record in records:
        for alert in record["alerts"]:
            clip = alert.get("clip")
            link = (
                f"<video controls preload='metadata' width='240' src='{html.escape(clip)}'></video>"
                f"<br><a href='{html.escape(clip)}'>clip</a>"
                if clip
                else "no clip"
            )
            cues = "; ".join(
                f"{name} {cue['score']:.2f}" if cue.get("score") is not None else f"{name} -"
                for name, cue in alert["cues"].items()
            )
            rows.append(
                f"<tr><td>{html.escape(record['file'])}</td><td>{record['track']}</td>"
                f"<td>{alert['time']:.2f} s</td><td class='attack'>{html.escape(alert['kind'])}"
                f" ({html.escape(str(alert['species']))})</td>"
                f"<td>{html.escape(', '.join(alert['deciding_cues']))}</td>"
                f"<td>{html.escape(cues)}</td><td>{link}</td></tr>"
            )
    if not rows:
        return "<p>No mask or attack alert.</p>"
    head = "".join(
        f"<th>{h}</th>"
        for h in ("file", "track", "time", "alert", "deciding cues", "cue scores", "evidence")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def write_report(out: OutputFolder) -> None:
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in out.records:
        by_file[record["file"]].append(record)
    summary = [
        [
            name,
            entry.get("status", ""),
            entry.get("error", "") or "",
            str(entry.get("frames", "")),
            str(len(by_file.get(name, []))),
            ", ".join(f"{t:.2f}" for t in entry.get("cuts", [])),
        ]
        for name, entry in sorted(out.manifest.items())
    ]
    body = [
        "<h2>Files</h2>",
        table(["file", "status", "error", "frames", "tracks", "shot cuts (s)"], summary),
        "<h2>Alerts</h2>",
        alert_rows(out.records),
    ]
    for name in sorted(by_file):
        records = sorted(by_file[name], key=lambda r: (r["first_seen"], r["track"]))
        body += [f"<h2>{html.escape(name)}</h2>", timeline(name, records), track_rows(records)]
    (out.root / "report.html").write_text(page("unmask scan", "\n".join(body)))
