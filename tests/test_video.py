"""favor_hf.video on real mp4 files: probing, uniform and fps sampling, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from favor_hf.synth import write_mp4
from favor_hf.video import VideoError, probe, sample_frames, sample_indices


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> str:
    """A 3 s, 10 fps clip whose frame i is filled with the grey level 8 * i."""
    frames = np.stack([np.full((48, 64, 3), 8 * i, dtype=np.uint8) for i in range(30)])
    path = tmp_path_factory.mktemp("video") / "ramp.mp4"
    write_mp4(frames, path, fps=10)
    return str(path)


def test_probe_reads_the_header(clip: str) -> None:
    info = probe(clip)
    assert (info.width, info.height, info.codec) == (64, 48, "h264")
    assert info.fps == pytest.approx(10.0)
    assert info.duration == pytest.approx(3.0, abs=0.15)
    assert info.num_frames == 30


def test_uniform_sampling_takes_segment_centres(clip: str) -> None:
    assert sample_indices(30, 3) == [5, 15, 25]
    assert sample_indices(4, 8) == [0, 1, 2, 3]
    frames = sample_frames(clip, num_frames=3)
    assert frames.shape == (3, 48, 64, 3) and frames.dtype == np.uint8
    # the grey level identifies the frame (lossy codec: compare approximately)
    assert [round(float(f.mean()) / 8) for f in frames] == [5, 15, 25]


def test_fps_sampling_takes_one_frame_per_interval(clip: str) -> None:
    frames = sample_frames(clip, fps=1)
    assert [round(float(f.mean()) / 8) for f in frames] == [0, 10, 20]
    assert len(sample_frames(clip, fps=2)) == 6


def test_max_side_downscales(clip: str) -> None:
    assert sample_frames(clip, num_frames=2, max_side=32).shape == (2, 24, 32, 3)


def test_bad_arguments_and_files_raise_clear_errors(clip: str, tmp_path) -> None:
    with pytest.raises(ValueError, match="num_frames must be positive"):
        sample_frames(clip, num_frames=0)
    with pytest.raises(ValueError, match="fps must be positive"):
        sample_frames(clip, fps=0)
    missing = tmp_path / "missing.mp4"
    with pytest.raises(VideoError, match="missing.mp4: video file not found"):
        probe(missing)
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(VideoError, match="corrupt.mp4"):
        sample_frames(corrupt)


def test_official_preset_turns_decord_errors_into_video_errors(tmp_path, monkeypatch) -> None:
    """decord raises RuntimeError for a file it cannot open (not its DECORDError): still a VideoError."""
    from qwen_vl_utils import vision_process

    from favor_hf.video.presets import official_clip

    monkeypatch.setattr(vision_process, "get_video_reader_backend", lambda: "decord")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(VideoError, match="corrupt.mp4: decord cannot read it"):
        official_clip(corrupt)
