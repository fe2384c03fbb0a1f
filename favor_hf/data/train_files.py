"""Load a FAVOR-Train file in any accepted layout into ``train`` records.

Layouts: LLaMA-Factory's ShareGPT video format (see :mod:`favor_hf.data.sharegpt`), a JSON
object keyed by video id (like ``FAVOR_gt_annotations.json``), a JSON list, or JSON Lines of
objects with ``video_name`` and the annotation fields. Clips are looked up under
``DIR/videos/FAVOR-Train/`` (``DIR``: ``data_dir``, else the file's folder); ShareGPT paths are
first taken relative to ``DIR``.

Example:
    >>> import json, pathlib, shutil
    >>> pathlib.Path("FAVOR/videos/FAVOR-Train").mkdir(parents=True)
    >>> _ = shutil.copy("clip.mp4", "FAVOR/videos/FAVOR-Train/walk.mp4")
    >>> turns = [{"role": "user", "content": "<video>Describe the motion."},
    ...          {"role": "assistant", "content": "A man walks in and sits down."}]
    >>> _ = pathlib.Path("FAVOR/favor_train.json").write_text(json.dumps([{"messages": turns, "videos": ["walk.mp4"]}]))
    >>> records = load_train_records("FAVOR/favor_train.json")  # ShareGPT, as LLaMA-Factory reads it
    >>> records[0]["video_name"], records[0]["caption"], records[0]["conversation"][0]["role"]
    ('walk', 'A man walks in and sits down.', 'user')
    >>> records[0]["video_path"]
    '.../FAVOR/videos/FAVOR-Train/walk.mp4'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from favor_hf.data.favor_json import (
    TRAIN_VIDEO_SUBDIR,
    LoadReport,
    attach_videos,
    parse_annotation_data,
    read_json,
)
from favor_hf.data.sharegpt import is_sharegpt, parse_sharegpt_records


def load_train_records(
    path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None, report: LoadReport | None = None
) -> list[dict[str, Any]]:
    """Read, validate and map a FAVOR-Train file; each record gets ``video_path``,
    ``conversation`` (ShareGPT turns, else ``[]``) and ``video_source`` (else ``None``).

    Raises:
        DataError: malformed JSON, an unknown layout, or a malformed record (file, record, field named).
    """
    path = Path(path)
    own_report = report is None
    report = report or LoadReport()
    base = Path(data_dir) if data_dir is not None else path.parent
    data = read_json(path)
    if is_sharegpt(data):
        records = parse_sharegpt_records(data, path, base, report)
    else:
        records = attach_videos(parse_annotation_data(data, path, report), base, TRAIN_VIDEO_SUBDIR)
        for record in records:
            record.update(conversation=[], video_source=None)
    report.num_videos += len(records)
    if own_report:
        report.emit()
    return records
