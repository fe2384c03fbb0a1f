"""Camera-motion accuracy of the ``flow`` baseline on synthetic clips with known motion.

Usage: python benchmarks/flow_accuracy.py [N] [SEED]   (default 64 clips, seed 0)
Renders N clips into a temporary directory, estimates each clip's camera motion from 8
uniformly sampled frames (the adapter's default) and from 1 frame per second (the runner's
default sampling, 3 frames for these 3 s clips), and prints the accuracy per motion.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter

from favor_hf.models.flow import FlowAdapter
from favor_hf.motion_labels import CAMERA_MOTIONS
from favor_hf.synth import make_synthetic_benchmark
from favor_hf.video import sample_frames


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    label_of = {phrase: label for label, phrase in CAMERA_MOTIONS.items()}
    flow = FlowAdapter()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        bench = make_synthetic_benchmark(tmp, n, seed=seed, progress=False)
        print(f"rendered {n} clips (seed {seed}) in {time.perf_counter() - start:.1f} s")
        truth = [label_of[r["camera_motion"]] for r in bench.records]
        for sampling, options in (("8 frames", {"num_frames": 8}), ("1 fps", {"num_frames": None, "fps": 1.0})):
            start = time.perf_counter()
            estimates = [flow.estimate_camera_motion(sample_frames(p, **options)) for p in bench.video_paths]
            seconds = time.perf_counter() - start
            right = Counter(t for t, e in zip(truth, estimates) if t == e)
            total = Counter(truth)
            accuracy = 100 * sum(right.values()) / n
            print(
                f"\n{sampling}: accuracy {accuracy:.1f}% ({sum(right.values())}/{n}), {1000 * seconds / n:.0f} ms per clip"
            )
            for label in CAMERA_MOTIONS:
                print(f"  {label:<10} {right[label]}/{total[label]}")
            errors = Counter((t, e) for t, e in zip(truth, estimates) if t != e)
            for (t, e), count in errors.most_common():
                print(f"  confused {t} -> {e}: {count}")


if __name__ == "__main__":
    main()
