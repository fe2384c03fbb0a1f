"""``favor-hf sft``: supervised fine-tuning of a Qwen2.5-VL-style model with TRL's ``SFTTrainer``.

The recipe reads the ``trl`` files of ``favor-hf sft-export``. Each clip is decoded when its
batch is built, with the same :class:`favor_hf.video.Sampling` presets as ``favor-hf run``
(``fps``, 8/16/32/64 uniform frames, ``official``, ``max_side`` or a pixel budget), and reaches
the model through the ``transformers`` adapter's own processor call
(:meth:`~favor_hf.models.hf_transformers.TransformersAdapter.processor_inputs`): the model is
trained on exactly the inputs it is evaluated on (a video part for video processors, image
parts otherwise), followed by the answer. The loss covers the answer only. With ``lora_r``
set, PEFT LoRA adapters train on the language model's attention and MLP projections and are
merged into the saved checkpoint, so ``favor-hf run --model transformers:OUT`` loads it.

Hyperparameters of the paper's FAVOR-Train run are not published; the defaults here are a
starting point, not a replica.

Example:
    >>> # not run in CI: downloads 7B weights from the Hub and needs a GPU
    >>> # (tests/test_sft_train.py runs the same call on a tiny random model on the CPU)
    >>> result = train_sft("Qwen/Qwen2.5-VL-7B-Instruct", "sft/trl/train.jsonl", "qwen-favor",
    ...                    sampling=Sampling(frames=16), max_steps=1000, lora_r=16)  # doctest: +SKIP
    >>> result.losses[:3]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from favor_hf.data.favor_json import DataError, read_json
from favor_hf.video import Sampling

LORA_TARGETS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
"""Linear layers LoRA adapts: the language model's attention and MLP projections (PEFT regex;
the vision tower, whose MLP has the same layer names, is left as it is)."""

RECIPE_FILE = "favor_sft.json"
"""Written next to the checkpoint: the data, sampling, settings and losses of the run."""


@dataclass
class SftResult:
    """The saved checkpoint and the training loss logged at every step."""

    checkpoint: Path
    losses: list[float] = field(default_factory=list)
    num_examples: int = 0


def _example(row: Any, path: Path, line: int) -> dict[str, str]:
    """``{"video", "prompt", "target"}`` from one TRL record written by :func:`favor_hf.finetune.formats.trl_row`."""
    where = f"{path}: record {line}"
    try:
        parts = row["prompt"][0]["content"]
        video = next(p["path"] for p in parts if p.get("type") == "video")
        prompt = "".join(p["text"] for p in parts if p.get("type") == "text")
        target = "".join(p["text"] for p in row["completion"][0]["content"] if p.get("type") == "text")
    except (KeyError, IndexError, TypeError, StopIteration) as err:
        raise DataError(
            f"{where}: field 'prompt' or 'completion' is not in the layout of favor-hf sft-export --format trl "
            f"(a user turn with a video part and a text part, an assistant turn with a text part): {err!r}"
        ) from err
    if not Path(video).is_file():
        raise DataError(f"{where}: field 'prompt[0].content[].path': clip {video} not found")
    return {"video": video, "prompt": prompt, "target": target}


def load_sft_file(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read and check a ``trl`` file of ``favor-hf sft-export`` (JSON Lines, or a JSON list)."""
    path = Path(path)
    data = read_json(path)
    data = [data] if isinstance(data, dict) else data
    if not isinstance(data, list) or not data:
        raise DataError(f"{path}: expected JSON Lines of TRL records written by favor-hf sft-export --format trl")
    return [_example(row, path, i) for i, row in enumerate(data)]


def answer_suffix(processor: Any, answer: str) -> str:
    """The text the chat template adds after the generation prompt for ``answer`` (e.g. ``answer<|im_end|>\\n``)."""
    user = [{"role": "user", "content": [{"type": "text", "text": "?"}]}]
    prompt = processor.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
    full = processor.apply_chat_template(
        [*user, {"role": "assistant", "content": [{"type": "text", "text": answer}]}], tokenize=False
    )
    if not full.startswith(prompt):
        raise ValueError("the chat template does not render an answer after its generation prompt; cannot train on it")
    return full[len(prompt) :]


class VideoSftCollator:
    """Batches of the exact evaluation inputs, followed by the answer; loss on the answer only.

    The prompt part is :meth:`favor_hf.models.hf_transformers.TransformersAdapter.processor_inputs`
    of the clip sampled with ``sampling`` (left-padded, as at evaluation); the answer tokens
    follow it, right-padded. Labels are ``-100`` except on the answer and its end-of-turn tokens.
    """

    def __init__(self, adapter: Any, sampling: Sampling):
        self.adapter, self.sampling = adapter, sampling

    def __call__(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        import torch

        from favor_hf.models.base import ModelInput

        inputs = []
        for row in rows:
            clip = self.sampling.clip(row["video"])
            inputs.append(ModelInput(prompt=row["prompt"], video_path=row["video"], frames=clip.frames, clip=clip))
        batch = dict(self.adapter.processor_inputs(inputs).to("cpu"))
        tokenizer = getattr(self.adapter.processor, "tokenizer", self.adapter.processor)
        answers = [answer_suffix(self.adapter.processor, row["target"]) for row in rows]
        ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in answers]
        width = max(map(len, ids))
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        answer_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
        answer_mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
        prompt_ids = batch["input_ids"]
        for key, value in batch.items():  # token-aligned extras (mm_token_type_ids, ...) get zeros for the answer
            if (
                key not in ("input_ids", "attention_mask")
                and torch.is_tensor(value)
                and value.shape == prompt_ids.shape
            ):
                batch[key] = torch.cat([value, torch.zeros_like(answer_ids)], dim=1)
        batch["input_ids"] = torch.cat([prompt_ids, answer_ids], dim=1)
        batch["attention_mask"] = torch.cat([batch["attention_mask"], answer_mask], dim=1)
        labels = torch.cat([torch.full_like(prompt_ids, -100), answer_ids.masked_fill(answer_mask == 0, -100)], dim=1)
        batch["labels"] = labels
        return batch


def train_sft(
    model_id: str,
    train_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    sampling: Sampling,
    max_steps: int = -1,
    epochs: float = 1.0,
    batch_size: int = 1,
    grad_accum: int = 1,
    learning_rate: float = 1e-5,
    lora_r: int | None = None,
    seed: int = 0,
    device: str | None = None,
    video_input: str = "auto",
) -> SftResult:
    """Fine-tune ``model_id`` on ``train_file`` and save model + processor to ``out``.

    Args:
        model_id: Hub id or local directory of an image-text-to-text model with a chat template.
        train_file: the ``trl`` train file of ``favor-hf sft-export``.
        out: checkpoint directory.
        sampling: the frame sampling preset, as for ``favor-hf run``.
        max_steps: optimizer steps (``-1``: ``epochs`` passes over the data).
        lora_r: LoRA rank; ``None`` trains every weight.
        device: ``"cpu"`` forces the CPU; default the GPU when there is one.
        video_input: how frames reach the model, as ``favor-hf run --video-input`` (``auto``,
            ``video`` or ``images``); train and evaluate with the same value.
    """
    rows = load_sft_file(train_file)  # fail on a bad file before the heavy imports
    import datasets
    import torch
    from transformers import PreTrainedModel
    from trl import SFTConfig, SFTTrainer

    from favor_hf.models.hf_transformers import TransformersAdapter

    out = Path(out)
    use_cpu = device == "cpu" or not torch.cuda.is_available()
    adapter = TransformersAdapter(
        model_id, device="cpu" if use_cpu else None, dtype="float32" if use_cpu else "auto", video_input=video_input
    )
    config = SFTConfig(
        output_dir=str(out),
        max_steps=max_steps,
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=grad_accum,
        learning_rate=learning_rate,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=seed,
        use_cpu=use_cpu,
        bf16=not use_cpu and torch.cuda.is_bf16_supported(),
        gradient_checkpointing=False,
        remove_unused_columns=False,  # the collator reads video, prompt and target
        dataset_kwargs={"skip_prepare_dataset": True},  # the collator tokenizes
        dataloader_num_workers=0,
    )
    peft_config = None
    if lora_r:
        from peft import LoraConfig

        peft_config = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules=LORA_TARGETS, task_type="CAUSAL_LM")
    trainer = SFTTrainer(
        model=adapter.model,
        args=config,
        train_dataset=datasets.Dataset.from_list(rows),
        data_collator=VideoSftCollator(adapter, sampling),
        processing_class=adapter.processor,
        peft_config=peft_config,
    )
    trainer.train()
    trained = trainer.model
    if lora_r:
        from peft import PeftModel

        if not isinstance(trained, PeftModel):  # SFTTrainer wraps the model in one when given peft_config
            raise RuntimeError(f"expected a LoRA (peft) model after training, got {type(trained).__name__}")
        trained = trained.merge_and_unload()
    if not isinstance(trained, PreTrainedModel):
        raise RuntimeError(f"expected a transformers model after training, got {type(trained).__name__}")
    trained.save_pretrained(out)
    adapter.processor.save_pretrained(out)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    if not losses or not all(math.isfinite(loss) for loss in losses):
        raise RuntimeError(f"training loss is not finite: {losses}; lower the learning rate (--learning-rate)")
    result = SftResult(checkpoint=out, losses=losses, num_examples=len(rows))
    recipe = {
        "base_model": model_id,
        "train_file": str(Path(train_file).resolve()),
        "sampling": sampling.label,
        "video_input": adapter.video_input,
        "settings": {
            "max_steps": max_steps,
            "epochs": epochs,
            "batch_size": batch_size,
            "grad_accum": grad_accum,
            "learning_rate": learning_rate,
            "lora_r": lora_r,
            "seed": seed,
        },
        **{k: v for k, v in asdict(result).items() if k != "checkpoint"},
    }
    (out / RECIPE_FILE).write_text(json.dumps(recipe, indent=1) + "\n", encoding="utf-8")
    return result
