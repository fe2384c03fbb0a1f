"""Write SFT examples in the layouts of the trainers people use.

Clip paths are written absolute: LLaMA-Factory joins them to its ``media_dir`` and Qwen2.5-VL's
finetune code to its ``data_path``, and joining an absolute path keeps it as it is.

- ``llamafactory``: ``favor_<split>.json``, ShareGPT with OpenAI-style tags (``messages`` of
  ``role``/``content``, ``<video>`` before the prompt, ``videos``), plus the ``dataset_info.json``
  entries (``formatting: sharegpt``, ``columns``, ``tags``); copy them into LLaMA-Factory's
  ``data/dataset_info.json`` or point ``dataset_dir`` at the folder.
- ``trl``: ``<split>.jsonl``, TRL's conversational prompt-completion format; the user turn is a
  ``{"type": "video", "path": ...}`` part then a text part, the answer a text part. The recipe
  in :mod:`favor_hf.finetune.train` reads it and turns the video part into sampled frames.
- ``qwen``: ``<split>.json`` for Qwen2.5-VL's ``qwen-vl-finetune``: ``video`` and
  ``conversations`` of ``from`` (``human``/``gpt``) and ``value``, the human turn opening with
  ``"<video>\\n"``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from favor_hf.data.sharegpt import VIDEO_TOKEN
from favor_hf.finetune.examples import SftExample

FORMATS = ("llamafactory", "trl", "qwen")


def llamafactory_row(example: SftExample) -> dict[str, Any]:
    """One ShareGPT record of LLaMA-Factory."""
    return {
        "messages": [
            {"role": "user", "content": f"{VIDEO_TOKEN}{example.prompt}"},
            {"role": "assistant", "content": example.target},
        ],
        "videos": [example.video_path],
    }


def trl_row(example: SftExample) -> dict[str, Any]:
    """One conversational prompt-completion record of TRL, with a video content part."""
    return {
        "id": example.id,
        "kind": example.kind,
        "prompt": [
            {
                "role": "user",
                "content": [{"type": "video", "path": example.video_path}, {"type": "text", "text": example.prompt}],
            }
        ],
        "completion": [{"role": "assistant", "content": [{"type": "text", "text": example.target}]}],
    }


def qwen_row(example: SftExample) -> dict[str, Any]:
    """One record of Qwen2.5-VL's finetune JSON."""
    return {
        "video": example.video_path,
        "conversations": [
            {"from": "human", "value": f"{VIDEO_TOKEN}\n{example.prompt}"},
            {"from": "gpt", "value": example.target},
        ],
    }


def dataset_info_entry(file_name: str) -> dict[str, Any]:
    """The ``dataset_info.json`` entry of a file written by :func:`llamafactory_row`."""
    return {
        "file_name": file_name,
        "formatting": "sharegpt",
        "columns": {"messages": "messages", "videos": "videos"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_format(
    fmt: str, examples: list[SftExample], out: str | os.PathLike[str], name: str = "favor"
) -> dict[str, Path]:
    """Write ``examples`` in ``fmt`` under ``out/fmt``; return the file of each non-empty split."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    folder = Path(out) / fmt
    folder.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[SftExample]] = {}
    for example in examples:
        splits.setdefault(example.split, []).append(example)
    written: dict[str, Path] = {}
    for split, items in splits.items():
        if fmt == "trl":
            path = folder / f"{split}.jsonl"
            path.write_text("".join(json.dumps(trl_row(e), ensure_ascii=False) + "\n" for e in items), encoding="utf-8")
        else:
            row: Callable[[SftExample], dict[str, Any]] = llamafactory_row if fmt == "llamafactory" else qwen_row
            path = folder / (f"{name}_{split}.json" if fmt == "llamafactory" else f"{split}.json")
            _write_json(path, [row(e) for e in items])
        written[split] = path
    if fmt == "llamafactory":
        _write_json(
            folder / "dataset_info.json", {f"{name}_{s}": dataset_info_entry(p.name) for s, p in written.items()}
        )
    return written
