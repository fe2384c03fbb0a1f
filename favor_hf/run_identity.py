"""A run's identity: every setting that decides its answers, recorded in each results line.

Two runs with the same identity give the same answers (up to the model's own nondeterminism);
resuming a results file with another identity is refused, naming the flag that differs. The
identity of a line is its :data:`RUN_KEYS` fields:

- ``task``, ``model`` (``ADAPTER:ID``), ``sampling`` (the frame preset's label), ``universe``
  (size and digest of the item set) and ``video_input`` (how frames reached the model);
- ``settings``: a flat dict of the rest, from :func:`run_settings`: the favor-hf version,
  ``prompt`` (sha1 of the prompt template of the task), the adapter's options that decide its
  answers with defaults filled in (``dtype``, ``max_new_tokens``, ``batch_size``,
  ``attn_implementation``, ``temperature``, ... and any option an adapter adds later, such as
  ``share_video_prefix``), ``device`` (the kind the model ran on: ``cpu``, ``cuda``, ...) and,
  for caption runs, ``caption_model`` and ``official_hash_seed`` of the caption score.

Lines written before favor-hf recorded ``settings`` have none; readers treat that as an
unknown setting, never as a difference between the old lines of one file.

Example:
    >>> identity_difference({"model": "random:0", "settings": {"dtype": "float32"}},
    ...                     {"model": "random:0", "settings": {"dtype": "bfloat16"}})
    "--dtype differs: the file was run with 'float32', this run has 'bfloat16'"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from favor_hf.models.base import ModelAdapter

RUN_KEYS: tuple[str, ...] = ("task", "model", "sampling", "universe", "video_input", "settings")
"""Fields that must agree between all lines of one results file."""

NOT_DECIDING: frozenset[str] = frozenset({"base_url", "api_key", "timeout", "max_retries", "backoff"})
"""Adapter options that change how answers are fetched, never what they are: left out of ``settings``."""

SETTING_FLAGS: dict[str, str] = {
    "favor_hf": "the favor-hf version",
    "prompt": "the prompt template",
    "device": "--device",
    "dtype": "--dtype",
    "max_new_tokens": "--max-new-tokens",
    "batch_size": "--batch-size",
    "attn_implementation": "--attn-implementation",
    "image_format": "--image-format",
    "share_video_prefix": "--share-video-prefix",
    "caption_model": "--caption-model",
    "official_hash_seed": "--official-hash-seed",
    "task": "--task",
    "model": "--model",
    "sampling": "the frame sampling (--fps, --frames, --sampling, --max-side, pixel budgets)",
    "universe": "the item set (--data-dir)",
    "video_input": "--video-input",
}
"""Identity field -> what the user changes to change it (a flag where there is one)."""


def prompt_sha1(task: str) -> str:
    """sha1 (12 hex digits) of the prompt template of ``task``: the caption prompt, or the MCQ prompt's form."""
    from favor_hf.prompts import CAPTION_PROMPT, mcq_prompt

    template = CAPTION_PROMPT if task == "caption" else mcq_prompt("{question}", ["{option}"])
    return hashlib.sha1(template.encode("utf-8")).hexdigest()[:12]


def _device_kind(adapter: ModelAdapter) -> str | None:
    device = getattr(getattr(adapter, "model", None), "device", None)
    return getattr(device, "type", None)


def run_settings(
    adapter: ModelAdapter, task: str, *, caption_model: str | None = None, official_hash_seed: int = 0
) -> dict[str, Any]:
    """The ``settings`` identity field of a run of ``adapter`` on ``task`` (see the module docs).

    ``caption_model`` (default: the caption score's default model) and ``official_hash_seed``
    are recorded for caption runs, so that ``favor-hf score`` re-scores them the same way.
    """
    from favor_hf import __version__

    settings: dict[str, Any] = {"favor_hf": __version__, "prompt": prompt_sha1(task)}
    for key, value in sorted(adapter.options.items()):
        if key not in NOT_DECIDING and key != "video_input":  # video_input has its own identity field
            settings[key] = value
    device = _device_kind(adapter)
    if device is not None:
        settings["device"] = device
    if task == "caption":
        from favor_hf.caption.score.embed import DEFAULT_MODEL

        settings["caption_model"] = caption_model or DEFAULT_MODEL
        settings["official_hash_seed"] = official_hash_seed
    return settings


def run_identity(record: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`RUN_KEYS` fields of a line."""
    return {key: record.get(key) for key in RUN_KEYS}


def _differences(recorded: Mapping[str, Any], expected: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    found = []
    for key in RUN_KEYS:  # a key absent on both sides (lines of other tools) agrees
        if key == "settings" and isinstance(recorded.get(key), dict) and isinstance(expected.get(key), dict):
            old, new = recorded[key], expected[key]
            names = sorted(set(old) | set(new), key=str)
            found += [(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)]
        elif recorded.get(key) != expected.get(key):
            found.append((key, recorded.get(key), expected.get(key)))
    return found


def identity_difference(recorded: Mapping[str, Any], expected: Mapping[str, Any]) -> str | None:
    """``None`` when the two identities agree, else a sentence naming each differing setting and both values."""
    found = _differences(recorded, expected)
    if not found:
        return None
    parts = []
    for key, old, new in found:
        if key == "settings" and old is None:
            parts.append("the file was written before favor-hf recorded run settings (versions before 0.3)")
        else:
            parts.append(f"{SETTING_FLAGS.get(key, key)} differs: the file was run with {old!r}, this run has {new!r}")
    return "; ".join(parts)


def settings_labels(settings: Sequence[Mapping[str, Any] | None]) -> list[str]:
    """One label per run naming only the settings that differ between the runs (``""`` where none do;
    ``"settings not recorded"`` for a file of a favor-hf version that did not record them).

    Example:
        >>> settings_labels([{"dtype": "bfloat16", "v": 1}, {"dtype": "float32", "v": 1}])
        ['dtype=bfloat16', 'dtype=float32']
    """
    dicts = [dict(s or {}) for s in settings]
    keys = sorted({k for d in dicts for k in d}, key=str)
    varying = [k for k in keys if len({json.dumps(d.get(k), sort_keys=True, default=str) for d in dicts}) > 1]
    return [",".join(f"{k}={d.get(k)}" for k in varying) if d else "settings not recorded" for d in dicts]


def labels_by_model(models: Sequence[str], settings: Sequence[Mapping[str, Any] | None]) -> list[str]:
    """:func:`settings_labels` within each model: run ``i`` (model ``models[i]``) labelled by the settings
    that tell it apart from the other runs of the same model (``""`` for a model's only run)."""
    labels = [""] * len(models)
    for model in set(models):
        same = [i for i, name in enumerate(models) if name == model]
        for i, label in zip(same, settings_labels([settings[i] for i in same])):
            labels[i] = label
    return labels


def caption_score_choice(
    records: Sequence[Mapping[str, Any]], caption_model: str | None, official_hash_seed: int | None
) -> tuple[dict[str, Any], list[str]]:
    """The caption score options to re-score a caption run with, and a note for each that departs from the run.

    A value given here wins; a value not given (``None``) is the one the run recorded in its
    ``settings``, else the caption score's default. Returns ``score_captions`` keyword arguments
    (``model_name``, ``official_hash_seed``) and notes such as
    ``"re-scored with --caption-model X; the run recorded Y"``.
    """
    recorded = (records[0].get("settings") or {}) if records else {}
    chosen = {"caption_model": caption_model, "official_hash_seed": official_hash_seed}
    notes = []
    for key, value in chosen.items():
        if key not in recorded:
            continue
        if value is None:
            chosen[key] = recorded[key]
        elif value != recorded[key]:
            notes.append(f"re-scored with {SETTING_FLAGS[key]} {value}; the run recorded {recorded[key]}")
    options: dict[str, Any] = {}
    if chosen["caption_model"] is not None:
        options["model_name"] = chosen["caption_model"]
    if chosen["official_hash_seed"] is not None:
        options["official_hash_seed"] = chosen["official_hash_seed"]
    return options, notes


PER_TASK_SETTINGS: tuple[str, ...] = ("prompt", "caption_model", "official_hash_seed")
"""Settings an MCQ run and a caption run of one model always differ in: ignored when pairing them in a report row."""


def row_settings(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``settings`` of a run's lines without :data:`PER_TASK_SETTINGS`: what a report row stands for."""
    recorded = (records[0].get("settings") or {}) if records else {}
    return {k: v for k, v in recorded.items() if k not in PER_TASK_SETTINGS}


def settings_note(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> str | None:
    """``"note: other settings: dtype 'bfloat16' vs 'float32'"`` for two runs' ``settings``, or ``None``."""
    differing = _differences({"settings": a or {}}, {"settings": b or {}})
    if not differing:
        return None
    return "note: other settings: " + ", ".join(f"{key} {x!r} vs {y!r}" for key, x, y in differing)
