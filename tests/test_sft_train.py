"""Fine-tune the tiny random Qwen2.5-VL on synthetic clips with TRL, then evaluate it with ``favor-hf run``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file
from tiny_vlm import tiny_qwen2_5_vl  # noqa: F401 (fixture)

from favor_hf.cli import main
from favor_hf.finetune.export import export_sft
from favor_hf.finetune.train import VideoSftCollator, load_sft_file, train_sft
from favor_hf.models.hf_transformers import TransformersAdapter
from favor_hf.synth import make_synthetic_benchmark
from favor_hf.video import Sampling

SAMPLING = ["--fps", "4", "--max-side", "56"]
PRESET = Sampling(fps=4, max_side=56)


@pytest.fixture(scope="module")
def sft_data(tmp_path_factory) -> tuple[Path, Path]:
    """A 3-clip synthetic FAVOR directory and its TRL export (captions only)."""
    root = tmp_path_factory.mktemp("sft")
    make_synthetic_benchmark(root / "synth", 3, seed=5, width=64, height=48, seconds=1.0)
    export_sft(root / "sft", data_dir=root / "synth", formats=["trl"])
    return root / "synth", root / "sft" / "trl" / "train.jsonl"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "favor_hf", *args], check=False, capture_output=True, text=True, timeout=600
    )


def test_collator_trains_on_the_answer_after_the_evaluation_inputs(tiny_qwen2_5_vl: str, sft_data):  # noqa: F811
    _, train_file = sft_data
    rows = load_sft_file(train_file)
    adapter = TransformersAdapter(tiny_qwen2_5_vl, device="cpu")
    sampling = PRESET
    batch = VideoSftCollator(adapter, sampling)(rows[:2])
    tokenizer = adapter.processor.tokenizer
    for i, row in enumerate(rows[:2]):
        answer = batch["labels"][i][batch["labels"][i] != -100]
        assert tokenizer.decode(answer) == row["target"] + "<|im_end|>\n"
    from favor_hf.models.base import ModelInput

    clip = sampling.clip(rows[0]["video"])
    alone = adapter.processor_inputs([ModelInput(prompt=rows[0]["prompt"], frames=clip.frames, clip=clip)])
    assert adapter.video_input == "video" and "pixel_values_videos" in batch
    prompt = batch["input_ids"][0][batch["attention_mask"][0] == 1][: alone["input_ids"].shape[1]]
    assert prompt.tolist() == alone["input_ids"][0].tolist()  # the model trains on what it is evaluated on
    loss = adapter.model(**batch).loss  # a padded batch of two goes through the model
    assert math.isfinite(loss.item())


def test_train_then_evaluate_with_favor_hf_run(tiny_qwen2_5_vl: str, sft_data, tmp_path: Path, capsys):  # noqa: F811
    synth, train_file = sft_data
    ckpt = tmp_path / "ckpt"
    code = main(
        [
            "sft",
            "--model",
            tiny_qwen2_5_vl,
            "--train-file",
            str(train_file),
            "--out",
            str(ckpt),
            *SAMPLING,
            "--max-steps",
            "3",
            "--learning-rate",
            "1e-3",
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    command = capsys.readouterr().out.split("favor-hf run ", 1)[1].split()  # the evaluation command it prints
    assert command[:2] == ["--model", f"transformers:{ckpt}"]
    recipe = json.loads((ckpt / "favor_sft.json").read_text())
    losses = recipe["losses"]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses) and len(set(losses)) > 1
    assert recipe["sampling"] == PRESET.label and recipe["num_examples"] == 3
    base = load_file(Path(tiny_qwen2_5_vl) / "model.safetensors")
    tuned = load_file(ckpt / "model.safetensors")
    assert base.keys() == tuned.keys() and any(not base[k].equal(tuned[k]) for k in base)

    results = tmp_path / "results.jsonl"  # evaluated in a fresh process: the checkpoint stands alone
    command = [{"DIR": str(synth), "results.jsonl": str(results)}.get(arg, arg) for arg in command]
    run = _cli("run", *command, "--limit", "3", "--max-new-tokens", "4", "--device", "cpu")
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(lines) == 3 and all(x["error"] is None and isinstance(x["output"], str) for x in lines)
    assert {x["model"] for x in lines} == {f"transformers:{ckpt}"} and "accuracy" in run.stdout
    assert {x["sampling"] for x in lines} == {PRESET.label} and {x["video_input"] for x in lines} == {"video"}


def test_lora_is_merged_into_a_plain_checkpoint(tiny_qwen2_5_vl: str, sft_data, tmp_path: Path):  # noqa: F811
    _, train_file = sft_data
    result = train_sft(
        tiny_qwen2_5_vl,
        train_file,
        tmp_path / "lora",
        sampling=PRESET,
        max_steps=2,
        learning_rate=1e-2,
        lora_r=4,
        device="cpu",
    )
    assert len(result.losses) == 2 and all(math.isfinite(x) for x in result.losses)
    base = load_file(Path(tiny_qwen2_5_vl) / "model.safetensors")
    tuned = load_file(tmp_path / "lora" / "model.safetensors")
    assert base.keys() == tuned.keys()  # merged: no lora_A/lora_B tensors left
    changed = {k for k in base if not base[k].equal(tuned[k])}
    assert changed and all("proj" in k and "visual" not in k for k in changed)
    TransformersAdapter(str(tmp_path / "lora"), device="cpu")  # loads as a plain model


def test_bad_train_file_names_file_and_record(tmp_path: Path):
    bad = tmp_path / "train.jsonl"
    bad.write_text(json.dumps({"prompt": "hi", "completion": "x"}) + "\n", encoding="utf-8")
    run = _cli("sft", "--model", "unused", "--train-file", str(bad), "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and f"{bad}: record 0" in run.stderr and "sft-export --format trl" in run.stderr


@pytest.mark.parametrize(
    ("sampling", "video_input", "visual_key"),
    [(Sampling(official=True, max_side=None), "video", "pixel_values_videos"), (PRESET, "images", "pixel_values")],
)
def test_collator_follows_the_preset_and_video_input(tiny_qwen2_5_vl: str, sft_data, sampling, video_input, visual_key):  # noqa: F811
    _, train_file = sft_data
    adapter = TransformersAdapter(tiny_qwen2_5_vl, device="cpu", video_input=video_input)
    batch = VideoSftCollator(adapter, sampling)(load_sft_file(train_file)[:2])
    assert visual_key in batch and math.isfinite(adapter.model(**batch).loss.item())
