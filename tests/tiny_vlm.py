"""Tiny random-weight video VLMs (Qwen2.5-VL, LLaVA-OneVision, Qwen3-VL) built on disk, for tests that need a real one.

``build_tiny_qwen2_5_vl(path)`` writes a directory that ``AutoProcessor.from_pretrained`` and
``AutoModelForImageTextToText.from_pretrained`` load: a 2-layer, hidden-64 text model with a 1-block
vision tower, a byte-level BPE tokenizer (trained here on a fixed corpus, so any text encodes)
carrying the Qwen2.5-VL special tokens, our own Jinja rendering of the Qwen2.5-VL chat format, and a
real ``Qwen2_5_VLProcessor`` (image processor + video processor + tokenizer). Weights are seeded, so
every build is identical; the saved generation config is greedy and suppresses tokens that are not
printable ASCII, so generated answers are readable text.
``build_tiny_llava_onevision(path)`` and ``build_tiny_qwen3_vl(path)`` do the same for LLaVA-OneVision
(SigLIP 28 px + Qwen2) and Qwen3-VL (frame timestamps written into the prompt).
The ``tiny_qwen2_5_vl`` and ``tiny_llava_onevision`` fixtures build them once per test session (``from tiny_vlm import tiny_qwen2_5_vl``
in a test module makes it available there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# Same rendering as Qwen2.5-VL's template: default system turn, one vision block per image/video part.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first and message['role'] != 'system' -%}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' or 'image' in part or 'image_url' in part -%}"
    "{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{%- elif part['type'] == 'video' or 'video' in part -%}"
    "{{ '<|vision_start|><|video_pad|><|vision_end|>' }}"
    "{%- elif 'text' in part -%}{{ part['text'] }}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)

CORPUS = [
    "The person walks to the left and then turns around.",
    "A man raises his right hand, waves twice, and sits down on the chair.",
    "The camera pans right while the woman opens the door and steps outside.",
    "Which direction does the ball move? (A) left (B) right (C) up (D) down",
    "Answer with the option's letter from the given choices directly. The answer is B.",
    "She picks up the cup, drinks, puts it back on the table, and nods slowly.",
    "The dog runs forward, jumps over the fence, and lands on the grass.",
    "The camera zooms in; the subject stands still and then claps once.",
]


def _tokenizer(
    specials: list[str] = SPECIAL_TOKENS, extra: dict[str, str] | None = None, chat_template: str = CHAT_TEMPLATE
):
    """A byte-level BPE (512 tokens, trained on :data:`CORPUS`) with ``specials``; eos ``<|im_end|>``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(CORPUS, trainer=trainer)
    if extra is None:
        extra = {
            "image_token": "<|image_pad|>",
            "video_token": "<|video_pad|>",
            "vision_bos_token": "<|vision_start|>",
            "vision_eos_token": "<|vision_end|>",
        }
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=chat_template,
        extra_special_tokens=extra,
    )


def _unprintable(tokenizer, keep: int) -> list[int]:
    """Token ids that decode to anything but printable ASCII (stray UTF-8 bytes, specials), except ``keep``."""
    texts = [tokenizer.decode([i]) for i in range(len(tokenizer))]
    return [i for i, text in enumerate(texts) if i != keep and not (text and text.isascii() and text.isprintable())]


def _save(path: Path, model_class, config, processor, tokenizer, seed: int, **generation) -> str:
    """Build ``model_class(config)`` seeded, give it a greedy printable-ASCII generation config, save it and ``processor``."""
    import torch
    from transformers import GenerationConfig

    end, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    torch.manual_seed(seed)
    model = model_class(config).eval()
    model.generation_config = GenerationConfig(
        do_sample=False,
        eos_token_id=end,
        pad_token_id=pad,
        suppress_tokens=_unprintable(tokenizer, keep=end),
        **generation,
    )
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return str(path)


def build_tiny_qwen2_5_vl(path: str | Path, seed: int = 0) -> str:
    """Write a seeded tiny random-weight Qwen2.5-VL model + processor into ``path``; return the path."""
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
    )
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import (
        Qwen2VLImageProcessor,
    )
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import (
        Qwen2VLVideoProcessor,
    )

    path = Path(path)
    tokenizer = _tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "max_position_embeddings": 4096,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [4, 6, 6]},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 1,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 112,
            "fullatt_block_indexes": [0],
            "tokens_per_second": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    processor = Qwen2_5_VLProcessor(
        image_processor=Qwen2VLImageProcessor(),
        video_processor=Qwen2VLVideoProcessor(),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    return _save(
        path, Qwen2_5_VLForConditionalGeneration, config, processor, tokenizer, seed, bos_token_id=ids["<|endoftext|>"]
    )


# LLaVA-OneVision renders its media as <image>/<video> tokens inside the same im_start/im_end turns.
ONEVISION_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}{{ '<image>\\n' }}"
    "{%- elif part['type'] == 'video' -%}{{ '<video>\\n' }}"
    "{%- elif 'text' in part -%}{{ part['text'] }}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)


def build_tiny_llava_onevision(path: str | Path, seed: int = 0) -> str:
    """Write a seeded tiny random-weight LLaVA-OneVision (SigLIP 28 px + Qwen2) with its video processor."""
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        LlavaOnevisionProcessor,
    )
    from transformers.models.llava_onevision.image_processing_llava_onevision import (
        LlavaOnevisionImageProcessor,
    )
    from transformers.models.llava_onevision.video_processing_llava_onevision import (
        LlavaOnevisionVideoProcessor,
    )

    path = Path(path)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
    tokenizer = _tokenizer(specials, {"image_token": "<image>", "video_token": "<video>"}, ONEVISION_TEMPLATE)
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in specials}
    config = LlavaOnevisionConfig(
        vision_config={
            "model_type": "siglip_vision_model",
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 28,
            "patch_size": 14,
            "vision_use_head": False,
        },
        text_config={
            "model_type": "qwen2",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "max_position_embeddings": 2048,
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        image_token_index=ids["<image>"],
        video_token_index=ids["<video>"],
        image_grid_pinpoints=[[28, 28]],
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
    )
    processor = LlavaOnevisionProcessor(
        image_processor=LlavaOnevisionImageProcessor(size={"height": 28, "width": 28}, image_grid_pinpoints=[[28, 28]]),
        video_processor=LlavaOnevisionVideoProcessor(size={"height": 28, "width": 28}),
        tokenizer=tokenizer,
        num_image_tokens=4,
        vision_feature_select_strategy="full",
        chat_template=ONEVISION_TEMPLATE,
    )
    return _save(path, LlavaOnevisionForConditionalGeneration, config, processor, tokenizer, seed)


def build_tiny_qwen3_vl(path: str | Path, seed: int = 0) -> str:
    """Write a seeded tiny random-weight Qwen3-VL (patch 16, timestamps in the prompt) with its processor."""
    from transformers import (
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
    )
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import (
        Qwen2VLImageProcessor,
    )
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import (
        Qwen3VLVideoProcessor,
    )

    path = Path(path)
    tokenizer = _tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    config = Qwen3VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 32,
            "max_position_embeddings": 4096,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 5000000.0,
                "mrope_section": [4, 6, 6],
                "mrope_interleaved": True,
            },
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "num_position_embeddings": 64,
            "deepstack_visual_indexes": [0],
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(patch_size=16),
        video_processor=Qwen3VLVideoProcessor(),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    return _save(path, Qwen3VLForConditionalGeneration, config, processor, tokenizer, seed)


@pytest.fixture(scope="session")
def tiny_qwen2_5_vl(tmp_path_factory) -> str:
    """Directory of a tiny random Qwen2.5-VL, built once per test session."""
    return build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("tiny-qwen2_5_vl"))


@pytest.fixture(scope="session")
def tiny_llava_onevision(tmp_path_factory) -> str:
    """Directory of a tiny random LLaVA-OneVision, built once per test session."""
    return build_tiny_llava_onevision(tmp_path_factory.mktemp("tiny-llava-onevision"))
