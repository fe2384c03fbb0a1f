"""An optional LLM judge of captions: correctness and detail, 0-10 each, through any OpenAI-compatible server.

The FAVOR-Bench paper reports GPT-assisted *correctness* and *detail* scores of the
open-ended captions but does not publish its judge prompt. :data:`JUDGE_PROMPT` is
**favor-hf's own prompt, written from the paper's description; it is not the official one**,
so its scores are comparable only with scores from the same prompt (its sha1,
:data:`PROMPT_SHA1`, and the judge model are recorded in every line).

:func:`judge_captions` sends one request per finished caption of a ``favor-hf run
--task caption`` results file to a :class:`~favor_hf.models.openai_compat.OpenAIAdapter`
(its retries and backoff, ``concurrency`` requests in flight) and appends one fsynced line
per video to a judge file (:class:`~favor_hf.results.ResultsStore`): rerunning resumes,
failed items are retried. ``favor-hf report`` joins the judge file to its caption run.

Example:
    >>> parse_judgement('{"correctness": 7, "detail": 4}')
    (7, 4)
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from favor_hf.models.base import ModelInput
from favor_hf.report_inputs import load_final_records
from favor_hf.results import ResultsError, ResultsStore, check_identity, final_records
from favor_hf.schema import CAPTION_JUDGE_TASK

if TYPE_CHECKING:
    from favor_hf.models.openai_compat import OpenAIAdapter

JUDGE_PROMPT = """You grade a description of the motion in a video against a reference description written by annotators. \
(Grading rubric written for favor-hf; it is not the FAVOR-Bench authors' prompt.)

Reference description:
{reference}

Description to grade:
{candidate}

Give two integer scores from 0 to 10.
- correctness: are the camera motion, the subjects, their actions, the directions of movement and the order of events \
in the description to grade consistent with the reference? Deduct for every contradiction (e.g. left instead of right, \
up instead of down, a wrong order) and every invented action; 10 means nothing contradicts the reference.
- detail: how much of the reference's motion content (camera changes, each subject's actions, their order) does the \
description cover? 10 means everything, 0 means none; content absent from the reference earns nothing.

Answer with one JSON object and nothing else: {{"correctness": <0-10>, "detail": <0-10>}}"""
"""favor-hf's judge prompt (not the official one); ``{reference}`` and ``{candidate}`` are filled in."""
PROMPT_SHA1 = hashlib.sha1(JUDGE_PROMPT.encode("utf-8")).hexdigest()
"""Recorded in every judge line: judgements from different prompts are not comparable."""

_SCORE = {key: re.compile(rf'"?{key}"?\s*[:=]\s*"?(\d+(?:\.\d+)?)', re.IGNORECASE) for key in ("correctness", "detail")}


class JudgeError(ValueError):
    """A judge reply without both scores in 0-10."""


def parse_judgement(text: str) -> tuple[float, float]:
    """``(correctness, detail)`` from a judge reply: a JSON object, or ``correctness: 7`` style text.

    Raises:
        JudgeError: a score is missing or outside 0-10.
    """
    values = []
    for key, pattern in _SCORE.items():
        match = pattern.search(text or "")
        if not match:
            raise JudgeError(f"judge reply has no {key} score: {str(text)[:200]!r}")
        value = float(match.group(1))
        if not 0 <= value <= 10:
            raise JudgeError(f"judge reply has {key} {value:g}, outside 0-10: {str(text)[:200]!r}")
        values.append(int(value) if value.is_integer() else value)
    return values[0], values[1]


def judge_prompt(reference: str, candidate: str) -> str:
    """:data:`JUDGE_PROMPT` filled in for one video."""
    return JUDGE_PROMPT.format(reference=reference.strip(), candidate=(candidate or "").strip() or "(empty)")


@dataclass
class JudgeSummary:
    """What :func:`judge_captions` did, and the means over every judged video of the run."""

    out: str
    judge_model: str
    selected: int
    skipped: int = 0
    judged: int = 0
    failed: int = 0
    correctness: float | None = None
    detail: float | None = None
    errors: list[str] = field(default_factory=list)

    def format(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"judge {self.judge_model} | prompt sha1 {PROMPT_SHA1[:12]} (favor-hf's prompt, not the official one) | {self.out}",
            f"{self.selected} captions: {self.skipped} already judged, {self.judged} judged now, {self.failed} failed",
        ]
        lines += [f"  {error[:200]}" for error in self.errors[:3]]
        if self.correctness is not None:
            lines.append(f"correctness {self.correctness:.2f} / 10, detail {self.detail:.2f} / 10")
        return "\n".join(lines)


def _judge_one(adapter: OpenAIAdapter, record: dict[str, Any]) -> dict[str, Any]:
    reference = (record.get("reference") or {}).get("caption")
    outcome: dict[str, Any] = {"output": None, "error": None, "correctness": None, "detail": None}
    if not isinstance(reference, str) or not reference.strip():
        outcome["error"] = "ReferenceError: the reference has no 'caption' field to judge against"
        return outcome
    try:
        reply = adapter.complete(ModelInput(prompt=judge_prompt(reference, record["output"]), item_id=record["id"]))
        outcome["output"] = reply
        outcome["correctness"], outcome["detail"] = parse_judgement(reply)
    except Exception as err:  # noqa: BLE001 -- recorded per item; rerunning retries it
        outcome["error"] = f"{type(err).__name__}: {err}"
    return outcome


def judge_captions(
    results: str | Path,
    adapter: OpenAIAdapter,
    out: str | Path,
    *,
    concurrency: int = 4,
    limit: int | None = None,
    progress: bool = True,
) -> JudgeSummary:
    """Judge every finished caption of ``results`` not yet judged in ``out``; return the summary.

    Raises:
        ResultsError: ``results`` is not a caption run, or ``out`` holds judgements of another
            run, judge model or prompt.
    """
    records = [r for r in load_final_records(results) if r.get("error") is None]
    if not records or records[0]["task"] != "caption":
        raise ResultsError(
            f"{results}: not a caption results file of `favor-hf run --task caption` with finished items"
        )
    if limit is not None:
        records = records[:limit]
    first = records[0]
    identity = {
        "task": CAPTION_JUDGE_TASK,
        "model": adapter.name,
        "sampling": first["sampling"],
        "universe": first.get("universe"),
    }
    summary = JudgeSummary(str(out), adapter.name, len(records))
    with ResultsStore(out) as store:
        check_identity(store.records, identity, str(out))
        for line in store.records:
            if line.get("judged_model") != first["model"] or line.get("prompt_sha1") != PROMPT_SHA1:
                raise ResultsError(
                    f"{out}: item {line['id']!r} judges {line.get('judged_model')!r} with prompt {line.get('prompt_sha1')!r}; "
                    f"this run judges {first['model']!r} with prompt {PROMPT_SHA1}: write to another --out file"
                )
        done = {key for key, line in final_records(store.records, str(out)).items() if line.get("error") is None}
        pending = [r for r in records if r["id"] not in done]
        summary.skipped = len(records) - len(pending)
        bar = tqdm(
            total=len(records),
            initial=summary.skipped,
            unit="caption",
            desc=f"judge {adapter.name}",
            disable=not progress,
            dynamic_ncols=True,
        )
        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="favor-judge") as pool:
            futures = {pool.submit(_judge_one, adapter, record): record for record in pending}
            for future in as_completed(futures):
                record, outcome = futures[future], future.result()
                store.append(
                    {
                        "id": record["id"],
                        "video": record["video"],
                        **identity,
                        "judged_model": first["model"],
                        "prompt_sha1": PROMPT_SHA1,
                        "caption_sha1": hashlib.sha1((record["output"] or "").encode("utf-8")).hexdigest(),
                        **outcome,
                        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
                if outcome["error"] is None:
                    summary.judged += 1
                else:
                    summary.failed += 1
                    summary.errors.append(outcome["error"])
                bar.update(1)
        bar.close()
    finished = [line for line in load_final_records(out) if line.get("error") is None]
    if finished:
        summary.correctness = sum(line["correctness"] for line in finished) / len(finished)
        summary.detail = sum(line["detail"] for line in finished) / len(finished)
    return summary
