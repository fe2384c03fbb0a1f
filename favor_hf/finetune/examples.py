"""FAVOR records -> supervised fine-tuning examples (prompt, target, clip), split by video.

Rules, decided here once:

- **prompt**: ``"favor"`` is :data:`favor_hf.prompts.CAPTION_PROMPT`, the prompt ``favor-hf run
  --task caption`` evaluates with; ``"original"`` is the record's own user turn (ShareGPT
  files) with its ``<video>`` placeholder removed, falling back to the FAVOR prompt; any other
  string is used as the prompt text itself.
- **target**: ``"caption"`` is the annotation caption; ``"structured"`` is
  :func:`favor_hf.data.sharegpt.render_structured` over camera motion, subject attributes,
  motion list and chronological motion list.
- **MCQ items** (optional): a record's own ``questions`` (FAVOR data directories), else two
  templates over its parsed annotations: the camera motion, and the action that follows another
  one. Prompts are the official MCQ prompt (:func:`favor_hf.prompts.mcq_prompt`), targets the
  correct option; distractors come from other videos, seeded.
- **held-out split**: a video is held out when ``sha1(video_name)`` as a fraction of 2^160 is below
  ``heldout``: stable across runs and file orders; all items of a video share its split.
- A record without a usable clip or with an empty target is skipped and counted with its reason.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from favor_hf.annotations import ChronoAction, parse_annotations
from favor_hf.data.sharegpt import VIDEO_TOKEN, is_remote, render_structured
from favor_hf.prompts import CAPTION_PROMPT, mcq_prompt

TARGETS = ("caption", "structured")
PROMPTS = ("favor", "original")
STRUCTURED_FIELDS = ("camera_motion", "subject_attributes", "motion_list", "chronological_motion_list")
"""The annotation fields of a ``structured`` target, in this order."""

NUM_OPTIONS = 5
MAX_DRAWS = 256


@dataclass(frozen=True)
class SftExample:
    """One training item: ``prompt`` about the clip at ``video_path``, answered by ``target``."""

    id: str
    video_name: str
    video_path: str
    split: str
    kind: str
    prompt: str
    target: str


@dataclass
class SftExamples:
    """The examples, plus what was skipped and why."""

    examples: list[SftExample] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, name: str) -> None:
        """Count one skipped video (or item) under ``reason``."""
        self.skipped[reason] += 1
        shown = self.skipped_examples.setdefault(reason, [])
        if len(shown) < 3:
            shown.append(name)

    def counts(self) -> Counter[tuple[str, str]]:
        """Examples per ``(split, kind)``."""
        return Counter((e.split, e.kind) for e in self.examples)


def split_of(video_name: str, heldout: float) -> str:
    """``"heldout"`` or ``"train"`` for a video; see the module docstring."""
    digest = int.from_bytes(hashlib.sha1(video_name.encode("utf-8")).digest(), "big")
    return "heldout" if digest < heldout * 2**160 else "train"


def _prompt(record: dict[str, Any], prompt: str) -> str:
    if prompt == "favor":
        return CAPTION_PROMPT
    if prompt == "original":
        users = [t["content"] for t in record.get("conversation") or [] if t["role"] == "user"]
        text = users[0].replace(VIDEO_TOKEN, "").strip() if users else ""
        return text or CAPTION_PROMPT
    return prompt


def _target(record: dict[str, Any], target: str) -> str:
    """The answer text of ``target`` (checked against :data:`TARGETS` by :func:`build_examples`)."""
    if target == "structured":
        return render_structured(record, STRUCTURED_FIELDS)
    return record.get("caption", "").strip()


def _candidates(local: list[str], pool: list[str], rng: random.Random) -> Iterator[str]:
    """The video's own items shuffled, then a seeded draw from the other videos' (bounded, for 17k videos)."""
    yield from rng.sample(local, len(local))
    if len(pool) <= MAX_DRAWS:
        yield from rng.sample(pool, len(pool))
    else:
        yield from (pool[rng.randrange(len(pool))] for _ in range(MAX_DRAWS))


def _options(correct: str, candidates: Iterable[str], exclude: tuple[str, ...], rng: random.Random) -> list[str] | None:
    """``correct`` plus 4 distinct distractors, none containing another; ``None`` if too few."""
    options = [correct]
    for candidate in candidates:
        low = candidate.lower()
        if candidate not in exclude and all(low not in o.lower() and o.lower() not in low for o in options):
            options.append(candidate)
        if len(options) == NUM_OPTIONS:
            rng.shuffle(options)
            return options
    return None


def _camera(record: dict[str, Any]) -> str:
    """The record's camera motion with its whitespace collapsed (the MCQ option text)."""
    return " ".join(record.get("camera_motion", "").split())


def _annotation_questions(
    record: dict[str, Any], chrono: list[ChronoAction], cameras: list[str], actions: list[str], rng: random.Random
) -> list[tuple[str, list[str], str]]:
    """``(question, options, answer)`` from the camera motion and the chronological action list ``chrono``."""
    out = []
    camera = _camera(record)
    if camera:
        options = _options(camera, _candidates([], cameras, rng), (camera,), rng)
        if options:
            out.append(("How does the camera move in this video?", options, camera))
    for before, after in itertools.pairwise(chrono):
        if before.subject == after.subject and before.action != after.action:
            local = [a.action for a in chrono]
            options = _options(after.action, _candidates(local, actions, rng), (before.action, after.action), rng)
            if options:
                out.append((f'What does {before.subject} do right after "{before.action}"?', options, after.action))
            break
    return out


def build_examples(
    records: Iterable[dict[str, Any]],
    *,
    prompt: str = "favor",
    target: str = "caption",
    mcq: bool = False,
    heldout: float = 0.0,
    seed: int = 0,
) -> SftExamples:
    """SFT examples from video records (``train`` records or a FAVOR data directory's).

    Args:
        records: dicts with ``video_name``, ``video_path``, the annotation strings and optionally
            ``questions``, ``conversation`` and ``video_source``.
        prompt: ``"favor"``, ``"original"`` or a literal prompt (see the module docstring).
        target: ``"caption"`` or ``"structured"``.
        mcq: add multiple-choice items per video.
        heldout: fraction of videos put in the ``heldout`` split (0 <= heldout < 1).
        seed: seeds the MCQ distractors.
    """
    if target not in TARGETS:
        raise ValueError(f"target {target!r}: expected one of {', '.join(TARGETS)}")
    if not 0.0 <= heldout < 1.0:
        raise ValueError(f"heldout must be in [0, 1), got {heldout}")
    records = list(records)
    result = SftExamples()
    rng = random.Random(seed)
    chronos = [parse_annotations(r).chronological_actions for r in records] if mcq else []  # parsed once, MCQ only
    cameras = sorted({_camera(r) for r in records} - {""}) if mcq else []
    actions = sorted({a.action for chrono in chronos for a in chrono})
    for number, record in enumerate(tqdm(records, desc="building SFT examples", unit="video", leave=False)):
        name, path = record["video_name"], record.get("video_path")
        if not path:
            remote = is_remote(record.get("video_source"))
            result.skip("clip is a remote URL" if remote else "clip file not found", name)
            continue
        split = split_of(name, heldout)
        text = _target(record, target)
        if text:
            result.examples.append(SftExample(name, name, path, split, target, _prompt(record, prompt), text))
        else:
            result.skip(f"empty {target} target", name)
        if not mcq:
            continue
        own = record.get("questions") or []
        keys = [q.get("question_key") for q in own]
        questions = [(q["question"], q["options"], q["correct_answer"]) for q in own]
        questions = questions or _annotation_questions(record, chronos[number], cameras, actions, rng)
        if not questions:
            result.skip("no MCQ item derivable from the annotations", name)
        for i, (question, options, answer) in enumerate(questions):
            key = (keys[i] if i < len(keys) else None) or f"{name}_q{i + 1}"
            result.examples.append(SftExample(key, name, path, split, "mcq", mcq_prompt(question, options), answer))
    return result
