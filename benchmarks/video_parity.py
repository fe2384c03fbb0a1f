"""Frame-level agreement of the ``official`` sampling preset, as VLMEvalKit parity reports count it.

On synthetic clips of several durations (12 and 30 fps), compares frame by frame:

1. the ``official`` preset (qwen-vl-utils 0.0.8 rules, frames read by the installed
   qwen-vl-utils) against a literal ``qwen_vl_utils.fetch_video`` call with the official message
   options (``max_pixels=360*420, fps=1.0``) under the installed qwen-vl-utils: where the two
   versions' rules agree the frames must be identical; where they do not (0.0.8 rounds the
   frame count to even, 0.0.10+ floor it) the clip is counted as a version difference;
2. the decoders: decord (the official runs) against PyAV (favor-hf's own presets) on the same
   frame indices, before any resize.

Usage: python benchmarks/video_parity.py
"""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

from favor_hf.synth import make_scene, render, write_mp4
from favor_hf.video import decode_frames, official_clip

CLIPS = [(12, 3.0), (12, 4.0), (12, 5.5), (12, 6.5), (12, 7.0), (12, 10.25), (30, 4.0), (30, 5.5), (30, 9.9)]
"""(fps, seconds) of the synthetic clips: even, odd and fractional durations."""


def main() -> None:
    import decord
    import torch
    from qwen_vl_utils import fetch_video

    installed = version("qwen-vl-utils")
    rows, compared, mismatched, version_diffs, decoder_frames, decoder_mismatch = [], 0, 0, 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for number, (fps, seconds) in enumerate(CLIPS):
            scene = make_scene(f"parity{number}", np.random.default_rng(number), "pan_right", 192, 144, fps, seconds)
            path = Path(tmp) / f"{scene.name}.mp4"
            write_mp4(render(scene), path, fps)
            ours = official_clip(path)
            literal, metadata = fetch_video(
                {"type": "video", "video": str(path), "max_pixels": 360 * 420, "fps": 1.0}, return_video_metadata=True
            )
            literal_indices = [int(i) for i in metadata["frames_indices"]]
            literal_frames = literal.round().to(dtype=torch.uint8).permute(0, 2, 3, 1).numpy()
            if literal_indices == ours.indices and literal_frames.shape == ours.frames.shape:
                same = sum(np.array_equal(a, b) for a, b in zip(ours.frames, literal_frames))
                compared += len(ours.indices)
                mismatched += len(ours.indices) - same
                verdict = f"{same}/{len(ours.indices)} identical"
            else:
                version_diffs += 1
                verdict = f"version rule differs: {len(ours.indices)} vs {len(literal_indices)} frames"
            raw = decord.VideoReader(str(path)).get_batch(ours.indices).asnumpy()
            pyav = np.stack(decode_frames(path, ours.indices))
            equal = sum(np.array_equal(a, b) for a, b in zip(raw, pyav))
            decoder_frames += len(ours.indices)
            decoder_mismatch += len(ours.indices) - equal
            diff = int(np.abs(raw.astype(int) - pyav.astype(int)).max())
            rows.append(
                f"{fps:>3} fps {seconds:>5} s  {len(ours.indices):>3} frames  {ours.frames.shape[1]}x"
                f"{ours.frames.shape[2]}  {verdict:<42}  decord=PyAV {equal}/{len(ours.indices)} (max diff {diff})"
            )
    print(
        f"official preset (qwen-vl-utils 0.0.8 rules) vs installed qwen-vl-utils {installed}, "
        f"decord {decord.__version__}"
    )
    print("\n".join(rows))
    print(
        f"frames compared: {compared}, mismatches: {mismatched}; clips where the installed version's rules "
        f"pick other frames: {version_diffs} of {len(CLIPS)}"
    )
    print(f"decoders: {decoder_frames} frames compared (decord vs PyAV), mismatches: {decoder_mismatch}")
    print("load:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
