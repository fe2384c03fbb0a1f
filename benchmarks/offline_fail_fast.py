"""Seconds until a missing model or dataset is reported, with no network and HF_HUB_OFFLINE unset.

Each case runs as a fresh process with an empty Hugging Face cache, as a newcomer would
meet it, twice side by side: through favor-hf (which probes the Hub once, see
``favor_hf.network``) and through the library call favor-hf used to make directly
(``huggingface_hub`` then retries with backoff). Run it on a machine without network;
``--refused-endpoint`` simulates one anywhere by pointing ``HF_ENDPOINT`` at a closed
loopback port.

usage: python benchmarks/offline_fail_fast.py [--refused-endpoint] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES: dict[str, tuple[str, str]] = {
    # name: (favor-hf call, the direct library call it used to be)
    "Sentence-BERT model absent (all-distilroberta-v1)": (
        "from favor_hf.caption.score.embed import load_sentence_model\nload_sentence_model('sentence-transformers/all-distilroberta-v1')",
        "from sentence_transformers import SentenceTransformer\nSentenceTransformer('sentence-transformers/all-distilroberta-v1')",
    ),
    "transformers model id with a typo": (
        "from favor_hf.models import load_adapter\nload_adapter('transformers:Qwen/Qwen2.5-VL-3B-Instruc', device='cpu')",
        "from transformers import AutoProcessor\nAutoProcessor.from_pretrained('Qwen/Qwen2.5-VL-3B-Instruc')",
    ),
    "exported dataset repo, load_bench(repo=...)": (
        "import favor_hf\nfavor_hf.load_bench('mcq', repo='someorg/favor-bench', cache_dir='c')",
        "import datasets\ndatasets.load_dataset('someorg/favor-bench', 'mcq', cache_dir='c')",
    ),
}

TIMEOUT_S = 600


def _environment(work: Path, refused_endpoint: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    env["HF_HOME"] = str(work / "hf")
    if refused_endpoint:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            env["HF_ENDPOINT"] = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return env


def _seconds_to_error(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"no error within {TIMEOUT_S} s"
    elapsed = time.perf_counter() - start
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return elapsed, (
        "exit 0 (no error)" if done.returncode == 0 else (lines[-1] if lines else f"exit {done.returncode}")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refused-endpoint", action="store_true", help="point HF_ENDPOINT at a closed loopback port")
    parser.add_argument("--no-baseline", action="store_true", help="skip the direct library calls (minutes each)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = _environment(work, options.refused_endpoint)
        probe = subprocess.run(
            [sys.executable, "-c", "from favor_hf.network import hub_offline_reason; print(hub_offline_reason())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"Hub: {probe}")
        if probe == "None":
            sys.exit("the Hub is reachable here: run without network or with --refused-endpoint")
        synth = subprocess.run(
            [sys.executable, "-m", "favor_hf", "synth", "--out", str(work / "demo"), "--n", "1"],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        if synth.returncode != 0:
            sys.exit(synth.stderr)
        run = [
            "-m",
            "favor_hf",
            "run",
            "--model",
            "flow",
            "--task",
            "caption",
            "--data-dir",
            str(work / "demo"),
            "--out",
            str(work / "flow.jsonl"),
        ]
        for name, (ours, direct) in CASES.items():
            seconds, message = _seconds_to_error(["-c", ours], env, work)
            line = f"{name}: favor-hf {seconds:.1f} s"
            if not options.no_baseline:
                baseline, _ = _seconds_to_error(["-c", direct], env, work)
                line += f", direct library call {baseline:.1f} s ({baseline / seconds:.0f}x)"
            print(line)
            print(f"    {message[:300]}")
        seconds, message = _seconds_to_error(run, env, work)
        ran = (work / "flow.jsonl").exists()
        print(
            f"favor-hf run --task caption, default scoring model absent: error after {seconds:.1f} s, "
            f"{'after' if ran else 'before'} running the model"
        )
        print(f"    {message[:300]}")


if __name__ == "__main__":
    main()
