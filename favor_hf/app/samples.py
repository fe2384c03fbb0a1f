"""Sample clips of the Space: a few synthetic FAVOR videos, generated once at first start.

The clips come from :func:`favor_hf.synth.make_synthetic_benchmark` (moving shapes with
exact motion ground truth, in the FAVOR file layout), so the Space ships no video binaries.
Generation writes into a temporary sibling folder that is renamed into place, so two
processes starting at once never see a half-written sample set.

Example:
    >>> clips = ensure_samples("samples", num_samples=2)
    >>> sorted(clips)[0], len(clips[sorted(clips)[0]]["questions"])
    ('synth0000', 6)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from favor_hf.data.favor_json import VIDEO_PERSPECTIVE, load_video_records

SAMPLE_RUNS: tuple[tuple[str, str], ...] = (
    ("flow", "mcq"),
    ("random:0", "mcq"),
    ("flow", "caption"),
    ("random:0", "caption"),
)
"""(model spec, task) of the baseline runs over the sample clips shown on the leaderboard."""


class SampleError(RuntimeError):
    """The sample clips could not be generated or read; the message says what to do."""


def _generate(samples_dir: Path, num_samples: int, seed: int) -> None:
    from favor_hf.synth import make_synthetic_benchmark

    samples_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{samples_dir.name}-", dir=samples_dir.parent))
    try:
        make_synthetic_benchmark(staging, num_samples, seed=seed)
        try:
            os.replace(staging, samples_dir)
        except OSError:
            if not (samples_dir / VIDEO_PERSPECTIVE).is_file():  # not a concurrent winner: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_samples(
    samples_dir: str | os.PathLike[str], num_samples: int = 4, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """Generate the sample clips unless ``samples_dir`` already holds them; return them by video name.

    Each value is a video record of :func:`favor_hf.data.favor_json.load_video_records`
    (annotation strings, ``questions``, ``video_path``). Records whose clip is missing
    are left out.

    Raises:
        SampleError: generation failed or the folder holds no usable clip.
    """
    samples_dir = Path(samples_dir)
    if not (samples_dir / VIDEO_PERSPECTIVE).is_file():
        if samples_dir.exists() and any(samples_dir.iterdir()):
            raise SampleError(
                f"{samples_dir}: exists but has no {VIDEO_PERSPECTIVE}; delete the folder so the samples are regenerated"
            )
        if samples_dir.exists():
            samples_dir.rmdir()
        try:
            _generate(samples_dir, num_samples, seed)
        except (OSError, ValueError, RuntimeError) as err:
            raise SampleError(f"{samples_dir}: could not generate the sample clips ({err})") from err
    records = load_video_records(samples_dir)
    clips = {record["video_name"]: record for record in records if record["video_path"]}
    if not clips:
        raise SampleError(f"{samples_dir}: no sample clip found; delete the folder so the samples are regenerated")
    return clips


def ensure_sample_runs(samples_dir: str | os.PathLike[str], clips: dict[str, dict[str, Any]]) -> Path:
    """Run the weight-free baselines over the sample clips (once; reruns resume) and return their folder.

    The results files, ``<samples_dir>/results/<model>-<task>.jsonl``, are those of
    ``favor-hf run --frames 8``, so the leaderboard has entries on a fresh start.
    """
    from favor_hf.models import load_adapter
    from favor_hf.results import ResultsError
    from favor_hf.runner import Sampling, run_benchmark

    folder = Path(samples_dir) / "results"
    records = list(clips.values())
    for spec, task in SAMPLE_RUNS:
        adapter = load_adapter(spec)
        try:
            out = folder / f"{spec.replace(':', '-')}-{task}.jsonl"
            run_benchmark(adapter, records, task, out, sampling=Sampling(frames=8), progress=False)
        except ResultsError:  # another process of the Space is writing it, or it holds an older run: keep it
            continue
        finally:
            adapter.close()
    return folder
