"""Time FAVOR-Train-sized SFT data handling: 17,152 ShareGPT video records.

The records are built from the 1,776 official annotations (cycled to 17,152, as structured
answers or plain captions, every tenth clip a YouTube URL as for FAVOR-Train's Koala-36M part),
with an empty placeholder file per local clip (nothing here decodes video). Timed, each once:

1. ``load_train_records``: the ``train`` config's mapping of the ShareGPT file;
2. ``favor-hf sft-export`` in-process: all three formats, structured targets + MCQ items, 5 % held out;
3. ``export_dataset(train=...)``: the ``train`` config as Parquet (annotation parsing included).

Usage: ``python benchmarks/sft_export.py`` (needs ``../shared``).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from favor_hf.data.export import export_dataset
from favor_hf.data.favor_json import LoadReport
from favor_hf.data.sharegpt import render_structured
from favor_hf.data.train_files import load_train_records
from favor_hf.finetune.export import export_sft
from favor_hf.schema import NUM_TRAIN_VIDEOS

SHARED = Path(os.environ.get("FAVOR_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def make_file(root: Path) -> Path:
    annotations = json.loads((SHARED / "favor" / "official" / "FAVOR_gt_annotations.json").read_text(encoding="utf-8"))
    items = list(annotations.items())
    records = []
    (root / "clips").mkdir(parents=True)
    for i in range(NUM_TRAIN_VIDEOS):
        name, annotation = items[i % len(items)]
        answer = render_structured(annotation) if i % 2 else annotation["caption"]
        if i % 10 == 9:
            video = f"https://www.youtube.com/watch?v=k{i:010d}"
        else:
            video = f"clips/{i:05d}_{name.replace('|', '_')}.mp4"
            (root / video).touch()
        records.append(
            {
                "messages": [
                    {"role": "user", "content": "<video>Describe the video in detail."},
                    {"role": "assistant", "content": answer},
                ],
                "videos": [video],
            }
        )
    path = root / "favor_train.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def main() -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        path = make_file(Path(tmp) / "data")
        start = time.perf_counter()
        records = load_train_records(path, report=LoadReport())
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        result = export_sft(Path(tmp) / "sft", train=path, target="structured", mcq=True, heldout=0.05)
        sft_s = time.perf_counter() - start
        start = time.perf_counter()
        export_dataset(Path(tmp) / "parquet", train=path, check_videos=False)
        parquet_s = time.perf_counter() - start
    examples = len(result.examples.examples)
    print(f"{len(records):,} ShareGPT records ({sum(1 for r in records if r['video_path'] is None):,} URL clips)")
    print(f"load_train_records: {load_s:.2f} s")
    print(f"sft-export, 3 formats, structured + MCQ, 5 % held out: {sft_s:.2f} s ({examples:,} examples)")
    print(f"export_dataset train config (Parquet): {parquet_s:.2f} s")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())


if __name__ == "__main__":
    main()
