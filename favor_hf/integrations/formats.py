"""Results of any toolkit as favor-hf results lines: detect the format, read, convert.

| format | files | needs |
| --- | --- | --- |
| ``favor`` | ``favor-hf run`` JSON Lines | |
| ``upstream`` | the official ``output_qa/*.jsonl`` | ``data_dir`` (for the options) |
| ``vlmevalkit`` | ``{model}_{dataset}.xlsx``/``.tsv`` (also ``_judge.xlsx``) | |
| ``lmms-eval`` | ``*_samples_favor_bench_*.jsonl`` of the favor-hf task pack | |

:func:`load_results` returns the final line of each item, as :func:`favor_hf.runner.score_records`
and ``favor-hf score`` take them; :func:`convert_results` writes them (several inputs of
one model merged) as a favor-hf results file, so runs from different toolkits are scored,
compared and merged with the same code.

Example:
    >>> import pandas as pd
    >>> from favor_hf.integrations.vlmevalkit import write_bench
    >>> table = pd.read_csv(write_bench("synth", "lmudata").tsv, sep="\\t")  # VLMEvalKit's benchmark file
    >>> table["prediction"] = table["answer"]  # a VLMEvalKit prediction file answering every question right
    >>> table.to_csv("Oracle_FAVOR-Bench_1fps.tsv", sep="\\t", index=False)
    >>> records = load_results("Oracle_FAVOR-Bench_1fps.tsv")
    >>> len(records), records[0]["model"], records[0]["sampling"]  # model and frames from the file name
    (21, 'Oracle', 'vlmevalkit:fps=1')
    >>> lines = convert_results(["Oracle_FAVOR-Bench_1fps.tsv"], "oracle.jsonl")  # now a favor-hf results file
    >>> lines[0]["output"] == lines[0]["reference"]["correct_answer"], lines[0]["source"]
    (True, {'format': 'vlmevalkit', 'file': 'Oracle_FAVOR-Bench_1fps.tsv'})
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from favor_hf.integrations.imported_lines import set_universe

FORMATS: tuple[str, ...] = ("favor", "upstream", "vlmevalkit", "lmms-eval")
"""Results formats favor-hf reads."""


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of a results file (one of :data:`FORMATS`), from its extension and first line.

    Raises:
        ValueError: the file is missing or in none of the formats.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: results file not found")
    if path.suffix.lower() in (".xlsx", ".xls", ".tsv", ".csv"):
        return "vlmevalkit"
    with open(path, encoding="utf-8", errors="replace") as f:
        first = next((line for line in f if line.strip()), "")
    try:
        item = json.loads(first)
    except json.JSONDecodeError:
        item = None
    if isinstance(item, dict):
        if "id" in item and "task" in item:
            return "favor"
        if "doc_id" in item:
            return "lmms-eval"
        if len(item) == 1 and isinstance(next(iter(item.values())), list):
            return "upstream"
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            document = None
        if isinstance(document, dict) and "results" in document and "config" in document:
            raise ValueError(
                f"{path}: an lmms-eval results summary; favor-hf scores its per-sample log: rerun lmms-eval "
                "with --log_samples and pass the *_samples_favor_bench_*.jsonl file"
            )
        if isinstance(document, dict) and "ALL" in document:
            raise ValueError(
                f"{path}: a VLMEvalKit score file (rounded accuracies only); pass its prediction file "
                "{model}_{dataset}.xlsx instead"
            )
    raise ValueError(
        f"{path}: not a results file favor-hf reads ({', '.join(FORMATS)}): expected a favor-hf run JSON line, "
        "an lmms-eval sample with doc_id, an upstream {video: [answers]} line, or a VLMEvalKit .xlsx/.tsv table"
    )


def _universe_ids(video_records: Sequence[dict[str, Any]], task: str) -> list[str]:
    if task == "mcq":
        return [q["question_key"] for r in video_records for q in r["questions"]]
    return [r["video_name"] for r in video_records]


def load_results(
    path: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    model: str | None = None,
    fmt: str | None = None,
) -> list[dict[str, Any]]:
    """The final favor-hf results line of each item in ``path``, whatever toolkit wrote it.

    Args:
        path: a results file in one of :data:`FORMATS`.
        data_dir: the FAVOR data directory of the run: required for ``upstream`` files (their
            lines lack the options); for the others it gives ids from its question keys and
            a universe of all its items (so unanswered items count as not run).
        model: model name to record (default: from the file or folder name).
        fmt: the format, when not detected from the file.

    Raises:
        ValueError: unreadable file, unknown format, or bad content (naming file, line and field).
    """
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "favor":
        from favor_hf.runner import selected_final_records

        records = selected_final_records(os.fspath(path))
        return [{**r, "model": model} for r in records] if model else records
    video_records = None
    if data_dir is not None:
        from favor_hf.data.favor_json import load_video_records

        video_records = load_video_records(os.fspath(data_dir))
    if fmt == "upstream":
        from favor_hf.integrations.upstream import read_upstream

        if video_records is None:
            raise ValueError(
                f"{path}: upstream output_qa lines carry no options; pass --data-dir (the FAVOR data "
                "directory with video_perspective.json) to score or convert them"
            )
        records = read_upstream(path, video_records, model)
    elif fmt == "vlmevalkit":
        from favor_hf.integrations.vlmevalkit import read_predictions

        keys = None
        if video_records is not None:
            keys = {
                (r["video_name"], i): q["question_key"] for r in video_records for i, q in enumerate(r["questions"])
            }
        records = read_predictions(path, keys, model)
    else:
        from favor_hf.integrations.lmms_eval_logs import read_samples

        records = read_samples(path, model)
    from favor_hf.results import final_records

    records = list(final_records(records, str(path)).values())
    if video_records is not None and records:
        universe = _universe_ids(video_records, records[0]["task"])
        unknown = sorted({r["id"] for r in records} - set(universe))
        if unknown:
            raise ValueError(
                f"{path}: {len(unknown)} item(s) not in the data directory, e.g. {unknown[0]!r}; "
                "pass the --data-dir the run used"
            )
        return set_universe(records, universe)
    return set_universe(records)


def convert_results(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    model: str | None = None,
) -> list[dict[str, Any]]:
    """Write the results of ``inputs`` (one model, one task, disjoint items) as one favor-hf results file.

    Returns the lines written. Raises ``ValueError`` when the inputs mix tasks or models, or
    answer one item twice (as ``favor-hf merge`` refuses overlapping shards).
    """
    from favor_hf.results import write_results

    merged: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    for path in inputs:
        for record in load_results(path, data_dir=data_dir, model=model):
            first = next(iter(merged.values()), record)
            for key in ("task", "model"):
                if record[key] != first[key]:
                    raise ValueError(
                        f"{path}: {key} {record[key]!r} differs from {first[key]!r} in {owner[first['id']]}; "
                        "convert each run into its own file (or pass --model to name them as one)"
                    )
            if record["id"] in merged:
                raise ValueError(f"item {record['id']!r} is in both {owner[record['id']]} and {path}")
            merged[record["id"]] = record
            owner[record["id"]] = str(path)
    if not merged:
        raise ValueError(f"no results in {', '.join(map(str, inputs))}")
    records = list(merged.values())
    universes = {json.dumps(r["universe"], sort_keys=True) for r in records}
    if data_dir is None and len(inputs) > 1 or len(universes) > 1:
        set_universe(records)
    write_results(out, records)
    return records
