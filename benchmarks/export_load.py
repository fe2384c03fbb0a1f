"""Time `favor-hf export` of the full-size synthetic set and `load_dataset` of its mcq config.

Exports ../shared/favor/synthetic/synthetic_video_perspective.json (8,184 questions) plus the
1,776 official annotations into a temporary folder, then loads the exported ``mcq`` config
with an empty datasets cache. Both steps run as fresh processes, as a user would run them.

usage: python benchmarks/export_load.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(os.environ.get("FAVOR_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SYNTHETIC = SHARED / "favor" / "synthetic" / "synthetic_video_perspective.json"
ANNOTATIONS = SHARED / "favor" / "official" / "FAVOR_gt_annotations.json"

LOAD = """
import time
t = time.perf_counter()
from datasets import load_dataset
ds = load_dataset("favor-bench", "mcq", split="test")
assert ds.num_rows == 8184
print(f"{time.perf_counter() - t:.3f}")
"""


def _timed(cmd: list[str], **kwargs) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, **kwargs)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    export_s, load_s, load_call_s = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "data").mkdir()
            shutil.copy(SYNTHETIC, tmp / "data" / "video_perspective.json")
            seconds, _ = _timed(
                [
                    "favor-hf",
                    "export",
                    "--data-dir",
                    str(tmp / "data"),
                    "--annotations",
                    str(ANNOTATIONS),
                    "--out",
                    str(tmp / "favor-bench"),
                ]
            )
            export_s.append(seconds)
            env = {**os.environ, "HF_HOME": str(tmp / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
            seconds, out = _timed([sys.executable, "-c", LOAD], cwd=tmp, env=env)
            load_s.append(seconds)
            load_call_s.append(float(out.strip().splitlines()[-1]))
    print(
        f"export (favor-hf export, 8,184 questions + 1,776 annotations), whole command: "
        f"median {statistics.median(export_s):.2f} s (runs: {', '.join(f'{s:.2f}' for s in export_s)})"
    )
    print(
        f"load_dataset('favor-bench', 'mcq'), empty cache, whole process: "
        f"median {statistics.median(load_s):.2f} s; import + load_dataset call: median {statistics.median(load_call_s):.2f} s"
    )


if __name__ == "__main__":
    main()
