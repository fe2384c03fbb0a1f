"""Read and validate FAVOR JSON files into plain, checked records.

A FAVOR data directory holds ``video_perspective.json`` (a list of videos, each with its
annotation strings and ``questions``), optionally ``question_perspective.json`` (the same
questions, flat, with their ``question_key``) and the clips under ``videos/FAVOR-Bench/``.

Example:
    >>> records = load_video_records("synth")  # a data directory written by `favor-hf synth`
    >>> items = list(iter_mcq_items(records))
    >>> len(records), len(items), items[0]["question_key"], items[0]["task_type"]
    (4, 21, 'synth0000_1', 'CM')

Structural problems raise :class:`DataError` naming the file, the record and the field;
recoverable ones (an absent annotation string, a video with no questions, a missing clip)
are counted in the :class:`LoadReport` passed by the caller, or, when none is passed,
announced with one :class:`FavorDataWarning` per kind.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from favor_hf.schema import ANNOTATION_FIELDS, TASK_CODES

VIDEO_PERSPECTIVE = "video_perspective.json"
QUESTION_PERSPECTIVE = "question_perspective.json"
VIDEO_SUBDIR = Path("videos") / "FAVOR-Bench"
TRAIN_VIDEO_SUBDIR = Path("videos") / "FAVOR-Train"
VIDEO_SUFFIX = ".mp4"
QUESTION_FIELDS: tuple[str, ...] = ("question", "options", "correct_answer", "task_type")


class DataError(ValueError):
    """A FAVOR data file is malformed; the message names the file, record and field."""


class FavorDataWarning(UserWarning):
    """A recoverable irregularity in FAVOR data (counted in a :class:`LoadReport`)."""


@dataclass
class LoadReport:
    """Counts of recoverable irregularities met while loading, with a few examples each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    missing_videos: list[str] = field(default_factory=list)
    num_videos: int = 0

    def add(self, kind: str, message: str) -> None:
        """Count one irregularity of ``kind``; keep the first three messages as examples."""
        self.counts[kind] += 1
        shown = self.examples.setdefault(kind, [])
        if len(shown) < 3:
            shown.append(message)

    def summary(self) -> str:
        """One line per kind: count and the first example."""
        lines = [f"{kind}: {n} (e.g. {self.examples[kind][0]})" for kind, n in sorted(self.counts.items())]
        return "\n".join(lines)

    def emit(self) -> None:
        """Issue one :class:`FavorDataWarning` per kind of irregularity."""
        for kind, n in sorted(self.counts.items()):
            warnings.warn(f"{n} × {kind}, e.g. {self.examples[kind][0]}", FavorDataWarning, stacklevel=3)
        if self.missing_videos:
            warnings.warn(self.missing_summary(), FavorDataWarning, stacklevel=3)

    def missing_summary(self) -> str:
        """``"N of M videos missing ..."``, or ``""`` when every video was found."""
        if not self.missing_videos:
            return ""
        shown = ", ".join(self.missing_videos[:3])
        return (
            f"{len(self.missing_videos)} of {self.num_videos} videos missing (e.g. {shown}): "
            "their annotations and questions load with video = None"
        )


def video_stem(name: str) -> str:
    """``"26k-11-2-3|P1|3561|3966.mp4"`` -> ``"26k-11-2-3|P1|3561|3966"`` (ids keep every other character)."""
    return name[: -len(VIDEO_SUFFIX)] if name.lower().endswith(VIDEO_SUFFIX) else name


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file, or a JSON Lines file (one object per line) when it is not one document."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err})") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        first_error = err
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2 or not _is_json_object(lines[0][1]):
        raise DataError(
            f"{path}: malformed JSON at line {first_error.lineno}, column {first_error.colno}: {first_error.msg}"
        ) from first_error
    rows = []
    for n, line in lines:
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise DataError(f"{path}: malformed JSON Lines record at line {n}, column {err.colno}: {err.msg}") from err
    return rows


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _where(path: Path, index: int, name: str | None) -> str:
    return f"{path}: record {index}" + (f" (video_name {name!r})" if name is not None else "")


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"{where}: field {key!r} must be a string, got {type(value).__name__}")
    return value


def _annotations(raw: dict[str, Any], where: str, report: LoadReport) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ANNOTATION_FIELDS:
        if raw.get(key) is None:
            report.add(f"annotation field {key!r} absent (loaded as '')", where)
            out[key] = ""
        else:
            out[key] = _text(raw[key], where, key)
    return out


def _question(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: must be an object with {', '.join(QUESTION_FIELDS)}, got {type(raw).__name__}")
    missing = [key for key in QUESTION_FIELDS if key not in raw]
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
    question = _text(raw["question"], where, "question")
    options = raw["options"]
    if not isinstance(options, list) or not options or not all(isinstance(o, str) for o in options):
        raise DataError(f"{where}: field 'options' must be a non-empty list of strings")
    answer = _text(raw["correct_answer"], where, "correct_answer")
    if answer not in options:
        raise DataError(f"{where}: field 'correct_answer' {answer!r} is not one of its options {options!r}")
    task = raw["task_type"]
    if task not in TASK_CODES:
        raise DataError(
            f"{where}: field 'task_type' {task!r} is not a FAVOR task (expected one of {', '.join(TASK_CODES)})"
        )
    return {
        "question": question,
        "options": list(options),
        "correct_answer": answer,
        "answer_index": options.index(answer),
        "task_type": task,
    }


def video_path_for(data_dir: Path, name: str, subdir: Path = VIDEO_SUBDIR) -> str | None:
    """Absolute path of ``DIR/videos/FAVOR-Bench/<name>.mp4`` (or of ``<name>`` without the
    extension), or ``None`` when neither exists."""
    for path in (data_dir / subdir / f"{name}{VIDEO_SUFFIX}", data_dir / subdir / name):
        if path.is_file():
            return str(path.resolve())
    return None


def attach_videos(records: list[dict[str, Any]], base: Path, subdir: Path = VIDEO_SUBDIR) -> list[dict[str, Any]]:
    """Set each record's ``video_path`` to its clip under ``base/subdir`` (``None`` when absent)."""
    for record in records:
        record["video_path"] = video_path_for(base, record["video_name"], subdir)
    return records


def names_without_video(records: Iterable[dict[str, Any]]) -> list[str]:
    """The ``video_name`` of each record whose ``video_path`` is ``None``, in order."""
    return [record["video_name"] for record in records if record["video_path"] is None]


def parse_video_record(raw: Any, index: int, path: Path, report: LoadReport, *, with_questions: bool) -> dict[str, Any]:
    """Check one video-level record: ``video_name``, the annotation strings and, if asked, ``questions``.

    ``index`` is the record's 0-based position in ``path``; questions get no key yet.
    """
    if not isinstance(raw, dict):
        raise DataError(f"{_where(path, index, None)}: must be an object, got {type(raw).__name__}")
    if "video_name" not in raw:
        raise DataError(f"{_where(path, index, None)}: missing field 'video_name'")
    name = video_stem(_text(raw["video_name"], _where(path, index, None), "video_name"))
    where = _where(path, index, name)
    if not name:
        raise DataError(f"{where}: field 'video_name' is empty")
    if not any(key in raw for key in ANNOTATION_FIELDS):
        raise DataError(
            f"{where}: none of the annotation fields {', '.join(ANNOTATION_FIELDS)}; is this a FAVOR video-level file?"
        )
    record: dict[str, Any] = {"video_name": name, **_annotations(raw, where, report)}
    if with_questions:
        if "questions" not in raw:
            raise DataError(
                f"{where}: missing field 'questions'. A file of video-level annotations without questions "
                "loads as the 'videos' config (favor-hf export --annotations FILE)."
            )
        if not isinstance(raw["questions"], list):
            raise DataError(f"{where}: field 'questions' must be a list, got {type(raw['questions']).__name__}")
        if not raw["questions"]:
            report.add("video with an empty 'questions' list (kept, no MCQ rows)", where)
        record["questions"] = [_question(q, f"{where}: field 'questions[{i}]'") for i, q in enumerate(raw["questions"])]
    return record


def _same_question(entry: dict[str, Any], question: dict[str, Any]) -> bool:
    return all(entry.get(key, question[key]) == question[key] for key in ("question", "options", "correct_answer"))


def _match_keys(
    path: Path, name: str, entries: list[tuple[int, dict[str, Any]]], questions: list[dict[str, Any]]
) -> list[str]:
    """Keys of ``questions`` from their ``question_perspective.json`` entries: in order, else by content."""
    if all(_same_question(entry, q) for (_, entry), q in zip(entries, questions, strict=True)):
        return [entry["question_key"] for _, entry in entries]
    pool, keys = list(entries), []
    for n, question in enumerate(questions):
        found = next((j for j, (_, entry) in enumerate(pool) if _same_question(entry, question)), None)
        if found is None:
            raise DataError(
                f"{path}: no question of video_name {name!r} matches question {n} of that video in "
                f"{VIDEO_PERSPECTIVE} (fields 'question', 'options', 'correct_answer'): {question['question']!r}"
            )
        keys.append(pool.pop(found)[1]["question_key"])
    return keys


def _question_keys(path: Path, records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Question keys per video from ``question_perspective.json``, checked against the questions."""
    data = read_json(path)
    if isinstance(data, dict):
        data = [{"question_key": key, **value} if isinstance(value, dict) else value for key, value in data.items()]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of questions, got {type(data).__name__}")
    by_video: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("question_key"), str):
            raise DataError(f"{path}: record {i}: missing string field 'question_key'")
        if not isinstance(entry.get("video_name"), str):
            raise DataError(
                f"{path}: record {i} (question_key {entry['question_key']!r}): missing string field 'video_name'"
            )
        by_video.setdefault(video_stem(entry["video_name"]), []).append((i, entry))
    keys: dict[str, list[str]] = {}
    for record in records:
        name, questions = record["video_name"], record["questions"]
        entries = by_video.pop(name, [])
        if len(entries) != len(questions):
            raise DataError(
                f"{path}: video_name {name!r} has {len(entries)} questions but {VIDEO_PERSPECTIVE} has {len(questions)}"
            )
        keys[name] = _match_keys(path, name, entries, questions)
    if by_video:
        extra = sorted(by_video)[:3]
        raise DataError(f"{path}: {len(by_video)} video(s) not in {VIDEO_PERSPECTIVE}, e.g. {extra}")
    return keys


def _check_unique(values: Iterable[tuple[str, str]], path: Path, what: str) -> None:
    seen: dict[str, str] = {}
    for value, where in values:
        if value in seen:
            raise DataError(f"{path}: duplicate {what} {value!r} in {where} (first in {seen[value]})")
        seen[value] = where


def parse_video_records(data: Any, path: Path, report: LoadReport, *, with_questions: bool) -> list[dict[str, Any]]:
    """Check a list of video-level records and that their video names are unique."""
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of video records, got {type(data).__name__}")
    records = [parse_video_record(raw, i, path, report, with_questions=with_questions) for i, raw in enumerate(data)]
    _check_unique(((r["video_name"], f"record {i}") for i, r in enumerate(records)), path, "video_name")
    return records


def load_video_records(data_dir: str | os.PathLike[str], report: LoadReport | None = None) -> list[dict[str, Any]]:
    """Read and validate ``DIR/video_perspective.json`` (plus ``question_perspective.json`` keys).

    Returns one dict per video: ``video_name`` (no extension), ``video_path`` (absolute, or
    ``None`` when ``DIR/videos/FAVOR-Bench/<name>.mp4`` is absent), the six annotation strings
    and ``questions`` (``question_key``, ``question``, ``options``, ``correct_answer``,
    ``answer_index``, ``task_type``). Question keys come from ``question_perspective.json``
    when present, else ``f"{video_name}_{i}"`` with ``i`` counting from 1 within the video.

    Raises:
        DataError: malformed JSON, a record without ``questions``, an unknown ``task_type``,
            a ``correct_answer`` not among its ``options``, duplicate video names or question keys.
    """
    data_dir = Path(data_dir)
    own_report = report is None
    report = report or LoadReport()
    path = data_dir / VIDEO_PERSPECTIVE
    records = parse_video_records(read_json(path), path, report, with_questions=True)
    qp_path = data_dir / QUESTION_PERSPECTIVE
    keys = _question_keys(qp_path, records) if qp_path.is_file() else {}
    report.num_videos += len(records)
    for record in records:
        name = record["video_name"]
        own_keys = keys.get(name) or [f"{name}_{i}" for i in range(1, len(record["questions"]) + 1)]
        record["questions"] = [{"question_key": key, **q} for key, q in zip(own_keys, record["questions"], strict=True)]
        record["video_path"] = video_path_for(data_dir, name)
        if record["video_path"] is None:
            report.missing_videos.append(name)
    _check_unique(
        ((q["question_key"], f"video_name {r['video_name']!r}") for r in records for q in r["questions"]),
        qp_path if keys else path,
        "question_key",
    )
    if own_report:
        report.emit()
    return records


def load_annotation_records(path: str | os.PathLike[str], report: LoadReport | None = None) -> list[dict[str, Any]]:
    """Read video-level annotations (no questions needed) from one file.

    Accepted layouts: a JSON object keyed by video id (``FAVOR_gt_annotations.json``), a JSON
    list of records with ``video_name``, or JSON Lines of such records. Each record needs
    ``video_name`` (or its key) and the annotation fields; ``questions``, if any, are ignored.
    Records get ``video_path = None``; see :func:`video_path_for`.
    """
    path = Path(path)
    own_report = report is None
    report = report or LoadReport()
    records = parse_annotation_data(read_json(path), path, report)
    if own_report:
        report.emit()
    return records


def parse_annotation_data(data: Any, path: Path, report: LoadReport) -> list[dict[str, Any]]:
    """The records of :func:`load_annotation_records` from the already parsed content of ``path``."""
    if isinstance(data, dict):
        if not all(isinstance(v, dict) for v in data.values()):
            raise DataError(
                f"{path}: a JSON object must map video ids to annotation objects; "
                "otherwise give a JSON list or JSON Lines of records with 'video_name'"
            )
        data = [{**value, "video_name": key} for key, value in data.items()]
    elif not isinstance(data, list):
        raise DataError(
            f"{path}: expected a JSON object keyed by video id, a JSON list or JSON Lines of video records, "
            f"got {type(data).__name__}"
        )
    records = parse_video_records(data, path, report, with_questions=False)
    for record in records:
        record["video_path"] = None
    return records


def iter_mcq_items(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten video records into one dict per question, in file order."""
    return [
        {
            "question_key": q["question_key"],
            "video_name": r["video_name"],
            "video_path": r.get("video_path"),
            "question": q["question"],
            "options": q["options"],
            "correct_answer": q["correct_answer"],
            "answer_index": q["answer_index"],
            "task_type": q["task_type"],
        }
        for r in records
        for q in r["questions"]
    ]
