"""What ``favor-hf report`` and its analyses read: results files of one run, and subset files.

:func:`load_final_records` reads the final line of each item of a results file in any format
:func:`favor_hf.integrations.load_results` knows (favor-hf, lmms-eval, VLMEvalKit, upstream),
checked to be one run; :func:`load_subsets` reads a video -> subset mapping. Both raise
:class:`ReportError`, whose message names the file, line and field. Scoring and pairing the
runs is :mod:`favor_hf.report`'s; this module sits below it so that the analyses of a run
(:mod:`favor_hf.caption.analysis.llm_judge`) can read results files without importing the report.

Example:
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.models import load_adapter
    >>> from favor_hf.runner import run_benchmark
    >>> _ = run_benchmark(load_adapter("random:0"), load_video_records("synth"), "mcq", "random.jsonl", progress=False)
    >>> records = load_final_records("random.jsonl")
    >>> len(records), records[0]["model"]
    (21, 'random:0')
    >>> _ = Path("subsets.csv").write_text("video,subset\\nsynth0000.mp4,indoor\\nsynth0001,outdoor\\n")
    >>> load_subsets("subsets.csv")
    {'synth0000': 'indoor', 'synth0001': 'outdoor'}
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from favor_hf.integrations import detect_format, load_results
from favor_hf.results import ResultsError


class ReportError(ValueError):
    """A results or subset file cannot be used; the message names the file, line and field."""


def load_final_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The final line of each item of a results file, checked to be one run: a favor-hf file,
    or any format :func:`favor_hf.integrations.load_results` reads (lmms-eval, VLMEvalKit).

    Raises:
        ReportError: unreadable, mixed runs, or lines without ``task``.
    """
    try:
        fmt = detect_format(path)
    except ValueError:
        fmt = "favor"  # no other toolkit's file: read it as favor-hf's, whose errors say what is wrong
    try:
        records = load_results(path, fmt=fmt)
    except (ResultsError, ValueError) as err:
        raise ReportError(str(err)) from err
    for record in records:
        for key in ("task", "model", "video"):
            if key not in record:
                raise ReportError(f"{path}: a line has no {key!r} field; is it a `favor-hf run` results file?")
    return records


def load_subsets(path: str | os.PathLike[str]) -> dict[str, str]:
    """A video -> subset mapping: a JSON object ``{video: subset}``, or a CSV with columns ``video,subset``.

    Video names are accepted with or without ``.mp4``.

    Raises:
        ReportError: another layout, or a value that is not a string.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReportError(f"{path}: cannot read the subset file ({err})") from err
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or not {"video", "subset"} <= set(rows[0]):
            raise ReportError(f"{path}: a subset CSV needs a header with the columns video,subset")
        pairs = [(row["video"], row["subset"]) for row in rows]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ReportError(f"{path}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected a JSON object {{video: subset}} (or a CSV with columns video,subset)")
        pairs = list(data.items())
    mapping = {}
    for video, subset in pairs:
        if not isinstance(subset, str) or not subset.strip():
            raise ReportError(f"{path}: video {video!r}: subset {subset!r} is not a non-empty string")
        mapping[str(video).strip().removesuffix(".mp4")] = subset.strip()
    return mapping
