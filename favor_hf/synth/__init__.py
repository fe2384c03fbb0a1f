"""Procedural FAVOR-style clips with exact motion ground truth (no network, no weights).

Each clip is a crop window (the camera) moving over a textured background larger than the
frame, with one to three coloured shapes (the subjects) moving in the world. The camera
pans, tilts, zooms, shakes or stays still; each subject performs one to three actions
("Moves to the right", "Stops", ...). The ground truth is written in the official FAVOR
schema, with multiple-choice questions for the tasks the motion supports.

One step per module, each importing only the ones before it:

- :mod:`favor_hf.motion_labels`: the camera-motion and action vocabulary (shared with the
  ``flow`` baseline);
- :mod:`favor_hf.synth.scene`: sample a :class:`Scene` (:func:`make_scene`), draw its frames
  (:func:`render`), encode them (:func:`write_mp4`);
- :mod:`favor_hf.synth.questions`: a scene's annotation strings and questions (:func:`scene_record`);
- this module: :func:`make_synthetic_benchmark`, clips and annotations in the FAVOR data layout.

Sign conventions: the camera *pans left* when its window moves left over the background,
so the scene content moves right in the frame; it *tilts up* when the window moves up
(content moves down); it *zooms in* when the window shrinks (content grows).

Example:
    >>> bench = make_synthetic_benchmark("clips", n=2, seed=0, progress=False)
    >>> [record["camera_motion"] for record in bench.records]
    ['Tilts upward', 'Zooms in']
    >>> [path.name for path in bench.video_paths]
    ['synth0000.mp4', 'synth0001.mp4']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from favor_hf.data.favor_json import VIDEO_PERSPECTIVE, VIDEO_SUBDIR, VIDEO_SUFFIX
from favor_hf.motion_labels import CAMERA_MOTIONS
from favor_hf.synth.questions import scene_record
from favor_hf.synth.scene import SUBJECT_COLORS, Scene, make_scene, render, write_mp4

__all__ = [
    "SUBJECT_COLORS",
    "Scene",
    "SyntheticBenchmark",
    "make_scene",
    "make_synthetic_benchmark",
    "render",
    "write_mp4",
]


@dataclass
class SyntheticBenchmark:
    """What :func:`make_synthetic_benchmark` wrote."""

    root: Path
    annotations_path: Path
    records: list[dict[str, Any]]
    video_paths: list[Path]


def make_synthetic_benchmark(
    out_dir: str | os.PathLike[str],
    n: int,
    seed: int = 0,
    width: int = 192,
    height: int = 144,
    fps: int = 12,
    seconds: float = 3.0,
    progress: bool = True,
) -> SyntheticBenchmark:
    """Render ``n`` clips into ``out_dir`` in the FAVOR data layout; deterministic for ``seed``.

    Writes ``out_dir/video_perspective.json`` (official schema, plus ``num_subjects``) and
    ``out_dir/videos/FAVOR-Bench/<video_name>.mp4``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if width % 2 or height % 2:
        raise ValueError(f"width and height must be even for H.264, got {width}x{height}")
    root = Path(out_dir)
    video_dir = root / VIDEO_SUBDIR
    video_dir.mkdir(parents=True, exist_ok=True)
    records, paths = [], []
    labels = list(CAMERA_MOTIONS)
    cameras = np.random.default_rng(seed).permutation(len(labels))  # every camera motion once per 8 clips
    for index in tqdm(range(n), desc="synth clips", unit="clip", disable=not progress):
        rng = np.random.default_rng([seed, index])
        camera = labels[cameras[index % len(labels)]]
        scene = make_scene(f"synth{index:04d}", rng, camera, width, height, fps, seconds)
        path = video_dir / f"{scene.name}{VIDEO_SUFFIX}"
        write_mp4(render(scene), path, fps)
        records.append(scene_record(scene, rng))
        paths.append(path)
    annotations = root / VIDEO_PERSPECTIVE
    annotations.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
    return SyntheticBenchmark(root, annotations, records, paths)
