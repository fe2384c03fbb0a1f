"""FAVOR-Train in LLaMA-Factory's ShareGPT video format, mapped to video-level records.

The FAVOR maintainers describe the Hub file of FAVOR-Train (``zl2048/FAVOR``) as following
"the SFT instruction and video data format of LLaMA-Factory and Qwen2.5-VL". That file cannot
be read offline, so this module assumes exactly what LLaMA-Factory documents for
``formatting: sharegpt`` and nothing more:

- the file is a JSON list or JSON Lines of objects;
- the turns are in ``messages`` (``{"role": "user"|"assistant"|"system", "content": str}``)
  or ``conversations`` (``{"from": "human"|"gpt"|"system", "value": str}``);
- ``<video>`` placeholders in the user turns, one per entry of ``videos`` (a list of paths,
  or a single path as in Qwen2.5-VL's finetune JSON, whose key ``video`` is also accepted);
- an optional ``system`` string.

Each object becomes one record of the ``train`` config: ``video_name`` is the clip's file
name without extension (a second record of the same clip gets ``_2``, ``_3``, ... and is
counted); the last assistant turn is the ``caption``. When that answer holds the other
annotation fields, as a JSON object with their names or as the labelled lines written by
:func:`render_structured` (``Camera motion: ...``), they are parsed out, and ``caption`` is
then the labelled ``Caption:`` part (empty when absent). The turns are kept verbatim in
``conversation`` and the clip string in ``video_source``.

Clip paths are resolved the way LLaMA-Factory resolves its ``media_dir``: relative to the data
directory (default: the file's folder), then by file name under ``videos/FAVOR-Train/``.
A URL (FAVOR-Train's Koala-36M clips are YouTube links) or a file that is absent gives
``video_path = None``, counted per reason in the :class:`~favor_hf.data.favor_json.LoadReport`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

from favor_hf.data.favor_json import (
    TRAIN_VIDEO_SUBDIR,
    DataError,
    LoadReport,
    parse_video_record,
    video_stem,
)
from favor_hf.schema import ANNOTATION_FIELDS

VIDEO_TOKEN = "<video>"
TURN_KEYS = ("messages", "conversations")
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
"""ShareGPT role names (LLaMA-Factory's defaults and the OpenAI-style ones) -> ``user``/``assistant``/``system``."""

STRUCTURED_LABELS: dict[str, str] = {
    "camera_motion": "Camera motion",
    "num_subjects": "Number of subjects",
    "subject_attributes": "Subject attributes",
    "motion_list": "Motion list",
    "chronological_motion_list": "Chronological motion list",
    "caption": "Caption",
}
"""The label of each annotation field in a structured answer, in the order they are written."""

MISSING_FILE = "clip file not found (video = None)"
REMOTE_URL = "clip is a remote URL, not downloaded (video = None)"

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_LABEL_LINE = re.compile(
    r"^\s*(" + "|".join(re.escape(label) for label in STRUCTURED_LABELS.values()) + r")\s*:\s*", re.IGNORECASE
)
_FIELD_OF_LABEL = {label.lower(): name for name, label in STRUCTURED_LABELS.items()}


def is_sharegpt(data: Any) -> bool:
    """True when ``data`` is a list whose first object has ``messages`` or ``conversations``."""
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and any(k in data[0] for k in TURN_KEYS)


def is_remote(source: str | None) -> bool:
    """True for a URL such as ``https://www.youtube.com/watch?v=...``."""
    return bool(source and _URL.match(source))


def render_structured(record: dict[str, Any], fields: tuple[str, ...] = tuple(STRUCTURED_LABELS)) -> str:
    """The annotation fields of ``record`` as labelled lines, skipping empty ones.

    Example:
        >>> print(render_structured({"camera_motion": "Pans left", "motion_list": "Subject 1: Man [Walks]"}))
        Camera motion: Pans left
        Motion list: Subject 1: Man [Walks]
    """
    return "\n".join(
        f"{STRUCTURED_LABELS[name]}: {' '.join(record[name].split())}"
        for name in fields
        if record.get(name, "").strip()
    )


def parse_structured(answer: str) -> dict[str, str] | None:
    """The annotation fields held in an answer, or ``None`` when it is free text.

    Recognizes a JSON object with annotation field names and the labelled lines of
    :func:`render_structured` (a line without a label continues the previous field).
    """
    text = answer.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and any(key in data for key in ANNOTATION_FIELDS):
            return {key: str(data[key]) for key in ANNOTATION_FIELDS if data.get(key) is not None}
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _LABEL_LINE.match(line)
        if match:
            current = _FIELD_OF_LABEL[match.group(1).lower()]
            fields.setdefault(current, []).append(line[match.end() :].strip())
        elif current is not None and line.strip():
            fields[current].append(line.strip())
        elif line.strip():
            return None  # free text before any label: not a structured answer
    if len(fields) < 2:
        return None
    return {name: " ".join(parts) for name, parts in fields.items()}


def clip_name(source: str) -> str:
    """The ``video_name`` of a clip: its file name without ``.mp4``; a YouTube link's ``v`` id.

    Example:
        >>> clip_name("koala/abc.mp4"), clip_name("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5")
        ('abc', 'dQw4w9WgXcQ')
    """
    if is_remote(source):
        url = urlsplit(source)
        ids = parse_qs(url.query).get("v")
        if ids:
            return ids[0]
        source = url.path
    return video_stem(PurePosixPath(source).name)


def _turns(raw: dict[str, Any], where: str) -> list[dict[str, str]]:
    key = next(k for k in TURN_KEYS if k in raw)
    turns = raw[key]
    if not isinstance(turns, list) or not turns:
        raise DataError(f"{where}: field {key!r} must be a non-empty list of turns")
    out = []
    if isinstance(raw.get("system"), str) and raw["system"]:
        out.append({"role": "system", "content": raw["system"]})
    for i, turn in enumerate(turns):
        role_key, content_key = ("role", "content") if isinstance(turn, dict) and "role" in turn else ("from", "value")
        if not isinstance(turn, dict) or not isinstance(turn.get(content_key), str):
            raise DataError(f"{where}: field '{key}[{i}]' must be an object with a string {content_key!r}")
        role = ROLES.get(str(turn.get(role_key)).lower())
        if role is None:
            raise DataError(
                f"{where}: field '{key}[{i}].{role_key}' is {turn.get(role_key)!r}; expected one of {', '.join(ROLES)}"
            )
        out.append({"role": role, "content": turn[content_key]})
    return out


def _videos(raw: dict[str, Any], where: str) -> list[str]:
    key = "videos" if "videos" in raw else "video" if "video" in raw else None
    if key is None:
        raise DataError(f"{where}: no field 'videos'; a FAVOR-Train record needs its clip")
    value = raw[key]
    videos = [value] if isinstance(value, str) else value
    if not isinstance(videos, list) or not videos or not all(isinstance(v, str) and v for v in videos):
        raise DataError(f"{where}: field {key!r} must be a path or a non-empty list of paths")
    return videos


def _resolve(source: str, base: Path) -> str | None:
    for path in (base / source, base / TRAIN_VIDEO_SUBDIR / PurePosixPath(source).name):
        if path.is_file():
            return str(path.resolve())
    return None


def parse_sharegpt_record(raw: Any, index: int, path: Path, base: Path, report: LoadReport) -> dict[str, Any]:
    """One ShareGPT object -> a ``train`` record with ``conversation``, ``video_source`` and ``video_path``."""
    where = f"{path}: record {index}"
    if not isinstance(raw, dict) or not any(k in raw for k in TURN_KEYS):
        raise DataError(f"{where}: expected an object with 'messages' or 'conversations' like the records before it")
    conversation = _turns(raw, where)
    videos = _videos(raw, where)
    placeholders = sum(turn["content"].count(VIDEO_TOKEN) for turn in conversation)
    if placeholders != len(videos):
        raise DataError(f"{where}: {placeholders} {VIDEO_TOKEN} placeholder(s) in the turns but {len(videos)} video(s)")
    if len(videos) > 1:
        report.add("record with several clips (the first is its video)", where)
    answers = [turn["content"] for turn in conversation if turn["role"] == "assistant"]
    if not answers:
        raise DataError(f"{where}: no assistant turn; the assistant's answer is the caption")
    if len(answers) > 1:
        report.add("record with several assistant turns (the last is the caption)", where)
    answer = answers[-1].strip()
    fields = parse_structured(answer)
    if fields is None:
        fields = {"caption": answer}
    name = clip_name(videos[0])
    record = parse_video_record({"video_name": name, **fields}, index, path, report, with_questions=False)
    if is_remote(videos[0]):
        record["video_path"] = None
        report.add(REMOTE_URL, f"{where} (video_name {name!r})")
    else:
        record["video_path"] = _resolve(videos[0], base)
        if record["video_path"] is None:
            report.add(MISSING_FILE, f"{where} (video_name {name!r})")
    record["conversation"] = conversation
    record["video_source"] = videos[0]
    return record


def parse_sharegpt_records(data: list[Any], path: Path, base: Path, report: LoadReport) -> list[dict[str, Any]]:
    """Map every object; a clip used by several records names them ``<stem>``, ``<stem>_2``, ..."""
    records = [parse_sharegpt_record(raw, i, path, base, report) for i, raw in enumerate(data)]
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        name = record["video_name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            record["video_name"] = f"{name}_{seen[name]}"
            report.add("clip used by several records (renamed <name>_2, <name>_3, ...)", f"{path}: record {i}")
    return records
