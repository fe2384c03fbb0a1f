"""Both MCQ judges and both denominators side by side, for comparing runs of different toolkits.

Toolkits differ in how they judge and what they divide by: VLMEvalKit and the official
script use the official substring rule over the questions answered, ``analyze_qa.py``
divides by the official counts, lmms-eval tasks usually parse a letter. :func:`judge_table`
scores favor-hf results lines all these ways with :func:`favor_hf.mcq.mcq_accuracy`.

Example:
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.integrations import load_results
    >>> from favor_hf.models import load_adapter
    >>> from favor_hf.runner import run_benchmark
    >>> _ = run_benchmark(load_adapter("flow"), load_video_records("synth"), "mcq", "flow.jsonl", progress=False)
    >>> from favor_hf.render import format_judge_table
    >>> table = judge_table(load_results("flow.jsonl"))
    >>> print(format_judge_table(table))
    task  official %  strict %  questions  official % of full count
    ALL   33.33       33.33     21         0.09 (/8184)
    AS    25.00       25.00     4          0.04 (/2637)
    HAC   25.00       25.00     4          0.06 (/1541)
    SAD   14.29       14.29     7          0.06 (/1662)
    MAD   0.00        0.00      2          0.00 (/1205)
    CM    100.00      100.00    4          0.37 (/1075)
    hedged outputs (naming several options): 0; answered 21, failed 0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from favor_hf.mcq import mcq_accuracy


def judge_table(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``{"official", "strict", "official_full_counts"}`` accuracies of the answered MCQ lines, plus counts.

    Each of the three is :func:`favor_hf.mcq.mcq_accuracy` output; ``answered`` and
    ``failed`` count the lines with and without an answer (failed lines are not scored).
    """
    answered = [r for r in records if r.get("error") is None]
    outputs = [r["output"] for r in answered]
    references = [r["reference"] for r in answered]
    table: dict[str, Any] = {"answered": len(answered), "failed": len(records) - len(answered)}
    if answered:
        table["official"] = mcq_accuracy(outputs, references, judge="official")
        table["strict"] = mcq_accuracy(outputs, references, judge="strict")
        table["official_full_counts"] = mcq_accuracy(outputs, references, judge="official", full_counts=True)
    return table
