"""HTML views of the Space: question results, caption scores and the caption alignment.

Pure functions from the library's result dicts to HTML strings (every text escaped), so
they are tested without a browser. Colours: green = matched (with its similarity), red =
in the ground truth but missed by the caption, amber = in the caption but not in the
ground truth (invented).

Example:
    >>> from favor_hf.caption import MINILM_MODEL, score_captions
    >>> reference = {"camera_motion": "Camera pans left", "motion_list": "Subject 1: Man [walks in, sits down]",
    ...              "chronological_motion_list": "walks in (Subject 1), sits down (Subject 1)"}
    >>> result = score_captions(["A man walks in."], [reference], model_name=MINILM_MODEL, return_details=True)
    >>> html = alignment_html(result["details"][0]["alignment"])
    >>> 'id="alignment-view"' in html, "sits down" in html  # the missed action is shown (in red)
    (True, True)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from favor_hf.schema import CAPTION_SCORE_KEYS, MOTION_SCORE_KEYS, TASK_NAMES

CSS = """
.favor-view { font-size: 14px; line-height: 1.4; }
.favor-view table { border-collapse: collapse; width: 100%; margin: 4px 0 12px 0; }
.favor-view th, .favor-view td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
.favor-view th { background: #f3f4f6; color: #111827; }
.favor-view .ok { background: #dcfce7; color: #14532d; }
.favor-view .bad { background: #fee2e2; color: #7f1d1d; }
.favor-view .missed { background: #fee2e2; color: #7f1d1d; }
.favor-view .invented { background: #fef3c7; color: #78350f; }
.favor-view .matched { background: #dcfce7; color: #14532d; }
.favor-view .tag { font-size: 11px; font-weight: 600; text-transform: uppercase; padding: 1px 6px; border-radius: 8px; }
.favor-view .tag.matched { background: #16a34a; color: #fff; }
.favor-view .tag.missed { background: #dc2626; color: #fff; }
.favor-view .tag.invented { background: #d97706; color: #fff; }
.favor-view .contradiction { background: #fce7f3; color: #831843; }
.favor-view .tag.contradiction { background: #be185d; color: #fff; }
.favor-view .sim { font-variant-numeric: tabular-nums; white-space: nowrap; }
.favor-view .final { font-size: 40px; font-weight: 700; }
.favor-view .score-grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
.favor-view .score-box { border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 10px; }
.favor-view .bar { height: 6px; background: #e5e7eb; border-radius: 3px; }
.favor-view .bar > div { height: 6px; background: #2563eb; border-radius: 3px; }
.favor-view h4 { margin: 12px 0 4px 0; }
.favor-view .muted { color: #6b7280; }
#board-paper-table table { display: block; overflow-x: auto; }
#board-paper-table th { white-space: nowrap; }  /* whole header words; the table scrolls sideways */
"""
"""Styles of every view (passed to ``launch(css=...)``)."""

LEGEND = (
    '<p><span class="tag matched">matched</span> ground truth and caption agree (similarity shown) '
    '<span class="tag missed">missed</span> in the ground truth, not in the caption '
    '<span class="tag invented">invented</span> in the caption, not in the ground truth '
    '<span class="tag contradiction">contradiction</span> matched by the official score, but the two sides name '
    "opposite directions or actions, one denies the other, or the caption tells the action out of the "
    "reference's order: not a match for the motion-aware companion</p>"
)


def _wrap(body: str, elem_id: str) -> str:
    return f'<div class="favor-view" id="{elem_id}">{body}</div>'


def _clean(text: str) -> str:
    """Action text for display: the official splitter leaves a leading ", " on chained actions."""
    return text.lstrip(", ").strip()


def _letter(index: int) -> str:
    return f"({chr(65 + index)})"


def questions_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """One table row per question: task, question, options, raw answer and each judge's verdict."""
    if not rows:
        return _wrap('<p class="muted">This clip has no questions.</p>', "questions-view")
    header = (
        '<table><colgroup><col style="width:6%"><col style="width:42%"><col style="width:20%">'
        '<col style="width:16%"><col style="width:16%"></colgroup>'
        "<tr><th>Task</th><th>Question and options (correct one in green)</th><th>Raw answer</th>"
        "<th>Official judge</th><th>Strict judge</th></tr>"
    )
    body = [header]
    for row in rows:
        options = row["options"]
        listed = "".join(
            f"<li{' class=ok' if option == row['correct_answer'] else ''}>{_letter(i)} {escape(option)}</li>"
            for i, option in enumerate(options)
        )
        if row["official_correct"]:
            official = "right<br>contains the correct option"
        else:
            official = "wrong<br>the correct option is absent or a longer option is also named"
        mentioned = row["mentioned"]
        if row["strict_pick"] is not None:
            strict = f"picked {_letter(row['strict_pick'])}"
        elif mentioned:
            strict = "names several: " + " ".join(_letter(i) for i in mentioned)
        else:
            strict = "names no option"
        strict = ("right" if row["strict_correct"] else "wrong") + f"<br>{strict}"
        task = row["task_type"]
        body.append(
            f'<tr><td title="{escape(TASK_NAMES.get(task, task))}">{escape(task)}</td>'
            f"<td>{escape(row['question'])}<ol style='list-style:none;padding-left:0;margin:4px 0'>{listed}</ol></td>"
            f"<td><code>{escape(row['output'])}</code></td>"
            f'<td class="{"ok" if row["official_correct"] else "bad"}">{official}</td>'
            f'<td class="{"ok" if row["strict_correct"] else "bad"}">{strict}</td></tr>'
        )
    body.append("</table>")
    return _wrap("".join(body), "questions-view")


def task_summary_html(summary: Mapping[str, Mapping[str, Any]]) -> str:
    """Per-task table from :func:`favor_hf.app.clip_run.task_summary`: questions, right answers, accuracy per judge."""
    official, strict = summary["official"], summary["strict"]
    body = ["<table><tr><th>Task</th><th>Questions</th><th>Official judge</th><th>Strict judge</th></tr>"]
    for task in ("ALL", *(k for k in official["counts"] if k != "ALL")):
        name = "All tasks" if task == "ALL" else f"{task}: {TASK_NAMES.get(task, task)}"
        total = official["counts"][task]
        cells = "".join(
            f'<td class="{"ok" if judged["correct"][task] == total else "bad" if judged["correct"][task] == 0 else ""}">'
            f"{judged['correct'][task]} / {total} ({judged[task]:.0f}%)</td>"
            for judged in (official, strict)
        )
        body.append(f"<tr><td>{escape(name)}</td><td>{total}</td>{cells}</tr>")
    body.append("</table>")
    return _wrap("".join(body), "questions-summary")


def scores_html(scores: Mapping[str, Any], model_name: str) -> str:
    """The final score large, then the 12 component scores in three groups with bars, then
    the score signature (what decides the numbers)."""
    groups = (("Camera motion", "camera"), ("Subject actions", "subject"), ("Chronology", "chrono"))
    boxes = []
    for title, prefix in groups:
        lines = []
        for key in (k for k in CAPTION_SCORE_KEYS if k.startswith(prefix + "_")):
            value = float(scores[key])
            label = key[len(prefix) + 1 : -len("_score")].replace("_", " ")
            lines.append(
                f'<div>{escape(label)} <b class="sim" data-key="{key}">{value:.3f}</b>'
                f'<div class="bar"><div style="width:{max(0.0, min(1.0, value)) * 100:.0f}%"></div></div></div>'
            )
        boxes.append(f'<div class="score-box"><h4>{title}</h4>{"".join(lines)}</div>')
    final = float(scores["final_score"])
    return _wrap(
        f'<div>final_score <span class="final" data-key="final_score">{final:.3f}</span> '
        f'<span class="muted">embeddings: {escape(model_name)}</span></div>'
        f'<div class="score-grid">{"".join(boxes)}</div>'
        f'<div class="muted score-signature">signature: {escape(str(scores.get("signature", "")))}</div>'
        + _motion_line(scores),
        "caption-scores",
    )


def _motion_line(scores: Mapping[str, Any]) -> str:
    """The motion-aware companion score and its parts under the official ones, labelled as not official."""
    if "motion_signature" not in scores:
        return ""
    parts = " · ".join(
        f"{escape(key.removeprefix('motion_').removesuffix('_score').replace('_', ' '))} "
        f'<span class="sim" data-motion-key="{key}">{float(scores[key]):.3f}</span>'
        for key in MOTION_SCORE_KEYS[:-1]
    )
    return (
        f'<div>motion-aware companion (not official) <b class="sim" data-motion-key="motion_score">'
        f"{float(scores['motion_score']):.3f}</b> "
        f'<span class="muted">{escape(str(scores["motion_signature"]))}</span></div>'
        f'<div class="muted">{parts}</div>'
    )


def _subject_tag(subjects: Sequence[Any] | None, index: int) -> str:
    if subjects is None or index >= len(subjects) or subjects[index] is None:
        return ""
    return f' <span class="muted">(S{escape(str(subjects[index]))})</span>'


def _pairs_table(
    part: Mapping[str, Any],
    left: str,
    right: str,
    reference_subjects: Sequence[Any] | None = None,
    predicted_subjects: Sequence[Any] | None = None,
) -> str:
    """Rows of ground-truth items next to predicted ones: matched pairs, missed, invented.

    One row per matched pair: a ground-truth item matched by several predicted ones has
    a row for each. ``*_subjects`` give the subject of each item (chronology), shown as ``(S1)``.
    """
    by_reference: dict[int, list[Mapping[str, Any]]] = {}
    for pair in part.get("matched", []):
        by_reference.setdefault(pair["reference_index"], []).append(pair)
    missed = {item["index"]: item for item in part.get("missed", [])}
    rows = []
    for index in sorted(set(by_reference) | set(missed)):
        gt_tag = _subject_tag(reference_subjects, index)
        for pair in by_reference.get(index, []):
            pred_tag = (
                _subject_tag(predicted_subjects, pair["predicted_indices"][0]) if pair["predicted_indices"] else ""
            )
            css, tag = ("contradiction", pair["contradiction"]) if pair.get("contradiction") else ("matched", "matched")
            rows.append(
                f'<tr class="{css}"><td>{escape(_clean(pair["reference"]))}{gt_tag}</td>'
                f'<td><span class="tag {css}">{escape(tag)}</span> <span class="sim">{pair["similarity"]:.2f}</span></td>'
                f"<td>{escape(_clean(pair['predicted']))}{pred_tag}</td></tr>"
            )
        if index in missed:
            rows.append(
                f'<tr class="missed"><td>{escape(_clean(missed[index]["text"]))}{gt_tag}</td>'
                '<td><span class="tag missed">missed</span></td><td></td></tr>'
            )
    for item in part.get("invented", []):
        rows.append(
            f'<tr class="invented"><td></td><td><span class="tag invented">invented</span></td>'
            f"<td>{escape(_clean(item['text']))}{_subject_tag(predicted_subjects, item['index'])}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="3" class="muted">nothing on either side</td></tr>')
    return (
        f'<table><colgroup><col style="width:43%"><col style="width:14%"><col style="width:43%"></colgroup>'
        f"<tr><th>{left}</th><th></th><th>{right}</th></tr>{''.join(rows)}</table>"
    )


def _counts(part: Mapping[str, Any]) -> tuple[int, int, int]:
    """Ground-truth items matched (each counted once, however many predicted items match it), missed, invented."""
    matched = len({pair["reference_index"] for pair in part.get("matched", [])})
    return matched, len(part.get("missed", [])), len(part.get("invented", []))


def _by_pairs(pairs: int, matched: int, noun: str) -> str:
    """A note when more caption items than ground-truth items take part in matches (a table row per pair)."""
    return f" (by {pairs} caption {noun})" if pairs > matched else ""


def verdict_html(alignment: Mapping[str, Any]) -> str:
    """One line per part: how many ground-truth items were matched, missed or invented."""
    lines = []
    camera = alignment["camera"]
    if not camera.get("no_reference_camera_motion"):
        matched, missed, invented = _counts(camera)
        sims = ", ".join(f"{pair['similarity']:.2f}" for pair in camera.get("matched", []))
        lines.append(
            f"Camera: {matched} of {matched + missed} segments matched{_by_pairs(len(camera.get('matched', [])), matched, 'segments')}"
            + (f" (similarity {sims})" if sims else "")
            + f", {invented} invented"
        )
    subjects = alignment["subjects"]
    found = len(subjects.get("mapping", []))
    total = len(subjects.get("reference", []))
    per_subject = subjects.get("actions", [])
    counts = [_counts(entry) for entry in per_subject]
    matched, missed, invented = (sum(count[k] for count in counts) for k in range(3))
    pairs = sum(len(entry.get("matched", [])) for entry in per_subject)
    lost = sum(
        len(e["actions"]) for e in subjects.get("reference", []) if e["id"] in subjects.get("unmatched_reference", [])
    )
    lines.append(
        f"Subjects: {found} of {total} found; their actions: {matched} matched{_by_pairs(pairs, matched, 'actions')}, "
        f"{missed} missed, {invented} invented" + (f"; {lost} action(s) of unfound subjects missed" if lost else "")
    )
    chronology = alignment["chronology"]
    matched, missed, invented = _counts(chronology)
    pairs = len(chronology.get("matched", []))
    lines.append(
        f"Chronology: {matched} of {matched + missed} actions matched{_by_pairs(pairs, matched, 'actions')}, {invented} invented"
    )
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _scores_line(values: Mapping[str, float]) -> str:
    return " · ".join(
        f"{name} {values[key]:.2f}"
        for name, key in (("F1", "f1"), ("precision", "precision"), ("recall", "recall"), ("order", "order"))
    )


def _camera_section(camera: Mapping[str, Any]) -> str:
    if camera.get("no_reference_camera_motion"):
        note = '<p class="muted">The ground truth has no camera motion: the camera scores are 1 by rule.</p>'
        return f"<h4>Camera motion</h4>{note}"
    return "<h4>Camera motion segments</h4>" + _pairs_table(camera, "Ground truth", "Caption")


def _subject_name(entries: Sequence[Mapping[str, Any]], subject_id: Any) -> str:
    for entry in entries:
        if entry["id"] == subject_id:
            return f"Subject {subject_id}: {entry['description']}"
    return f"Subject {subject_id}"


def _subjects_section(subjects: Mapping[str, Any]) -> str:
    predicted, reference = subjects.get("predicted", []), subjects.get("reference", [])
    parts = ["<h4>Subjects and their actions</h4>"]
    for entry in subjects.get("actions", []):
        gt = _subject_name(reference, entry["reference_subject"])
        pred = _subject_name(predicted, entry["predicted_subject"])
        similarity = next(
            (m["similarity"] for m in subjects.get("mapping", []) if m["reference"] == entry["reference_subject"]), None
        )
        sim = "" if similarity is None else f' <span class="sim">(subject similarity {similarity:.2f})</span>'
        parts.append(
            f"<p><b>{escape(gt)}</b> ↔ <b>{escape(pred)}</b>{sim}<br>"
            f'<span class="muted">{_scores_line(entry)}, weight {entry["weight"]}</span></p>'
        )
        parts.append(_pairs_table(entry, "Ground-truth actions", "Caption actions"))
    unmatched = (
        ("unmatched_reference", reference, "missed", "missed subject"),
        ("unmatched_predicted", predicted, "invented", "unmatched subject"),
    )
    for key, entries, css, tag in unmatched:
        for subject_id in subjects.get(key, []):
            entry = next(e for e in entries if e["id"] == subject_id)
            actions = "; ".join(escape(_clean(a)) for a in entry["actions"]) or "no actions"
            parts.append(
                f'<p class="{css}"><span class="tag {css}">{tag}</span> '
                f"{escape(_subject_name(entries, subject_id))}: {actions}</p>"
            )
    if len(parts) == 1:
        parts.append('<p class="muted">No subject with actions on either side.</p>')
    return "".join(parts)


def _chronology_section(chronology: Mapping[str, Any]) -> str:
    rate = chronology.get("subject_match_rate")
    note = (
        "" if rate is None else f'<p class="muted">matched actions done by the matching subject: {100 * rate:.0f}%</p>'
    )
    reference = [entry["subject"] for entry in chronology.get("reference", [])]
    predicted = [entry["subject"] for entry in chronology.get("predicted", [])]
    table = _pairs_table(chronology, "Ground truth", "Caption", reference, predicted)
    return "<h4>Chronological order of all actions</h4>" + note + table


def extraction_html(extraction: Mapping[str, Any]) -> str:
    """What step 1 read from the caption, as a collapsible block."""
    rows = "".join(f"<tr><th>{escape(key)}</th><td>{escape(str(value))}</td></tr>" for key, value in extraction.items())
    return f"<details><summary>What the extractor read from the caption</summary><table>{rows}</table></details>"


def _mark_contradictions(
    alignment: Mapping[str, Any], contradictions: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any]:
    """A copy of ``alignment`` whose contradicted matched pairs carry ``contradiction`` (the axis, or "negation")."""
    from favor_hf.caption.analysis.motion import matched_pairs

    labels = {(c["part"], c["predicted"], c["reference"]): c.get("axis") or c["kind"] for c in contradictions}
    marked = copy.deepcopy(dict(alignment))
    for part, pair in matched_pairs(marked):
        label = labels.get((part, pair["predicted"], pair["reference"]))
        if label and isinstance(pair, dict):  # the deep copy's pairs are dicts
            pair["contradiction"] = f"contradiction: {label}"
    return marked


def alignment_html(
    alignment: Mapping[str, Any],
    extraction: Mapping[str, Any] | None = None,
    contradictions: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """Ground truth next to the caption for camera motion, each subject's actions and the chronology;
    ``contradictions`` (a video's ``motion_contradictions``) are shown as such, not as matches."""
    if "error" in alignment:
        return _wrap(f'<p class="bad">{escape(alignment["error"])}</p>', "alignment-view")
    verdict = verdict_html(alignment)
    if contradictions is not None:
        alignment = _mark_contradictions(alignment, contradictions)
        verdict += (
            f'<p class="{"contradiction" if contradictions else "muted"}">Contradicted pairs (motion-aware companion, '
            f"not official): {len(contradictions)}</p>"
        )
    body = [
        verdict,
        LEGEND,
        _camera_section(alignment["camera"]),
        _subjects_section(alignment["subjects"]),
        _chronology_section(alignment["chronology"]),
    ]
    if extraction:
        body.append(extraction_html(extraction))
    return _wrap("".join(body), "alignment-view")


def message_html(text: str, elem_id: str, kind: str = "bad") -> str:
    """A short message in place of a view (``kind``: ``bad`` or ``muted``)."""
    return _wrap(f'<p class="{kind}">{escape(text)}</p>', elem_id)


def parse_warnings_html(warnings: Sequence[str]) -> str:
    """The ground-truth fields the score could not read (empty when it read them all)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return _wrap(
        f"<h4>The ground truth did not parse cleanly; the score reads it as below</h4><ul>{items}</ul>",
        "parse-warnings",
    )
