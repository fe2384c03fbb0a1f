"""The ``datasets.Features`` of every FAVOR config, defined once.

The builder, the Parquet export, the dataset card and the metrics all import these.

- ``mcq``: one row per question (split ``test``).
- ``videos``: one row per FAVOR-Bench video: raw annotation strings plus their parsed
  structures from :mod:`favor_hf.annotations` (split ``test``).
- ``train``: FAVOR-Train, the same video-level schema plus ``conversation`` and ``video_source``
  (split ``train``).

``video`` is a :class:`datasets.Video` with ``decode=False``: each value is
``{"path": ..., "bytes": None}`` (or ``None`` when the clip is absent), so no torchcodec or
system FFmpeg is needed to load the data; decode with :func:`favor_hf.video.sample_frames`.
"""

from __future__ import annotations

from typing import Any

from datasets import ClassLabel, Features, Value, Video

from favor_hf.schema import ANNOTATION_FIELDS, TASK_CODES

try:
    from datasets import List
except ImportError:  # datasets < 4 (the legacy loading script): a one-item list means "list of"

    def List(feature: Any) -> list[Any]:
        return [feature]


VIDEO = Video(decode=False)
TASK_TYPE = ClassLabel(names=list(TASK_CODES))
STRING = Value("string")

MCQ = Features(
    {
        "question_key": STRING,
        "video_name": STRING,
        "video": VIDEO,
        "question": STRING,
        "options": List(STRING),
        "correct_answer": STRING,
        "answer_index": Value("int32"),
        "task_type": TASK_TYPE,
    }
)

PARSED_ANNOTATIONS = {
    "subjects": List({"label": STRING, "name": STRING, "attributes": List(STRING)}),
    "subject_actions": List({"label": STRING, "name": STRING, "actions": List(STRING)}),
    "chronological_actions": List({"action": STRING, "subject": STRING}),
    "camera_segments": List(STRING),
    "parse_warnings": List(STRING),
}
"""Columns filled by :func:`favor_hf.annotations.parse_annotations` (``ParsedAnnotations.to_dict``)."""

VIDEOS = Features(
    {
        "video_name": STRING,
        "video": VIDEO,
        **{name: STRING for name in ANNOTATION_FIELDS},
        **PARSED_ANNOTATIONS,
    }
)

TRAIN = Features(
    {
        **VIDEOS,
        "conversation": List({"role": STRING, "content": STRING}),
        "video_source": STRING,
    }
)
"""``videos`` plus the raw SFT turns (``[]`` unless the file is ShareGPT) and the clip as written there."""

FEATURES: dict[str, Features] = {"mcq": MCQ, "videos": VIDEOS, "train": TRAIN}
"""Features per config name."""

SPLITS: dict[str, str] = {"mcq": "test", "videos": "test", "train": "train"}
"""The one split of each config."""

CONFIG_DESCRIPTIONS: dict[str, str] = {
    "mcq": "FAVOR-Bench close-ended task: one row per multiple-choice question (8,184 in six tasks).",
    "videos": "FAVOR-Bench videos: one row per video with its annotations, raw and parsed (1,776 videos).",
    "train": "FAVOR-Train: one row per training video with the same video-level annotations.",
}
