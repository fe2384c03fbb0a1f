"""Frame sampling speed on a 60 s 720p clip: keyframe seeking against decoding every frame.

Synthesizes one 60 s, 1280x720, 24 fps H.264 clip with a keyframe every 2 s (typical of
streaming encodes; a moving pattern, fast to encode), then samples it at 1 fps (60 frames)
and 16 uniform frames, twice each: with :func:`favor_hf.video.decode_frames` (jumps to the
keyframe before a wanted frame when that skips decoding) and by decoding every frame in
order (the fallback, what sampling cost before). Prints sampled frames per second of wall
time, checks both give identical frames, and the machine's load.

Usage: python benchmarks/video_decode.py [--seconds 60] [--gop 48] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from favor_hf.video.decode import (
    _decode_in_order,
    decode_frames,
    fps_indices,
    frame_table,
    sample_indices,
)


def write_clip(path: Path, seconds: int, gop: int, fps: int = 24, width: int = 1280, height: int = 720) -> None:
    import av

    y, x = np.mgrid[0:height, 0:width]
    base = ((x // 40 + y // 40) % 2 * 120 + 60).astype(np.uint8)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(gop), "keyint_min": str(gop), "crf": "28"}
        for i in range(seconds * fps):
            luma = np.roll(base, 8 * i, axis=1)
            frame = np.stack([luma, np.roll(luma, 4 * i, axis=0), np.full_like(luma, (3 * i) % 256)], axis=-1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def timed(function, repeats: int):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--gop", type=int, default=48, help="frames between keyframes (24 fps: 48 = 2 s)")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip720p.mp4"
        start = time.perf_counter()
        write_clip(path, args.seconds, args.gop)
        table = frame_table(path)
        print(
            f"clip: {args.seconds} s, 1280x720, 24 fps, {len(table.pts)} frames, keyframe every {args.gop} frames "
            f"({len(table.keyframes)} keyframes), {path.stat().st_size / 1e6:.1f} MB, written in "
            f"{time.perf_counter() - start:.1f} s"
        )
        print("sampling        frames  seek (frames/s)  decode all (frames/s)  speed-up  identical")
        for name, indices in (
            ("1 fps", fps_indices(table.times, 1.0)),
            ("16 uniform", sample_indices(len(table.pts), 16)),
        ):
            seek_s, seek = timed(partial(decode_frames, path, indices, table=table), args.repeats)
            full_s, full = timed(partial(_decode_in_order, path, indices, None), args.repeats)
            same = all(np.array_equal(a, b) for a, b in zip(seek, full, strict=True))
            print(
                f"{name:<14}  {len(indices):>6}  {len(indices) / seek_s:>15.1f}  {len(indices) / full_s:>21.1f}  "
                f"{full_s / seek_s:>7.2f}x  {same}"
            )
    print("load:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
