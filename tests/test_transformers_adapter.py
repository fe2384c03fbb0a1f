"""The transformers adapter end to end through generate, with a tiny random LLaVA built here (no download)."""

from __future__ import annotations

import numpy as np
import pytest

from favor_hf.data.favor_json import load_video_records
from favor_hf.models import ModelInput, load_adapter
from favor_hf.results import read_results
from favor_hf.runner import Sampling, build_items, run_benchmark

WORDS = ["<pad>", "<s>", "</s>", "<unk>", "<image>", "USER:", "ASSISTANT:"] + [f"w{i}" for i in range(57)]
CHAT_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'user' %}USER: {% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<image> {% else %}{{ c['text'] }} {% endif %}{% endfor %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_llava(tmp_path_factory) -> str:
    """A randomly initialised 1-layer LLaVA (CLIP vision + Llama text) with a word-level tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        extra_special_tokens={"image_token": "<image>"},
    )
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessorPil(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28}),
        tokenizer=tokenizer,
        patch_size=14,
        vision_feature_select_strategy="default",
        chat_template=CHAT_TEMPLATE,
        num_additional_image_tokens=1,
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=28,
            patch_size=14,
            projection_dim=16,
        ),
        text_config=LlamaConfig(
            vocab_size=len(WORDS),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=512,
            pad_token_id=0,
            bos_token_id=1,
            eos_token_id=2,
        ),
        image_token_index=WORDS.index("<image>"),
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-llava")
    LlavaForConditionalGeneration(config).save_pretrained(path)
    processor.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def adapter(tiny_llava):
    adapter = load_adapter(f"transformers:{tiny_llava}", device="cpu", dtype="float32", max_new_tokens=6, batch_size=3)
    yield adapter
    adapter.close()


def _frames(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 40, 60, 3), dtype=np.uint8)


def test_generates_text_from_the_vocabulary(adapter, tiny_llava):
    assert adapter.name == f"transformers:{tiny_llava}" and adapter.max_batch_size == 3
    (answer,) = adapter.generate([ModelInput(prompt="w1 w2 w3", frames=_frames(0, 4))])
    words = answer.split()
    assert 1 <= len(words) <= 6 and set(words) <= set(WORDS[7:])


def test_batched_answers_equal_one_by_one_answers(adapter):
    inputs = [
        ModelInput(prompt="w1 w2 w3 w4 w5", frames=_frames(1, 2)),
        ModelInput(prompt="w9", frames=_frames(2, 4)),
        ModelInput(prompt="w7 w8", frames=_frames(3, 3)),
    ]
    alone = [adapter.generate([request])[0] for request in inputs]
    assert adapter.generate(inputs) == alone  # left padding keeps every prompt's answer


def test_frames_change_the_answer(adapter):
    answers = {adapter.generate([ModelInput(prompt="w1", frames=_frames(seed, 2))])[0] for seed in range(6)}
    assert len(answers) > 1


def test_runs_the_benchmark_in_batches(adapter, tmp_path):
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "synth", n=2, seed=0)
    records = load_video_records(tmp_path / "synth")
    out = tmp_path / "r.jsonl"
    summary = run_benchmark(
        adapter, records, "mcq", out, sampling=Sampling(frames=8, max_side=64), limit=5, progress=False
    )
    assert (summary.answered, summary.failed) == (5, 0)
    lines = read_results(out).records
    assert [line["id"] for line in lines] == [item["id"] for item in build_items(records, "mcq")[:5]]
    assert [line["timing"]["batch"] for line in lines] == [3, 3, 3, 2, 2]
    assert all(line["output"] and line["frames"] == 8 for line in lines)


def test_unloadable_model_names_the_path(tmp_path):
    with pytest.raises(ValueError, match="cannot load .*empty-dir"):
        load_adapter(f"transformers:{tmp_path / 'empty-dir'}", device="cpu")


def test_options_of_other_adapters_are_refused(tiny_llava):
    with pytest.raises(ValueError, match="does not take option.*base_url"):
        load_adapter(f"transformers:{tiny_llava}", base_url="http://127.0.0.1:1/v1")


def test_dtype_option_is_applied(tiny_llava):
    import torch

    adapter = load_adapter(f"transformers:{tiny_llava}", device="cpu", dtype="bfloat16", max_new_tokens=3)
    assert adapter.model.dtype == torch.bfloat16 and adapter.model.device.type == "cpu"
    (answer,) = adapter.generate([ModelInput(prompt="w1", frames=_frames(0, 2))])
    assert set(answer.split()) <= set(WORDS[7:])


def test_run_command_passes_model_options(tiny_llava, tmp_path, capsys):
    from favor_hf.cli import main
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "synth", n=1, seed=4)
    out = tmp_path / "r.jsonl"
    code = main(
        [
            "run",
            "--model",
            f"transformers:{tiny_llava}",
            "--data-dir",
            str(tmp_path / "synth"),
            "--out",
            str(out),
            "--frames",
            "8",
            "--max-side",
            "64",
            "--limit",
            "3",
            "--device",
            "cpu",
            "--dtype",
            "float32",
            "--batch-size",
            "2",
            "--max-new-tokens",
            "4",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "3 items selected: 0 already done, 3 answered now" in printed and "ALL" in printed
    assert [line["timing"]["batch"] for line in read_results(out).records] == [2, 2, 1]


def test_unsupported_family_falls_back_and_says_so_once(tiny_llava, tmp_path):
    from favor_hf.synth import make_synthetic_benchmark

    adapter = load_adapter(f"transformers:{tiny_llava}", device="cpu", max_new_tokens=3, share_video_prefix=True)
    assert adapter.share_video_prefix is False
    assert adapter.notes == (
        "share_video_prefix: model family 'llava' is not one of qwen2_5_vl, qwen3_vl, llava_onevision; "
        "every question was answered from its full prompt",
    )
    make_synthetic_benchmark(tmp_path / "synth", n=1, seed=0)
    summary = run_benchmark(
        adapter,
        load_video_records(tmp_path / "synth"),
        "mcq",
        tmp_path / "r.jsonl",
        sampling=Sampling(frames=8, max_side=64),
        limit=2,
        progress=False,
    )
    assert summary.format().count("share_video_prefix: model family 'llava'") == 1
    lines = read_results(tmp_path / "r.jsonl").records
    assert [line["share_video_prefix"] for line in lines] == [False, False]
    assert [line["usage"]["vision_calls"] for line in lines] == [1, 1]
