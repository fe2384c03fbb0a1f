"""Task codes, names and official question counts of FAVOR-Bench.

``datasets.Features`` for each config live in :mod:`favor_hf.data.features`.
"""

from __future__ import annotations

TASK_NAMES: dict[str, str] = {
    "AS": "Action Sequence",
    "HAC": "Holistic Action Classification",
    "SAD": "Single Action Detail",
    "MAD": "Multiple Action Details",
    "CM": "Camera Motion",
    "NSM": "Non-Subject Motion",
}
"""The six MCQ task codes, in the order of the paper's tables, with their full names."""

TASK_CODES: tuple[str, ...] = tuple(TASK_NAMES)

MCQ_KEYS: tuple[str, ...] = ("ALL", *TASK_CODES)
"""Keys of per-task MCQ results (accuracies, counts, intervals, table rows), ``ALL`` first."""

MCQ_JUDGES: tuple[str, ...] = ("official", "strict")
"""MCQ judges: the upstream substring rule, and one committed option parsed from the output."""

CAPTION_JUDGE_TASK = "caption-judge"
"""``task`` of the lines of an LLM caption-judge file (:mod:`favor_hf.caption.analysis.llm_judge`),
which ``favor-hf report`` joins to the caption run it judged."""

OFFICIAL_COUNTS: dict[str, int] = {
    "ALL": 8184,
    "AS": 2637,
    "HAC": 1541,
    "SAD": 1662,
    "MAD": 1205,
    "CM": 1075,
    "NSM": 64,
}
"""Questions per task in the official benchmark (``ALL`` is their sum)."""

NUM_VIDEOS = 1776
NUM_TRAIN_VIDEOS = 17152

ANNOTATION_FIELDS: tuple[str, ...] = (
    "caption",
    "camera_motion",
    "num_subjects",
    "subject_attributes",
    "motion_list",
    "chronological_motion_list",
)
"""The six raw annotation strings every FAVOR video record carries."""

CAPTION_SCORE_KEYS: tuple[str, ...] = (
    "camera_motion_score",
    "camera_precision_score",
    "camera_recall_score",
    "camera_order_score",
    "subject_action_score",
    "subject_precision_score",
    "subject_recall_score",
    "subject_order_score",
    "chrono_match_score",
    "chrono_precision_score",
    "chrono_recall_score",
    "chrono_order_score",
    "final_score",
)
"""The 13 scores of the LLM-free caption metric, with the official key names."""

CITATION = """@misc{tu2025favor,
  title={FAVOR-Bench: A Comprehensive Benchmark for Fine-Grained Video Motion Understanding},
  author={Chongjun Tu and Lin Zhang and Pengtao Chen and Peng Ye and Xianfang Zeng and Wei Cheng and Gang Yu and Tao Chen},
  year={2025},
  eprint={2503.14935},
  archivePrefix={arXiv},
  primaryClass={cs.CV}
}"""

MOTION_SCORE_KEYS: tuple[str, ...] = (
    "motion_camera_score",
    "motion_subject_precision_score",
    "motion_subject_recall_score",
    "motion_subject_order_score",
    "motion_chrono_precision_score",
    "motion_chrono_recall_score",
    "motion_chrono_order_score",
    "motion_score",
)
"""The companion's scores: the seven parts of ``final_score`` with contradictions dropped, and their weighted sum."""
