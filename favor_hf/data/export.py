"""Export FAVOR data as a Hub-ready dataset repository of typed Parquet files.

Layout written under ``out``::

    README.md                                   dataset card (configs, dataset_info, citation)
    data/mcq/test-00000-of-00001.parquet        one row per question
    data/videos/test-00000-of-00001.parquet     one row per FAVOR-Bench video
    data/train/train-00000-of-00001.parquet     FAVOR-Train, when a train file is given
    videos/FAVOR-Bench/<video_name>.mp4         clips (hard links, else copies)
    videos/FAVOR-Train/<video_name>.mp4

Parquet rows reference clips by path relative to ``out``; ``load_dataset(out, "mcq")`` returns
exactly :data:`favor_hf.data.features.MCQ`.

Example:
    >>> result = export_dataset("favor-bench", data_dir="synth")  # four clips of `favor-hf synth`
    >>> print(result.summary())
    wrote favor-bench
      mcq/test: 21 rows (data/mcq/test-*.parquet)
      videos/test: 4 rows (data/videos/test-*.parquet)
      videos placed: 4
      missing videos (mcq): 0
      missing videos (videos): 0
      videos: 0 videos with parse_warnings (text kept; see the parse_warnings column)
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from favor_hf.data.builder import ANNOTATIONS_FILE
from favor_hf.data.card import SplitFiles, render_card
from favor_hf.data.favor_json import (
    TRAIN_VIDEO_SUBDIR,
    VIDEO_PERSPECTIVE,
    VIDEO_SUBDIR,
    DataError,
    LoadReport,
    attach_videos,
    load_annotation_records,
    load_video_records,
    names_without_video,
)
from favor_hf.data.features import FEATURES, SPLITS
from favor_hf.data.rows import mcq_rows, train_rows, video_rows
from favor_hf.data.train_files import load_train_records
from favor_hf.video import VideoError, probe

MANAGED = ("README.md", "data", "videos")
"""What an export owns inside ``out`` (replaced by ``overwrite=True``)."""


@dataclass
class ExportResult:
    """What was written: rows per config, clips placed, clips missing, load irregularities."""

    out: Path
    splits: list[SplitFiles] = field(default_factory=list)
    videos_written: int = 0
    missing_videos: dict[str, list[str]] = field(default_factory=dict)
    report: LoadReport = field(default_factory=LoadReport)
    irregular: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Human-readable lines for the command line."""
        lines = [f"wrote {self.out}"]
        lines += [f"  {s.config}/{s.split}: {s.num_examples:,} rows ({s.pattern})" for s in self.splits]
        lines.append(f"  videos placed: {self.videos_written:,}")
        for config, names in self.missing_videos.items():
            shown = f" (e.g. {', '.join(names[:3])}); their rows have video = None" if names else ""
            lines.append(f"  missing videos ({config}): {len(names):,}{shown}")
        for config, n in self.irregular.items():
            lines.append(f"  {config}: {n:,} videos with parse_warnings (text kept; see the parse_warnings column)")
        if self.report.counts:
            lines.append("  warnings:\n    " + self.report.summary().replace("\n", "\n    "))
        return "\n".join(lines)


def _place_video(source: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _place_videos(records: list[dict[str, Any]], out: Path, subdir: Path, source: Path, check: bool) -> int:
    """Link or copy each record's clip to ``out/subdir``; return how many were placed."""
    for record in tqdm(records, desc=f"placing {subdir.as_posix()}", unit="video", leave=False):
        path = record["video_path"]
        if check:
            try:
                probe(path)
            except VideoError as err:
                raise DataError(
                    f"{source}: video_name {record['video_name']!r}: field 'video': {err}. "
                    "Replace the file, or remove it to export the record with video = None."
                ) from err
        _place_video(path, out / subdir / Path(path).name)
    return len(records)


def _relative(subdir: Path):
    def ref(record: dict[str, Any]) -> str | None:
        path = record.get("video_path")
        return (subdir / Path(path).name).as_posix() if path else None

    return ref


def _write_split(result: ExportResult, config: str, rows: Iterator[tuple[str, dict[str, Any]]]) -> None:
    features = FEATURES[config]
    columns: dict[str, list[Any]] = {name: [] for name in features}
    for _, row in rows:
        for name in features:
            columns[name].append(row[name])
    table = pa.Table.from_pydict(features.encode_batch(columns), schema=features.arrow_schema)
    split = SPLITS[config]
    path = result.out / "data" / config / f"{split}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    if "parse_warnings" in columns:
        result.irregular[config] = sum(1 for warnings in columns["parse_warnings"] if warnings)
    result.splits.append(
        SplitFiles(
            config=config,
            split=split,
            pattern=f"data/{config}/{split}-*.parquet",
            num_examples=table.num_rows,
            num_bytes=table.nbytes,
            download_size=path.stat().st_size,
        )
    )


def _prepare_out(out: Path, overwrite: bool) -> None:
    existing = [name for name in MANAGED if (out / name).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{out}: already holds {', '.join(existing)}; pass overwrite=True (--overwrite) to replace them"
        )
    for name in existing:
        target = out / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def export_dataset(
    out: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    annotations: str | os.PathLike[str] | None = None,
    train: str | os.PathLike[str] | None = None,
    *,
    repo_id: str = "favor-bench",
    check_videos: bool = True,
    overwrite: bool = False,
) -> ExportResult:
    """Write the ``mcq``/``videos``/``train`` configs found in the inputs to ``out``.

    Args:
        out: the repository folder to write.
        data_dir: a FAVOR data directory (``video_perspective.json``, optional
            ``question_perspective.json`` and ``videos/FAVOR-Bench/``): gives ``mcq``, and
            ``videos`` when no annotations file is given.
        annotations: ``FAVOR_gt_annotations.json`` (object keyed by video id) or any
            video-level file: gives ``videos`` (default: ``DIR/FAVOR_gt_annotations.json`` if present).
        train: FAVOR-Train records (LLaMA-Factory ShareGPT, or JSON object keyed by id, JSON list or
            JSON Lines; see :mod:`favor_hf.data.train_files`): gives ``train``.
        repo_id: the repo name used in the card's code examples.
        check_videos: open every clip with PyAV first; an unreadable one is an error.
        overwrite: replace an earlier export in ``out``.

    Raises:
        DataError: invalid input (the message names file, record and field).
    """
    out = Path(out)
    data_dir = Path(data_dir) if data_dir is not None else None
    if data_dir is None and annotations is None and train is None:
        raise DataError("nothing to export: give a data directory, an annotations file or a train file")
    if data_dir is not None and not data_dir.is_dir():
        raise DataError(f"{data_dir}: data directory not found")
    if annotations is None and data_dir is not None and (data_dir / ANNOTATIONS_FILE).is_file():
        annotations = data_dir / ANNOTATIONS_FILE
    result = ExportResult(out=out)
    report = result.report
    bench = load_video_records(data_dir, report) if data_dir and (data_dir / VIDEO_PERSPECTIVE).is_file() else None
    if data_dir is not None and bench is None and annotations is None:
        raise DataError(f"{data_dir}: no {VIDEO_PERSPECTIVE} (and no annotations file) to export")
    videos = None
    if annotations is not None:
        videos = load_annotation_records(os.fspath(annotations), report)
        if data_dir is not None:
            attach_videos(videos, data_dir)
    elif bench is not None:
        videos = bench
    train_records = None
    if train is not None:
        train_records = load_train_records(train, data_dir, report)

    _prepare_out(out, overwrite)
    video_sets = [
        (bench, VIDEO_SUBDIR, data_dir and data_dir / VIDEO_PERSPECTIVE),
        (videos if videos is not bench else None, VIDEO_SUBDIR, annotations),
        (train_records, TRAIN_VIDEO_SUBDIR, train),
    ]
    placed: set[str] = set()
    for records, subdir, source in video_sets:
        if records is None or source is None:  # a source is known whenever its records are
            continue
        todo = [r for r in records if r["video_path"] and r["video_path"] not in placed]
        result.videos_written += _place_videos(todo, out, subdir, Path(source), check_videos)
        placed.update(r["video_path"] for r in todo)

    mcq_example, task_counts = None, None
    if bench is not None:
        _write_split(result, "mcq", mcq_rows(bench, _relative(VIDEO_SUBDIR)))
        result.missing_videos["mcq"] = names_without_video(bench)
        first = next(mcq_rows(bench[:1], _relative(VIDEO_SUBDIR)), None)
        mcq_example = FEATURES["mcq"].encode_example(first[1]) if first else None
        task_counts = Counter(q["task_type"] for r in bench for q in r["questions"])
    if videos is not None:
        _write_split(result, "videos", video_rows(videos, _relative(VIDEO_SUBDIR)))
        result.missing_videos["videos"] = names_without_video(videos)
    if train_records is not None:
        _write_split(result, "train", train_rows(train_records, _relative(TRAIN_VIDEO_SUBDIR)))
        result.missing_videos["train"] = names_without_video(train_records)

    sources = [f"`{Path(p).name}`" for p in (data_dir and data_dir / VIDEO_PERSPECTIVE, annotations, train) if p]
    card = render_card(
        result.splits,
        repo_id=repo_id,
        mcq_example=mcq_example,
        task_counts=task_counts,
        provenance=f"Exported from {', '.join(sources)}.",
    )
    (out / "README.md").write_text(card, encoding="utf-8")
    return result
