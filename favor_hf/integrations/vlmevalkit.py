"""VLMEvalKit's ``FavorBench``: read its prediction files, write the benchmark folder it reads.

**Predictions.** VLMEvalKit writes ``{model}_{dataset}.xlsx`` (or ``.tsv``): the rows of its
benchmark TSV plus ``prediction``, and ``{model}_{dataset}_judge.xlsx`` with ``judge`` added.
:func:`read_predictions` needs the columns ``prediction``, ``options`` (a Python list
literal, as VLMEvalKit stores it), ``task_type``, ``correct_answer`` (or ``answer``) and
``video`` (or ``video_name``); ``question_id`` (the question's position within its video,
from 0) gives the favor-hf id ``<video>_<question_id + 1>``. With the data directory's
records, ids come from there (``question_perspective.json`` keys included).

**Benchmark folder.** VLMEvalKit looks for ``$LMUData/<dataset>/<dataset>.tsv``, its source
``video_perspective.json`` next to it (older than the TSV, or the TSV is rebuilt), and the
clips as ``videos/<video>.mp4``. :func:`write_bench` writes exactly that from a FAVOR data
directory, so ``LMUData=OUT`` runs VLMEvalKit on a local copy without downloading.

Example:
    >>> bench = write_bench("synth", "lmudata")  # LMUData=lmudata runs VLMEvalKit on this copy
    >>> bench.tsv.relative_to("lmudata").as_posix(), bench.questions, bench.videos
    ('FAVOR-Bench/FAVOR-Bench.tsv', 21, 4)
    >>> import pandas as pd
    >>> table = pd.read_csv(bench.tsv, sep="\\t")
    >>> table["prediction"] = table["answer"]  # what VLMEvalKit adds: the model's answer per row
    >>> table.to_csv("Oracle_FAVOR-Bench_1fps.tsv", sep="\\t", index=False)
    >>> records = read_predictions("Oracle_FAVOR-Bench_1fps.tsv")
    >>> len(records), records[0]["model"], records[0]["sampling"]
    (21, 'Oracle', 'vlmevalkit:fps=1')
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from favor_hf.integrations.imported_lines import imported_record
from favor_hf.schema import ANNOTATION_FIELDS, TASK_CODES

DATASET = "FAVOR-Bench"
"""VLMEvalKit's dataset name of FAVOR-Bench (``FavorBench.supported_datasets()``)."""
TSV_COLUMNS: tuple[str, ...] = (
    "index",
    "question_id",
    "question",
    "options",
    "answer",
    "correct_answer",
    "task_type",
    "video",
    "video_name",
    *[f for f in ANNOTATION_FIELDS if f != "num_subjects"],
)
"""Columns of VLMEvalKit's FAVOR-Bench TSV, in its order."""
_TEXT_COLUMNS: tuple[str, ...] = (
    "prediction",
    "options",
    "answer",
    "correct_answer",
    "task_type",
    "video",
    "video_name",
)
_SAMPLING = re.compile(r"_(?:(\d+(?:\.\d+)?)fps|(\d+)frame)", re.IGNORECASE)


class VLMEvalKitError(ValueError):
    """A VLMEvalKit file is unreadable or lacks a column; the message names the file, row and field."""


def _read_table(path: Path) -> Any:
    import pandas as pd

    text = dict.fromkeys(_TEXT_COLUMNS, str)  # ids like "00123" and answers like "3" stay text
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=text)
        return pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",", dtype=text)
    except Exception as err:  # pandas raises many types for a bad file
        raise VLMEvalKitError(
            f"{path}: cannot read as a VLMEvalKit prediction table ({type(err).__name__}: {err})"
        ) from err


def _column(columns: Any, path: Path, *names: str) -> str:
    for name in names:
        if name in columns:
            return name
    raise VLMEvalKitError(
        f"{path}: no column {' or '.join(map(repr, names))}; is it a VLMEvalKit FavorBench prediction file?"
    )


def _cell(value: Any) -> Any:
    """A table cell with pandas' empty-cell NaN as ``None``."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _options(value: Any, where: str) -> list[str]:
    options = value
    if isinstance(value, str):
        try:
            options = ast.literal_eval(value)
        except (ValueError, SyntaxError) as err:
            raise VLMEvalKitError(f"{where}: field 'options' is not a Python list literal ({err})") from None
    if not isinstance(options, (list, tuple)) or not all(isinstance(o, str) for o in options):
        raise VLMEvalKitError(f"{where}: field 'options' must be a list of strings, got {value!r}")
    return list(options)


def model_and_sampling(path: str | os.PathLike[str]) -> tuple[str, str]:
    """``("Qwen2.5-VL-7B", "vlmevalkit:fps=1")`` from ``Qwen2.5-VL-7B_FAVOR-Bench_1fps.xlsx``."""
    stem = Path(path).stem.removesuffix("_judge")
    match = re.search(r"_favor", stem, re.IGNORECASE)
    model, dataset = (stem[: match.start()], stem[match.start() :]) if match else (stem, "")
    rate = _SAMPLING.search(dataset)
    preset = "" if rate is None else f":fps={float(rate.group(1)):g}" if rate.group(1) else f":frames={rate.group(2)}"
    return model or stem, "vlmevalkit" + preset


def read_predictions(
    path: str | os.PathLike[str],
    question_keys: dict[tuple[str, int], str] | None = None,
    model: str | None = None,
) -> list[dict[str, Any]]:
    """favor-hf results lines for every row of a VLMEvalKit FavorBench prediction file.

    Args:
        path: ``.xlsx``, ``.tsv`` or ``.csv`` with the columns listed in the module docstring.
        question_keys: ``{(video, position): question_key}`` of the data directory, when known.
        model: the model name to record (default: the part of the file name before ``_FAVOR``).

    Raises:
        VLMEvalKitError: a column is missing, or a row's options or task type are invalid.
    """
    path = Path(path)
    table = _read_table(path)
    columns = set(table.columns)
    prediction = _column(columns, path, "prediction")
    answer = _column(columns, path, "correct_answer", "answer")
    video = _column(columns, path, "video", "video_name")
    _column(columns, path, "options")
    _column(columns, path, "task_type")
    guessed_model, sampling = model_and_sampling(path)
    source = {"format": "vlmevalkit", "file": str(path)}
    seen: dict[str, int] = {}
    records = []
    for row_number, row in enumerate(table.to_dict("records")):
        where = f"{path}: row {row_number + 2} (index {row.get('index', row_number)})"
        name = str(_cell(row[video]) or "").removesuffix(".mp4")
        task_type = _cell(row["task_type"])
        if task_type not in TASK_CODES:
            raise VLMEvalKitError(
                f"{where}: field 'task_type' is {task_type!r}, expected one of {', '.join(TASK_CODES)}"
            )
        options = _options(_cell(row["options"]), where)
        correct = str(_cell(row[answer]))
        if correct not in options:
            raise VLMEvalKitError(f"{where}: field {answer!r} {correct!r} is not one of its options {options!r}")
        position = _cell(row.get("question_id"))
        position = int(position) if position is not None else seen.get(name, 0)
        seen[name] = position + 1
        key = (question_keys or {}).get((name, position), f"{name}_{position + 1}")
        output = _cell(row[prediction])
        reference = {"correct_answer": correct, "options": options, "task_type": task_type}
        records.append(
            imported_record(
                key,
                name,
                "" if output is None else str(output),
                reference,
                model=model or guessed_model,
                sampling=sampling,
                source=source,
            )
        )
    return records


@dataclass
class BenchFolder:
    """What :func:`write_bench` wrote."""

    root: Path
    tsv: Path
    questions: int
    videos: int
    missing_videos: list[str]

    def summary(self) -> str:
        """Human-readable lines, ending with how to point VLMEvalKit at the folder."""
        lines = [
            f"wrote {self.tsv} ({self.questions:,} questions) and {self.videos:,} clips in {self.tsv.parent / 'videos'}"
        ]
        if self.missing_videos:
            shown = ", ".join(self.missing_videos[:3])
            lines.append(f"  missing clips: {len(self.missing_videos):,} (e.g. {shown}); VLMEvalKit needs every clip")
        lines.append(f"point VLMEvalKit at it: export LMUData={self.root.resolve()}")
        return "\n".join(lines)


def tsv_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of VLMEvalKit's FAVOR-Bench TSV for FAVOR video records, in :data:`TSV_COLUMNS` order."""
    rows: list[dict[str, Any]] = []
    for record in records:
        name = record["video_name"]
        shared = {"video": name, "video_name": name, **{f: record.get(f, "") for f in TSV_COLUMNS[9:]}}
        for position, q in enumerate(record["questions"]):
            rows.append(
                {
                    "index": len(rows),
                    "question_id": position,
                    "question": q["question"],
                    "options": repr(list(q["options"])),
                    "answer": q["correct_answer"],
                    "correct_answer": q["correct_answer"],
                    "task_type": q["task_type"],
                    **shared,
                }
            )
    return rows


def write_bench(data_dir: str | os.PathLike[str], out: str | os.PathLike[str], overwrite: bool = False) -> BenchFolder:
    """Write ``OUT/FAVOR-Bench/{video_perspective.json, FAVOR-Bench.tsv, videos/<video>.mp4}`` from a data directory.

    Clips are hard-linked (else copied). ``video_perspective.json`` is written first, so
    VLMEvalKit sees the TSV as up to date and uses it as written.

    Raises:
        FileExistsError: ``OUT/FAVOR-Bench`` exists and ``overwrite`` is false.
    """
    import pandas as pd

    from favor_hf.data.export import _place_video
    from favor_hf.data.favor_json import load_video_records

    records = load_video_records(os.fspath(data_dir))
    root = Path(out)
    bench = root / DATASET
    if bench.exists() and not overwrite:
        raise FileExistsError(f"{bench} exists; pass --overwrite to replace it")
    bench.mkdir(parents=True, exist_ok=True)
    source = [
        {
            "video_name": r["video_name"],
            **{f: r.get(f, "") for f in ANNOTATION_FIELDS},
            "questions": [
                {k: q[k] for k in ("question", "options", "correct_answer", "task_type")} for q in r["questions"]
            ],
        }
        for r in records
    ]
    (bench / "video_perspective.json").write_text(json.dumps(source, ensure_ascii=False, indent=1), encoding="utf-8")
    tsv = bench / f"{DATASET}.tsv"
    rows = tsv_rows(records)
    pd.DataFrame(rows, columns=list(TSV_COLUMNS)).to_csv(tsv, sep="\t", index=False)
    stamp = (bench / "video_perspective.json").stat().st_mtime_ns
    os.utime(tsv, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    placed = [r for r in records if r.get("video_path")]
    for record in tqdm(placed, desc="placing clips", unit="video", leave=False):
        _place_video(record["video_path"], bench / "videos" / f"{record['video_name']}.mp4")
    missing = [r["video_name"] for r in records if not r.get("video_path")]
    return BenchFolder(root, tsv, len(rows), len(placed), missing)
