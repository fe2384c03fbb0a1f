"""Per-video caption scores of this checkout against another revision's, on long model-style captions.

A change meant to make scoring faster must not move a number. This scores the same
captions - the model-style captions of ``caption_speed.py`` for every video (three answer
styles), plus 10,000-character captions built from them - with this checkout and with a
git revision (``--before``, default ``HEAD``; exported with ``git archive`` and run in a
child process with that code first on ``sys.path``), both with all-MiniLM-L6-v2 and the
embedding cache off, and prints the largest per-video difference of any of the 13 scores
and the videos beyond 1e-6.

    python benchmarks/caption_regression.py --before v0.2.0 [--shared ../shared] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from caption_speed import long_caption, model_style_caption

REPO = Path(__file__).resolve().parents[1]
SCORE = """
import json, sys
from favor_hf.caption import MINILM_MODEL, score_captions
captions, references = json.load(open(sys.argv[1]))
result = score_captions(captions, references, model_name=MINILM_MODEL, return_details=True)
json.dump([{k: v for k, v in d.items() if isinstance(v, float)} for d in result["details"]], open(sys.argv[2], "w"))
"""


def _score(code_root: Path, inputs: Path, output: Path) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(code_root), "FAVOR_EMBEDDING_CACHE": "off", "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-c", SCORE, str(inputs), str(output)], check=True, env=env, cwd=code_root)
    return json.loads(output.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--before", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--limit", type=int, help="only the first N videos")
    parser.add_argument("--long", type=int, default=20, help="10,000-character captions added (default 20)")
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.shared / "nltk_data"))
    os.environ.setdefault(
        "FAVOR_DICTIONARY_PATH", str(args.shared / "favor" / "official" / "action_extraction_dicts.pkl")
    )
    annotations = json.loads((args.shared / "favor" / "official" / "FAVOR_gt_annotations.json").read_text())
    videos = list(annotations)[: args.limit]
    references = [annotations[video] for video in videos]
    captions = [model_style_caption(annotations[video], i % 3) for i, video in enumerate(videos)]
    longs = [long_caption(captions, start) for start in range(args.long)]
    captions, references = captions + longs, references + references[: len(longs)]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp, "inputs.json")
        inputs.write_text(json.dumps([captions, references]))
        before = Path(tmp, "before")
        before.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.before], check=True, capture_output=True
        ).stdout
        Path(tmp, "before.tar").write_bytes(archive)
        with tarfile.open(Path(tmp, "before.tar")) as tar:
            tar.extractall(before, filter="data")
        old = _score(before, inputs, Path(tmp, "before.json"))
        new = _score(REPO, inputs, Path(tmp, "after.json"))
    diffs = [max(abs(a[key] - b[key]) for key in a) for a, b in zip(old, new)]
    print(
        f"{len(captions)} captions ({len(videos)} model-style, mean {sum(map(len, captions[: len(videos)])) / len(videos):.0f} "
        f"characters, and {len(longs)} of 10,000), this checkout vs {args.before}: largest per-video difference "
        f"{max(diffs):.2e}, videos beyond 1e-6: {sum(d > 1e-6 for d in diffs)}/{len(diffs)}"
    )


if __name__ == "__main__":
    main()
