"""Adapters between favor-hf and other evaluation harnesses and their file formats.

- :mod:`~favor_hf.integrations.formats`: read any toolkit's results as favor-hf results
  lines (:func:`load_results`) and convert them into a favor-hf results file.
- :mod:`~favor_hf.integrations.vlmevalkit`: VLMEvalKit's ``FavorBench`` prediction files
  (xlsx/tsv) and the benchmark folder (TSV + clips) it reads.
- :mod:`~favor_hf.integrations.lmms_eval_logs`: lmms-eval per-sample logs (``--log_samples``).
- :mod:`~favor_hf.integrations.upstream`: the official script's ``output_qa/*.jsonl``.
- :mod:`~favor_hf.integrations.lmms_eval_tasks`: what the lmms-eval task pack
  (``favor_bench_mcq``, ``favor_bench_caption``) calls; :func:`lmms_eval_tasks_path` is
  the folder to pass to ``lmms-eval --include_path``.
- :mod:`~favor_hf.integrations.mcq_conventions`: one table with both MCQ judges and the official counts.
- :mod:`~favor_hf.integrations.imported_lines`: the favor-hf results line each reader builds from
  another toolkit's answer, and the JSON Lines reader they share.

Example:
    >>> from favor_hf.integrations import load_results
    >>> from favor_hf.models import load_adapter
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.runner import run_benchmark
    >>> _ = run_benchmark(load_adapter("flow"), load_video_records("synth"), "mcq", "flow.jsonl", progress=False)
    >>> records = load_results("flow.jsonl")  # or a VLMEvalKit, lmms-eval or output_qa file
    >>> len(records), records[0]["model"]
    (21, 'flow')
"""

from __future__ import annotations

from pathlib import Path

from favor_hf.integrations.formats import (
    FORMATS,
    convert_results,
    detect_format,
    load_results,
)

PACK_DIR = Path(__file__).resolve().parent / "lmms_eval_pack"
"""The lmms-eval plugin package: ``tasks/`` (the task pack) and an empty ``models/``."""


def lmms_eval_tasks_path() -> str:
    """The folder to pass to ``lmms-eval --include_path`` (it holds ``favor_bench/*.yaml``)."""
    return str(PACK_DIR / "tasks")


__all__ = ["FORMATS", "PACK_DIR", "convert_results", "detect_format", "lmms_eval_tasks_path", "load_results"]
