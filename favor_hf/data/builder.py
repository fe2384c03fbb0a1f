"""A ``datasets`` builder for FAVOR-Bench and FAVOR-Train (configs ``mcq``, ``videos``, ``train``).

Example:
    >>> builder = FavorBench(config_name="mcq", data_dir="synth", cache_dir="hf-datasets")
    >>> builder.download_and_prepare()
    >>> builder.as_dataset(split="test").num_rows
    21

Without ``data_dir`` the JSON files come from the Hub repo ``zl2048/FAVOR``
(see :mod:`favor_hf.data.sources`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets

from favor_hf.data.favor_json import (
    VIDEO_PERSPECTIVE,
    DataError,
    LoadReport,
    attach_videos,
    load_annotation_records,
    load_video_records,
    names_without_video,
)
from favor_hf.data.features import CONFIG_DESCRIPTIONS, FEATURES, SPLITS
from favor_hf.data.rows import mcq_rows, train_rows, video_rows
from favor_hf.data.sources import HUB_REPO, resolve_data_dir
from favor_hf.data.train_files import load_train_records
from favor_hf.schema import CITATION

HOMEPAGE = "https://favor-bench.github.io/"
LICENSE = "cc-by-nc-sa-4.0"
ANNOTATIONS_FILE = "FAVOR_gt_annotations.json"


@dataclass
class FavorConfig(datasets.BuilderConfig):
    """A FAVOR config; the extra fields choose the source files.

    Attributes:
        annotations_file: ``videos`` config: a FAVOR_gt_annotations-style file (default:
            ``DIR/FAVOR_gt_annotations.json`` if present, else the records of ``video_perspective.json``).
        train_file: ``train`` config: LLaMA-Factory ShareGPT video records, or a JSON object keyed
            by video id, JSON list or JSON Lines of video-level records (see
            :mod:`favor_hf.data.train_files`); clips are looked up in ``DIR/videos/FAVOR-Train/``
            (``DIR`` is ``data_dir``, else the file's folder).
        repo, revision, with_videos: the Hub source used when ``data_dir`` is not given.
        fingerprint: any string that changes with the input files, so the ``datasets`` cache
            is rebuilt when they change (set by :func:`favor_hf.data.load.load_bench`).
    """

    annotations_file: str | None = None
    train_file: str | None = None
    repo: str = HUB_REPO
    revision: str | None = None
    with_videos: bool = False
    fingerprint: str | None = None


class FavorBench(datasets.GeneratorBasedBuilder):
    """FAVOR-Bench (arXiv 2503.14935): fine-grained video motion understanding."""

    BUILDER_CONFIG_CLASS = FavorConfig
    BUILDER_CONFIGS = [
        FavorConfig(name=name, version=datasets.Version("1.0.0"), description=CONFIG_DESCRIPTIONS[name])
        for name in FEATURES
    ]
    DEFAULT_CONFIG_NAME = "mcq"
    config: FavorConfig

    def _info(self) -> datasets.DatasetInfo:
        return datasets.DatasetInfo(
            description=CONFIG_DESCRIPTIONS[self.config.name],
            features=FEATURES[self.config.name],
            homepage=HOMEPAGE,
            license=LICENSE,
            citation=CITATION,
        )

    def _split_generators(self, dl_manager: Any) -> list[datasets.SplitGenerator]:
        # Records are read and validated here, so a DataError reaches the caller unwrapped.
        report = LoadReport()
        records = self._records(report)
        report.num_videos = max(report.num_videos, len(records))
        report.missing_videos = names_without_video(records)
        report.emit()
        return [datasets.SplitGenerator(name=SPLITS[self.config.name], gen_kwargs={"records": records})]

    def _data_dir(self) -> Path:
        config = self.config
        return resolve_data_dir(
            config.data_dir, repo=config.repo, revision=config.revision, with_videos=config.with_videos
        )

    def _records(self, report: LoadReport) -> list[dict[str, Any]]:
        config = self.config
        if config.name == "mcq":
            return load_video_records(self._data_dir(), report)
        if config.name == "train":
            if not config.train_file:
                raise DataError(
                    "config 'train' needs train_file=PATH: LLaMA-Factory ShareGPT video records, a JSON object "
                    "keyed by video id, a JSON list or JSON Lines of records with video_name and the annotation fields"
                )
            return load_train_records(config.train_file, config.data_dir, report)
        data_dir = self._data_dir()
        annotations = Path(config.annotations_file) if config.annotations_file else data_dir / ANNOTATIONS_FILE
        if config.annotations_file or annotations.is_file():
            records = load_annotation_records(annotations, report)
        elif (data_dir / VIDEO_PERSPECTIVE).is_file():
            records = load_video_records(data_dir, report)
        else:
            raise DataError(f"{data_dir}: neither {ANNOTATIONS_FILE} nor {VIDEO_PERSPECTIVE} found for config 'videos'")
        return attach_videos(records, data_dir)

    def _generate_examples(self, records: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = {"mcq": mcq_rows, "videos": video_rows, "train": train_rows}[self.config.name]
        yield from rows(records)
