"""``load_bench``: the typed FAVOR dataset from a data directory, an export or the Hub.

Example:
    >>> from favor_hf import load_bench
    >>> mcq = load_bench("mcq", data_dir="synth-bench")  # an exported folder (four synthetic clips)
    >>> mcq.num_rows, mcq.features["task_type"].int2str(mcq[0]["task_type"])
    (21, 'CM')
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import datasets

from favor_hf.data.builder import FavorBench
from favor_hf.data.favor_json import DataError
from favor_hf.data.features import FEATURES, SPLITS
from favor_hf.data.sources import HUB_REPO, hub_revision, hub_snapshot
from favor_hf.network import hub_offline_reason

DATA_DIR_ENV = "FAVOR_DATA_DIR"


def is_export(path: Path) -> bool:
    """Whether ``path`` is a folder written by :func:`favor_hf.data.export.export_dataset`."""
    return (path / "README.md").is_file() and (path / "data").is_dir()


def _fingerprint(path: Path, files: list[Any]) -> str:
    """Changes when a JSON file, a clip folder or one of ``files`` changes (builder cache key)."""
    stats = []
    extra = [Path(f) for f in files if f and Path(f).is_file()]
    for item in sorted(path.glob("*.json")) + sorted(path.glob("videos/*")) + extra:
        stat = item.stat()
        stats.append(f"{item.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(stats).encode()).hexdigest()[:16]


def resolve_videos(dataset: datasets.Dataset, root: str | os.PathLike[str]) -> datasets.Dataset:
    """Make the relative ``video`` paths of an exported dataset absolute under ``root``.

    Paths whose file is absent under ``root`` are left as they are.
    """
    root = Path(root).resolve()

    def absolute(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        videos = []
        for value in batch["video"]:
            if value and value.get("path") and not os.path.isabs(value["path"]) and (root / value["path"]).is_file():
                value = {**value, "path": str(root / value["path"])}
            videos.append(value)
        return {"video": videos}

    return dataset.map(absolute, batched=True, features=dataset.features, desc="resolving video paths")


def _check_config(config: str) -> None:
    if config not in FEATURES:
        raise ValueError(f"unknown FAVOR config {config!r}; choose one of {', '.join(FEATURES)}")


def load_bench(
    config: str = "mcq",
    data_dir: str | os.PathLike[str] | None = None,
    repo: str | None = None,
    revision: str | None = None,
    *,
    split: str | None = None,
    cache_dir: str | None = None,
    with_videos: bool = False,
    **config_kwargs: Any,
) -> datasets.Dataset:
    """The typed FAVOR dataset of ``config`` (``mcq``, ``videos`` or ``train``).

    Sources, first match wins:

    - ``data_dir`` is an exported folder (``favor-hf export``): read with ``load_dataset``;
      ``video`` paths are made absolute.
    - ``data_dir`` is a FAVOR data directory (``video_perspective.json``, ...): built with
      :class:`favor_hf.data.builder.FavorBench`.
    - ``repo`` is an exported Hub repo (``ORG/favor-bench``): ``load_dataset(repo, config)``;
      with ``with_videos=True`` the clips are downloaded and ``video`` paths made absolute.
    - otherwise (``repo`` unset or ``zl2048/FAVOR``): ``$FAVOR_DATA_DIR`` if set, else the
      official Hub repo ``zl2048/FAVOR`` at a pinned revision, built with the builder.

    ``config_kwargs`` go to :class:`favor_hf.data.builder.FavorConfig` (``annotations_file``,
    ``train_file``). Every source returns exactly :data:`favor_hf.data.features.FEATURES[config]`.
    """
    _check_config(config)
    split = split or SPLITS[config]
    if data_dir is None and repo is None and os.environ.get(DATA_DIR_ENV):
        data_dir = os.environ[DATA_DIR_ENV]
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if not path.is_dir():
            raise DataError(f"{path}: data directory not found")
        if is_export(path):
            dataset = datasets.load_dataset(str(path), config, split=split, cache_dir=cache_dir)
            return resolve_videos(dataset, path)
        builder = FavorBench(
            config_name=config,
            data_dir=str(path.resolve()),
            cache_dir=cache_dir,
            fingerprint=_fingerprint(path, list(config_kwargs.values())),
            **config_kwargs,
        )
    elif repo is not None and repo != HUB_REPO:
        if hub_offline_reason() is not None:  # a cached snapshot of the export, or an error in seconds
            root = hub_snapshot(repo, revision, ["README.md", "data/**"] + (["videos/**"] if with_videos else []))
            dataset = datasets.load_dataset(str(root), config, split=split, cache_dir=cache_dir)
            return resolve_videos(dataset, root) if with_videos else dataset
        dataset = datasets.load_dataset(repo, config, split=split, revision=revision, cache_dir=cache_dir)
        if not with_videos:
            return dataset
        root = hub_snapshot(repo, revision, ["videos/**"])
        return resolve_videos(dataset, root)
    else:
        builder = FavorBench(
            config_name=config,
            cache_dir=cache_dir,
            repo=HUB_REPO,
            revision=hub_revision(revision),
            with_videos=with_videos,
            **config_kwargs,
        )
    builder.download_and_prepare()
    return builder.as_dataset(split=split)
