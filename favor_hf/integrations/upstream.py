"""The official FAVOR-Bench script's results, ``output_qa/*.jsonl``: read, scored, converted.

Each line is ``{video: [{task_type, correct_answer, output, judge}, ...]}`` with the video's
answers in question order but not the options, which both judges need.
:func:`score_upstream_results` scores the stored judgements (checked as far as they can be) or
re-judges with the questions; :func:`read_upstream` turns the file into favor-hf results lines,
the options coming from the data directory's records, matched by video and position and
checked against the stored ``correct_answer``.

Example:
    >>> import json, pathlib
    >>> from favor_hf.data.favor_json import load_video_records
    >>> videos = load_video_records("synth")
    >>> lines = [{v["video_name"]: [{"task_type": q["task_type"], "correct_answer": q["correct_answer"],
    ...                              "output": q["options"][0], "judge": q["options"][0] == q["correct_answer"]}
    ...                             for q in v["questions"]]} for v in videos]  # as inference_qa_qwen.py writes them
    >>> _ = pathlib.Path("Model.jsonl").write_text("".join(json.dumps(line) + "\\n" for line in lines))
    >>> records = read_upstream("Model.jsonl", videos)
    >>> len(records), records[0]["id"], records[0]["reference"]["options"] == videos[0]["questions"][0]["options"]
    (21, 'synth0000_1', True)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from favor_hf.integrations.imported_lines import imported_record, json_lines
from favor_hf.mcq import judge_official, mcq_accuracy, summarize


def read_upstream(
    path: str | os.PathLike[str], video_records: Sequence[dict[str, Any]], model: str | None = None
) -> list[dict[str, Any]]:
    """favor-hf results lines for an upstream results file, with the options of ``video_records``.

    Raises:
        ValueError: a video is not in the records, has fewer questions than answers, or a
            stored ``correct_answer`` differs from the records' (another benchmark version).
    """
    path = Path(path)
    questions = {r["video_name"]: r["questions"] for r in video_records}
    source = {"format": "upstream", "file": str(path)}
    return [
        imported_record(
            q["question_key"],
            name,
            entry["output"],
            {"correct_answer": q["correct_answer"], "options": q["options"], "task_type": q["task_type"]},
            model=model or path.stem,
            sampling="upstream",
            source=source,
        )
        for name, entry, q in _answered_questions(path, read_upstream_results(path), questions)
    ]


def read_upstream_results(path: str | os.PathLike[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(video, entries)`` per line of an upstream ``output_qa/*.jsonl`` file, in file order.

    Each line is ``{video: [{task_type, correct_answer, output, judge}, ...]}``, the entries in
    the order of that video's questions. Raises ``ValueError`` naming the file, line and field.
    """
    path = Path(path)
    rows: list[tuple[str, list[dict[str, Any]]]] = []
    for number, item in json_lines(path, "upstream results file"):
        if not isinstance(item, dict) or len(item) != 1 or not isinstance(next(iter(item.values())), list):
            raise ValueError(f"{path}:{number}: expected {{video: [entries]}} with one video per line")
        video, entries = next(iter(item.items()))
        for k, entry in enumerate(entries):
            missing = [
                f
                for f in ("task_type", "correct_answer", "output", "judge")
                if not isinstance(entry, dict) or f not in entry
            ]
            if missing:
                raise ValueError(f"{path}:{number}: video {video!r} entry {k}: missing field(s) {', '.join(missing)}")
        rows.append((video, entries))
    return rows


def _answered_questions(
    path: str | os.PathLike[str],
    rows: Sequence[tuple[str, list[dict[str, Any]]]],
    questions: Mapping[str, Sequence[Mapping[str, Any]]],
) -> list[tuple[str, dict[str, Any], Mapping[str, Any]]]:
    """``(video stem, entry, question)`` per answer of ``rows``: the video's questions looked up with
    and without ``.mp4``, matched by position, the stored ``correct_answer`` checked against the question's.

    Raises:
        ValueError: a video is not in ``questions``, has fewer questions than answers, or a stored
            ``correct_answer`` differs (another benchmark version); names the file, video and entry.
    """
    from favor_hf.data.favor_json import video_stem

    by_stem = {video_stem(name): listed for name, listed in questions.items()}  # "X" and "X.mp4" are one video
    answered = []
    for video, entries in rows:
        known = by_stem.get(video_stem(video))
        if known is None:
            raise ValueError(
                f"{path}: video {video!r} is not in the question file (looked up with and without .mp4); "
                "pass the --data-dir the run used"
            )
        if len(known) < len(entries):
            raise ValueError(
                f"{path}: video {video!r}: {len(entries)} answers but the question file has {len(known)} "
                "questions; pass the --data-dir the run used"
            )
        for index, (entry, q) in enumerate(zip(entries, known)):
            if q["correct_answer"] != entry["correct_answer"]:
                raise ValueError(
                    f"{path}: video {video!r} entry {index}: field 'correct_answer' {entry['correct_answer']!r} differs "
                    f"from the question file's {q['correct_answer']!r}; is it the same benchmark version?"
                )
            answered.append((video_stem(video), entry, q))
    return answered


def score_upstream_results(
    path: str | os.PathLike[str],
    questions: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    judge: str = "official",
    full_counts: bool = False,
) -> dict[str, Any]:
    """Score an upstream results file, re-judging when the questions (with options) are known.

    Upstream lines keep ``correct_answer`` and ``output`` but not the options, so on their own
    only the first half of the official rule (the answer's text occurs in the output) can be
    recomputed. Without ``questions`` the scores use the stored ``judge`` (and there is no
    ``hedged`` count); ``checks["stored_true_without_answer_text"]`` counts stored ``True``
    judgements that fail that half, which the official rule never produces. With
    ``questions`` (``{video_name: [question dicts with options]}`` from ``video_perspective.json``)
    every output is re-judged with ``judge`` and ``checks["official_disagrees_with_stored"]``
    counts where the official rule and the file differ. Like upstream ``analyze_qa``, every
    line counts, so ``checks["duplicate_videos"]`` reports videos written more than once.
    """
    rows = read_upstream_results(path)
    entries = [entry for _, listed in rows for entry in listed]
    stored = [bool(entry["judge"]) for entry in entries]
    tasks = [entry["task_type"] for entry in entries]
    checks: dict[str, Any] = {"questions": len(entries), "duplicate_videos": len(rows) - len({v for v, _ in rows})}
    if questions is None:
        checks["judge"] = "stored"
        checks["stored_true_without_answer_text"] = sum(
            ok and str(e["correct_answer"]).lower() not in str(e["output"] or "").lower()
            for ok, e in zip(stored, entries)
        )
        result = summarize(stored, tasks, full_counts=full_counts)
        del result["hedged"]
        return {**result, "checks": checks}
    references = [
        {"correct_answer": q["correct_answer"], "options": q["options"], "task_type": entry["task_type"]}
        for _, entry, q in _answered_questions(path, rows, questions)
    ]
    outputs = [entry["output"] for entry in entries]
    result = mcq_accuracy(outputs, references, judge=judge, full_counts=full_counts)
    official = [judge_official(o, r["correct_answer"], r["options"]) for o, r in zip(outputs, references)]
    checks["judge"] = judge
    checks["official_disagrees_with_stored"] = sum(a != b for a, b in zip(official, stored))
    return {**result, "checks": checks}
