"""Turn checked FAVOR records into rows of the ``mcq``, ``videos`` and ``train`` configs.

Shared by the builder (absolute video paths) and the Parquet export (paths relative to the
exported repo); ``video_ref`` maps a record to the value of the ``video`` column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tqdm.auto import tqdm

from favor_hf.annotations import parse_annotations
from favor_hf.data.favor_json import iter_mcq_items
from favor_hf.schema import ANNOTATION_FIELDS

VideoRef = Callable[[dict[str, Any]], "str | None"]


def absolute_video(record: dict[str, Any]) -> str | None:
    """The record's own ``video_path`` (absolute, or ``None`` when the clip is absent)."""
    return record.get("video_path")


def mcq_rows(
    records: Iterable[dict[str, Any]], video_ref: VideoRef = absolute_video
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(question_key, row)`` per question, in file order."""
    for item in iter_mcq_items(records):
        row = {key: item[key] for key in ("question_key", "video_name", "question", "options", "correct_answer")}
        row["video"] = video_ref(item)
        row["answer_index"] = item["answer_index"]
        row["task_type"] = item["task_type"]
        yield item["question_key"], row


def video_rows(
    records: Iterable[dict[str, Any]], video_ref: VideoRef = absolute_video, desc: str = "parsing annotations"
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(video_name, row)`` per video: raw annotation strings plus their parsed structures."""
    for record in tqdm(list(records), desc=desc, unit="video", leave=False):
        row = {"video_name": record["video_name"], "video": video_ref(record)}
        row.update({name: record[name] for name in ANNOTATION_FIELDS})
        row.update(parse_annotations(record).to_dict())
        yield record["video_name"], row


def train_rows(
    records: Iterable[dict[str, Any]], video_ref: VideoRef = absolute_video
) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`video_rows` plus the ``train`` columns ``conversation`` and ``video_source``."""
    records = list(records)
    for record, (name, row) in zip(records, video_rows(records, video_ref)):
        row["conversation"] = record.get("conversation", [])
        row["video_source"] = record.get("video_source")
        yield name, row
