"""``favor-hf sft-export`` and ``favor-hf sft``: FAVOR-Train data for trainers, and a TRL recipe."""

from __future__ import annotations

import argparse
from pathlib import Path

from favor_hf.cli.flags import add_sampling_options, in_flags, sampling_from_args, usage_error

SAMPLING_FLAGS = ("fps", "frames", "sampling", "max_side", "min_pixels", "max_pixels", "total_pixels", "video_input")
"""Flags ``sft`` shares with ``favor-hf run`` (same names, same rules): train and evaluate on the same frames."""


def _sampling_flags(args: argparse.Namespace) -> str:
    values = {name: getattr(args, name) for name in SAMPLING_FLAGS}
    return " ".join(
        f"--{name.replace('_', '-')} {format(value, 'g') if isinstance(value, float) else value}"
        for name, value in values.items()
        if value is not None
    )


def _sft_export(args: argparse.Namespace) -> int:
    from favor_hf.data.favor_json import DataError
    from favor_hf.finetune.export import export_sft

    if args.train is None and args.data_dir is None:
        return usage_error(
            "give --train FILE (FAVOR-Train) or --data-dir DIR (a FAVOR data directory, e.g. favor-hf synth)"
        )
    if not 0.0 <= args.heldout < 1.0:
        return usage_error(f"--heldout must be in [0, 1), got {args.heldout}")
    prompt = args.prompt_file.read_text(encoding="utf-8").strip() if args.prompt_file else args.prompt
    try:
        result = export_sft(
            args.out,
            train=args.train,
            data_dir=args.data_dir,
            formats=args.format or ("llamafactory", "trl", "qwen"),
            prompt=prompt,
            target=args.target,
            mcq=args.mcq,
            heldout=args.heldout,
            seed=args.seed,
        )
    except DataError as err:
        return usage_error(in_flags(str(err), {"data_dir=": "--data-dir"}))
    print(result.summary())
    return 0


def _sft(args: argparse.Namespace) -> int:
    from favor_hf.data.favor_json import DataError
    from favor_hf.finetune.train import train_sft

    try:
        sampling = sampling_from_args(args)  # the very flags and rules of favor-hf run
        result = train_sft(
            args.model,
            args.train_file,
            args.out,
            sampling=sampling,
            max_steps=args.max_steps,
            epochs=args.epochs,
            batch_size=args.batch_size,
            grad_accum=args.grad_accum,
            learning_rate=args.learning_rate,
            lora_r=args.lora_r,
            seed=args.seed,
            device=args.device,
            video_input=args.video_input or "auto",
        )
    except (DataError, ValueError) as err:
        return usage_error(str(err))
    losses = result.losses
    print(f"trained {args.model} on {result.num_examples:,} examples ({sampling.label}), {len(losses)} steps")
    print(f"loss: first {losses[0]:.4f}, last {losses[-1]:.4f}, min {min(losses):.4f}")
    print(f"saved {result.checkpoint}; evaluate it on the same frames:")
    print(
        f"  favor-hf run --model transformers:{result.checkpoint} --data-dir DIR {_sampling_flags(args)} --out results.jsonl"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sft-export`` and ``sft`` subcommands."""
    from favor_hf.finetune.examples import PROMPTS, TARGETS
    from favor_hf.finetune.formats import FORMATS

    export = subparsers.add_parser(
        "sft-export",
        help="write FAVOR-Train (or any FAVOR data) as SFT files for LLaMA-Factory, TRL and Qwen2.5-VL",
        description="Build prompt/answer pairs per video (and optionally MCQ items), hold out a stable share of "
        "videos, and write them for LLaMA-Factory (ShareGPT + dataset_info.json), TRL (conversational "
        "prompt-completion with a video part) and Qwen2.5-VL's finetune JSON. Videos without a clip are skipped "
        "and counted by reason.",
    )
    export.add_argument("--out", required=True, type=Path, help="output folder (one subfolder per format)")
    source = export.add_argument_group("input (one of)")
    source.add_argument(
        "--train", type=Path, help="FAVOR-Train file: LLaMA-Factory ShareGPT, JSON object/list or JSON Lines"
    )
    source.add_argument(
        "--data-dir",
        type=Path,
        help="with --train: where clips are looked up (DIR/videos/FAVOR-Train/); alone: a FAVOR "
        "data directory (video_perspective.json, videos/FAVOR-Bench/), e.g. from favor-hf synth",
    )
    export.add_argument("--format", action="append", choices=FORMATS, help="repeatable (default: all three)")
    export.add_argument(
        "--prompt",
        default="favor",
        help=f"{' or '.join(PROMPTS)}: favor-hf's caption prompt (default, what favor-hf run --task "
        "caption asks) or the file's own user turn",
    )
    export.add_argument("--prompt-file", type=Path, help="use this file's text as the prompt instead")
    export.add_argument(
        "--target",
        choices=TARGETS,
        default="caption",
        help="caption: the annotation caption; structured: camera motion, subjects and actions as labelled lines",
    )
    export.add_argument(
        "--mcq",
        action="store_true",
        help="add multiple-choice items (the video's questions, else from its annotations)",
    )
    export.add_argument(
        "--heldout", type=float, default=0.0, help="share of videos held out, by a stable hash of the name (default 0)"
    )
    export.add_argument("--seed", type=int, default=0, help="seed of the MCQ distractors (default 0)")
    export.set_defaults(func=_sft_export)

    sft = subparsers.add_parser(
        "sft",
        help="fine-tune a Qwen2.5-VL-style model on sft-export's TRL file with TRL's SFTTrainer",
        description="Supervised fine-tuning with TRL: frames sampled with the same presets as favor-hf run, loss on "
        "the answer only, optional LoRA (merged into the saved checkpoint). The paper's hyperparameters are not "
        "published; the defaults are a starting point.",
    )
    sft.add_argument(
        "--model", required=True, help="Hub id or local directory (image-text-to-text model with a processor)"
    )
    sft.add_argument("--train-file", required=True, type=Path, help="OUT/trl/train.jsonl of favor-hf sft-export")
    sft.add_argument("--out", required=True, type=Path, help="checkpoint directory (model + processor)")
    add_sampling_options(sft)  # the very flags and rules of favor-hf run
    sft.add_argument("--max-steps", type=int, default=-1, help="optimizer steps (default: --epochs over the data)")
    sft.add_argument("--epochs", type=float, default=1.0)
    sft.add_argument("--batch-size", type=int, default=1)
    sft.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps")
    sft.add_argument("--learning-rate", type=float, default=1e-5)
    sft.add_argument(
        "--lora-r", type=int, help="train LoRA adapters of this rank (merged on save) instead of all weights"
    )
    sft.add_argument("--seed", type=int, default=0)
    sft.add_argument("--device", choices=("cpu",), help="cpu: train on the CPU even when a GPU is present")
    sft.set_defaults(func=_sft)
