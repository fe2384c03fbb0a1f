"""The functions behind the lmms-eval task pack (``favor_bench_mcq``, ``favor_bench_caption``).

The pack (``lmms_eval_pack/tasks/favor_bench``, see :func:`favor_hf.integrations.lmms_eval_tasks_path`)
holds YAML files and a ``utils.py`` that re-exports this module, as lmms-eval's
``!function utils.NAME`` requires. Everything it does happens here:

- **docs**: lmms-eval loads a one-line placeholder JSON shipped with the pack (it needs a
  ``datasets`` source), and ``process_docs`` replaces it with the FAVOR questions (or videos)
  from ``$FAVOR_DATA_DIR`` (a FAVOR data directory or a ``favor-hf export`` folder), through
  :func:`favor_hf.data.load.load_bench`; without ``$FAVOR_DATA_DIR`` that loads the Hub repo.
- **prompt**: the official MCQ prompt (:func:`favor_hf.prompts.mcq_prompt`) or favor-hf's
  :data:`~favor_hf.prompts.CAPTION_PROMPT`, with the clip as a ``video`` part; the frames are
  sampled by the lmms-eval model (``max_frames_num=N`` or ``video_fps=1`` model args).
- **per sample**: a favor-hf results line (:func:`~favor_hf.integrations.imported_lines.imported_record`),
  which lmms-eval logs with ``--log_samples``, so its sample logs convert back losslessly; for
  an MCQ also its verdicts by :func:`favor_hf.mcq.mcq_accuracy` (both judges, hedged).
- **aggregation**: the code of ``favor-hf score``: :func:`favor_hf.mcq.summarize` of the verdicts,
  official judge per task (``ALL``, ``AS`` ... ``NSM``, percent), strict judge (``strict_ALL``
  ...), ``hedged``; the caption ``final_score`` by :func:`favor_hf.runner.score_records` (the 12
  other caption scores: ``favor-hf score`` on the samples log). A request lmms-eval reports as
  failed is counted in ``failed`` and not scored, as in ``favor-hf run``. A task with no
  questions in the data reports ``nan``.

The caption score model is ``$FAVOR_CAPTION_MODEL`` (default: the official
``sentence-transformers/all-distilroberta-v1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from favor_hf.integrations.imported_lines import imported_record
from favor_hf.mcq import mcq_accuracy, summarize
from favor_hf.prompts import CAPTION_PROMPT, mcq_prompt
from favor_hf.schema import ANNOTATION_FIELDS, TASK_CODES
from favor_hf.schema import MCQ_JUDGES as JUDGES

CAPTION_MODEL_ENV = "FAVOR_CAPTION_MODEL"
FAILED_PREFIX = "[LMMS_EVAL_REQUEST_FAILED"
"""How lmms-eval's API backends mark a request that failed after all retries."""


def _load(config: str) -> Any:
    """``load_bench(config)``: ``$FAVOR_DATA_DIR`` when set, else the Hub repo with its clips."""
    from favor_hf.data.load import load_bench

    return load_bench(config, with_videos=True)


def _path(row: dict[str, Any]) -> str | None:
    return (row.get("video") or {}).get("path")


def mcq_docs(placeholder: Any) -> Any:
    """``process_docs`` of ``favor_bench_mcq``: one doc per question (the placeholder is ignored)."""
    import datasets

    bench = _load("mcq")
    names = bench.features["task_type"].names
    return datasets.Dataset.from_list(
        [
            {
                "question_key": r["question_key"],
                "video_name": r["video_name"],
                "video_path": _path(r),
                "question": r["question"],
                "options": r["options"],
                "correct_answer": r["correct_answer"],
                "task_type": names[r["task_type"]],
            }
            for r in bench
        ]
    )


def caption_docs(placeholder: Any) -> Any:
    """``process_docs`` of ``favor_bench_caption``: one doc per video, with its annotations."""
    import datasets

    return datasets.Dataset.from_list(
        [
            {"video_name": r["video_name"], "video_path": _path(r), **{f: r[f] for f in ANNOTATION_FIELDS}}
            for r in _load("videos")
        ]
    )


def doc_to_visual(doc: dict[str, Any], lmms_eval_specific_kwargs: dict | None = None) -> list[str]:
    """The clip, as a path; a missing clip is an error (an answer without the video means nothing)."""
    if not doc.get("video_path"):
        raise FileNotFoundError(
            f"FAVOR video {doc['video_name']!r} has no clip; put the clips in "
            "$FAVOR_DATA_DIR/videos/FAVOR-Bench/ (or export with them) and rerun"
        )
    return [doc["video_path"]]


def _wrap(text: str, kwargs: dict | None) -> str:
    kwargs = kwargs or {}
    return f"{kwargs.get('pre_prompt', '')}{text}{kwargs.get('post_prompt', '')}"


def mcq_doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict | None = None) -> str:
    """The official FAVOR MCQ prompt (with the task's optional ``pre_prompt``/``post_prompt``)."""
    return _wrap(mcq_prompt(doc["question"], doc["options"]), lmms_eval_specific_kwargs)


def caption_doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict | None = None) -> str:
    """favor-hf's captioning prompt (with the task's optional ``pre_prompt``/``post_prompt``)."""
    return _wrap(CAPTION_PROMPT, lmms_eval_specific_kwargs)


def _messages(to_text: Callable[..., str], doc: dict[str, Any], lmms_eval_specific_kwargs: dict | None = None) -> list:
    content = [{"type": "video", "url": path} for path in doc_to_visual(doc)]
    content.append({"type": "text", "text": to_text(doc, lmms_eval_specific_kwargs)})
    return [{"role": "user", "content": content}]


mcq_doc_to_messages = partial(_messages, mcq_doc_to_text)
caption_doc_to_messages = partial(_messages, caption_doc_to_text)

MCQ_METRICS: tuple[str, ...] = ("ALL", *TASK_CODES, *(f"strict_{k}" for k in ("ALL", *TASK_CODES)), "hedged", "failed")
"""Metric names of ``favor_bench_mcq``: official-judge accuracy per task, strict-judge accuracy, counts."""
CAPTION_METRICS: tuple[str, ...] = ("final_score", "failed")
"""Metric names of ``favor_bench_caption``."""
LINE_KEY = "favor_hf"
"""``process_results`` key of an MCQ's favor-hf results line: logged once, not a metric."""


def _line(doc: dict[str, Any], results: list[str], item_id: str, reference: dict[str, Any]) -> dict[str, Any]:
    output = results[0] if results else ""
    error = output if isinstance(output, str) and output.startswith(FAILED_PREFIX) else None
    return imported_record(
        item_id,
        doc["video_name"],
        output,
        reference,
        model="lmms-eval",
        sampling="lmms-eval",
        source={"format": "lmms-eval", "file": None},
        error=error,
    )


def mcq_process_results(doc: dict[str, Any], results: list[str]) -> dict[str, dict[str, Any]]:
    """The answer's favor-hf results line (under :data:`LINE_KEY`) and its verdicts (under every metric).

    The answer is judged alone by :func:`favor_hf.mcq.mcq_accuracy`, the code of ``favor-hf score``,
    with both judges; the metric values stay small, so the samples log holds the line once.
    """
    reference = {
        "correct_answer": doc["correct_answer"],
        "options": list(doc["options"]),
        "task_type": doc["task_type"],
    }
    line = _line(doc, results, doc["question_key"], reference)
    verdict: dict[str, Any] = {"task_type": doc["task_type"], "failed": line["error"] is not None}
    if not verdict["failed"]:
        for judge in JUDGES:
            scores = mcq_accuracy([line["output"]], [reference], judge=judge)
            verdict[judge] = scores["correct"]["ALL"] == 1
        verdict["hedged"] = scores["hedged"] == 1
    return {LINE_KEY: line, **{metric: verdict for metric in MCQ_METRICS}}


def caption_process_results(doc: dict[str, Any], results: list[str]) -> dict[str, dict[str, Any]]:
    """The caption's favor-hf results line (under ``final_score``, which scores it) and whether it failed."""
    line = _line(doc, results, doc["video_name"], {f: doc[f] for f in ANNOTATION_FIELDS})
    return {"final_score": line, "failed": {"failed": line["error"] is not None}}


def _mcq_aggregate(metric: str, verdicts: list[dict[str, Any]]) -> float:
    """A metric over the verdicts: :func:`favor_hf.mcq.summarize` of the answered ones, as ``favor-hf score``."""
    if metric == "failed":
        return float(sum(v["failed"] for v in verdicts))
    answered = [v for v in verdicts if not v["failed"]]
    if metric == "hedged":
        return float(sum(v["hedged"] for v in answered))
    judge, key = ("strict", metric.removeprefix("strict_")) if metric.startswith("strict_") else ("official", metric)
    value = summarize([v[judge] for v in answered], [v["task_type"] for v in answered]).get(key) if answered else None
    return float("nan") if value is None else float(value)


def _caption_aggregate(metric: str, items: list[dict[str, Any]]) -> float:
    """``failed``, or the mean ``final_score`` of the answered captions by :func:`favor_hf.runner.score_records`."""
    if metric == "failed":
        return float(sum(item["failed"] for item in items))
    from favor_hf.runner import score_records

    value = score_records(items, "caption", caption_model=os.environ.get(CAPTION_MODEL_ENV)).get(metric)
    return float("nan") if value is None else float(value)


for _metric in MCQ_METRICS:
    globals()[f"mcq_aggregate_{_metric}"] = partial(_mcq_aggregate, _metric)
for _metric in CAPTION_METRICS:
    globals()[f"caption_aggregate_{_metric}"] = partial(_caption_aggregate, _metric)

__all__ = [
    "caption_doc_to_messages",
    "caption_doc_to_text",
    "caption_docs",
    "caption_process_results",
    "doc_to_visual",
    "mcq_doc_to_messages",
    "mcq_doc_to_text",
    "mcq_docs",
    "mcq_process_results",
]
__all__ += [f"mcq_aggregate_{m}" for m in MCQ_METRICS] + [f"caption_aggregate_{m}" for m in CAPTION_METRICS]
