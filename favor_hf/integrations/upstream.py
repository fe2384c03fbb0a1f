"""The official FAVOR-Bench script's results, ``output_qa/*.jsonl``, as favor-hf results lines.

Upstream lines (read by :func:`favor_hf.mcq.read_upstream_results`) hold each video's
answers in question order but not the options, which both judges need; the options come
from the data directory's records, matched by video and position and checked against the
stored ``correct_answer``.

Example:
    >>> from favor_hf.data.records import load_video_records  # doctest: +SKIP
    >>> records = read_upstream("output_qa/Model.jsonl", load_video_records("FAVOR"))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from favor_hf.integrations.records import imported_record
from favor_hf.mcq import read_upstream_results


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
    records = []
    for video, entries in read_upstream_results(path):
        name = video.removesuffix(".mp4")
        known = questions.get(name)
        if known is None or len(known) < len(entries):
            raise ValueError(f"{path}: video {video!r}: {len(entries)} answers but the data directory has "
                             f"{len(known or [])} questions for it; pass the --data-dir the run used")
        for position, (entry, q) in enumerate(zip(entries, known)):
            if entry["correct_answer"] != q["correct_answer"]:
                raise ValueError(f"{path}: video {video!r} entry {position}: field 'correct_answer' "
                                 f"{entry['correct_answer']!r} differs from the data directory's {q['correct_answer']!r}")
            reference = {"correct_answer": q["correct_answer"], "options": q["options"], "task_type": q["task_type"]}
            records.append(imported_record(q["question_key"], name, entry["output"], reference,
                                           model=model or path.stem, sampling="upstream", source=source))
    return records
