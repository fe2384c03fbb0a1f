"""Judge multiple-choice answers and compute FAVOR-Bench per-task accuracy.

Two judges:

- **official** (:func:`judge_official`): the rule of the upstream evaluation script, kept
  bit-for-bit. An output is correct when the correct answer's text occurs in it
  (case-insensitive) and no *other* option that contains the correct answer as a substring
  (case-sensitive, as upstream) also occurs in it. Everything else in the output is ignored,
  so an output that lists several options can still count as correct.
- **strict** (:func:`judge_strict`): the output must commit to exactly one option, by letter
  (``C``, ``(C)``, ``C.``, ``Option C``, ``Answer: C``; ``A`` is the first option) or by an
  option's text; several options, or none, is wrong.

Both judge the answer after the reasoning of reasoning models (:func:`strip_thinking`):
``<think>...</think>`` blocks, or everything up to ``</think>`` when the chat template
opened the block in the prompt, are removed first. Results files keep the raw output;
:func:`mcq_accuracy` counts the outputs that had reasoning (``thinking``).

Example:
    >>> options = ["Walks to the left", "Walks to the left and then stops", "Sits down"]
    >>> judge_official("He walks to the left.", "Walks to the left", options)
    True
    >>> judge_official("Walks to the left and then stops", "Walks to the left", options)
    False
    >>> judge_strict("(C)", options, "Sits down")
    (2, True)
    >>> mcq_accuracy(["Sits down", "A"], [
    ...     {"correct_answer": "Sits down", "options": options, "task_type": "SAD"},
    ...     {"correct_answer": "Sits down", "options": options, "task_type": "AS"}])["ALL"]
    50.0
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from favor_hf.schema import MCQ_JUDGES as JUDGES
from favor_hf.schema import OFFICIAL_COUNTS, TASK_CODES

_LETTER_PATTERNS = (
    re.compile(r"^\s*\(?([A-Z])\)?\s*[.:)]?\s*$"),  # the whole output: C, (C), C., C)
    re.compile(r"^\s*\(([A-Z])\)"),  # leading (C) ...
    re.compile(r"^\s*([A-Z])[.:)](?:\s|$)"),  # leading C. ... / C) ... / C: ...
    re.compile(r"(?i:\b(?:option|answer|choice)(?:\s+is)?)\s*[:：]?\s*\(?([A-Z])\)?(?![A-Za-z])"),
)


_THINK_BLOCK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


def strip_thinking(output: str | None) -> tuple[str | None, bool]:
    """``(answer, had_reasoning)``: ``output`` without ``<think>...</think>`` reasoning.

    A ``</think>`` without its opening tag (the template put ``<think>`` in the prompt) drops
    everything before it; an unclosed ``<think>`` (generation cut off while reasoning) drops
    the rest, leaving no answer.

    >>> strip_thinking("<think>B or C? C.</think> (C) Sits down")
    (' (C) Sits down', True)
    >>> strip_thinking("B looks wrong.</think>(C)")
    ('(C)', True)
    """
    if output is None or "think>" not in output:
        return output, False
    head, closed, tail = output.rpartition("</think>")
    if closed and "<think>" not in head:
        return tail, True
    stripped = _THINK_BLOCK.sub("", output)
    return stripped, stripped != output


def judge_official(output: str | None, correct_answer: str, options: Sequence[str]) -> bool:
    """The upstream FAVOR rule (see the module docstring); ``None`` output counts as wrong."""
    text = (output or "").lower()
    if correct_answer.lower() not in text:
        return False
    containing = [opt for opt in options if opt != correct_answer and correct_answer in opt]
    return not any(opt.lower() in text for opt in containing)


def _letters(output: str, num_options: int) -> set[int]:
    found: set[int] = set()
    for pattern in _LETTER_PATTERNS:
        for match in pattern.finditer(output):
            index = ord(match.group(1)) - ord("A")
            if index < num_options:
                found.add(index)
    return found


def _texts(output: str, options: Sequence[str]) -> set[int]:
    """Options whose text occurs in ``output`` outside the occurrences of longer mentioned options."""
    text = output.lower()
    claimed: list[tuple[int, int]] = []
    found: set[int] = set()
    for index in sorted(range(len(options)), key=lambda i: -len(options[i])):
        needle = options[index].lower()
        if not needle:
            continue
        start = text.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(a <= start and end <= b for a, b in claimed):
                found.add(index)
                claimed.append((start, end))
            start = text.find(needle, start + 1)
    return found


def mentioned_options(output: str | None, options: Sequence[str]) -> list[int]:
    """Indices of the options ``output`` refers to, by letter or by text, in option order.

    An option's text counts only where it is not part of a longer option that also occurs,
    so ``"Walks to the left and then stops"`` mentions that option alone, not ``"Walks to the left"``.
    """
    if not output:
        return []
    return sorted(_letters(output, len(options)) | _texts(output, options))


def _correct_index(options: Sequence[str], correct_answer: str) -> int:
    try:
        return list(options).index(correct_answer)
    except ValueError:
        raise ValueError(f"correct_answer {correct_answer!r} is not one of the options {list(options)!r}") from None


def judge_strict(output: str | None, options: Sequence[str], correct_answer: str) -> tuple[int | None, bool]:
    """``(chosen option index or None, correct)``: correct only when exactly one option is chosen and it is right."""
    answer = _correct_index(options, correct_answer)
    mentioned = mentioned_options(output, options)
    if len(mentioned) != 1:
        return None, False
    return mentioned[0], mentioned[0] == answer


def judge_output(
    output: str | None, correct_answer: str, options: Sequence[str], judge: str = "official"
) -> tuple[bool, bool, bool]:
    """``(correct, hedged, had_reasoning)`` of one output under ``judge``, judged after :func:`strip_thinking`.

    ``hedged``: the answer names several options. The rule of every MCQ score and interval.
    """
    answer, had_reasoning = strip_thinking(output)
    mentioned = mentioned_options(answer, options)
    if judge == "official":
        correct = judge_official(answer, correct_answer, options)
    elif judge == "strict":
        correct = len(mentioned) == 1 and options[mentioned[0]] == correct_answer
    else:
        raise ValueError(f"judge {judge!r}: expected one of {', '.join(JUDGES)}")
    return correct, len(mentioned) > 1, had_reasoning


def _check_reference(index: int, ref: Mapping[str, Any]) -> tuple[str, list[str], str]:
    try:
        correct, options, task = ref["correct_answer"], list(ref["options"]), ref["task_type"]
    except (KeyError, TypeError) as err:
        raise ValueError(
            f"references[{index}]: expected a dict with correct_answer, options and task_type ({err!r})"
        ) from None
    if task not in TASK_CODES:
        raise ValueError(f"references[{index}]: task_type {task!r} is not one of {', '.join(TASK_CODES)}")
    if correct not in options:
        raise ValueError(f"references[{index}]: correct_answer {correct!r} is not one of its options {options!r}")
    return correct, options, task


def summarize(
    correct: Sequence[bool], task_types: Sequence[str], hedged: int = 0, full_counts: bool = False
) -> dict[str, Any]:
    """Per-task accuracy from per-question judgements.

    Returns ``{"ALL": %, "AS": %, ..., "counts": {key: questions}, "correct": {key: n}, "hedged": n}``
    with unrounded percentages; a task without questions is absent. With ``full_counts``
    every key divides by the official benchmark count (the upstream ``analyze_qa`` convention,
    for partial runs) and all seven keys are present.
    """
    if len(correct) != len(task_types):
        raise ValueError(f"{len(correct)} judgements but {len(task_types)} task types")
    codes = {code: i for i, code in enumerate(TASK_CODES)}
    try:
        task_index = np.fromiter((codes[t] for t in task_types), dtype=np.int64, count=len(task_types))
    except KeyError as err:
        raise ValueError(f"task_type {err.args[0]!r} is not one of {', '.join(TASK_CODES)}") from None
    right = np.asarray(correct, dtype=bool)
    totals = np.bincount(task_index, minlength=len(TASK_CODES))
    hits = np.bincount(task_index, weights=right, minlength=len(TASK_CODES)).astype(np.int64)
    counts = {"ALL": int(totals.sum()), **{code: int(totals[i]) for code, i in codes.items()}}
    n_correct = {"ALL": int(hits.sum()), **{code: int(hits[i]) for code, i in codes.items()}}
    result: dict[str, Any] = {}
    for key in ("ALL", *TASK_CODES):
        denominator = OFFICIAL_COUNTS[key] if full_counts else counts[key]
        if denominator:
            result[key] = 100.0 * n_correct[key] / denominator
    keys = [key for key in ("ALL", *TASK_CODES) if key in result]
    result["counts"] = {key: OFFICIAL_COUNTS[key] if full_counts else counts[key] for key in keys}
    result["correct"] = {key: n_correct[key] for key in keys}
    result["hedged"] = int(hedged)
    return result


def mcq_accuracy(
    predictions: Sequence[str | None],
    references: Sequence[Mapping[str, Any]],
    judge: str = "official",
    full_counts: bool = False,
) -> dict[str, Any]:
    """Judge every prediction and return :func:`summarize`'s per-task accuracy (percent) and counts.

    Args:
        predictions: model outputs, one per question (``None`` counts as wrong).
        references: dicts with ``correct_answer``, ``options`` and ``task_type``.
        judge: ``"official"`` (upstream rule) or ``"strict"`` (exactly one option chosen).
        full_counts: divide by the official benchmark counts instead of the questions given.

    Outputs are judged after :func:`strip_thinking`; ``thinking`` counts those that had reasoning.
    """
    if judge not in JUDGES:
        raise ValueError(f"judge {judge!r}: expected one of {', '.join(JUDGES)}")
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    checked = [_check_reference(i, ref) for i, ref in enumerate(references)]
    verdicts = [
        judge_output(output, answer, options, judge) for output, (answer, options, _) in zip(predictions, checked)
    ]
    result = summarize(
        [correct for correct, _, _ in verdicts],
        [task for _, _, task in checked],
        hedged=sum(hedged for _, hedged, _ in verdicts),
        full_counts=full_counts,
    )
    result["thinking"] = sum(thinking for _, _, thinking in verdicts)
    return result
