"""Reasoning models: <think> blocks are stripped before judging, counted, and kept raw in results."""

from __future__ import annotations

from favor_hf.mcq import mcq_accuracy, strip_thinking
from favor_hf.render import format_scores

OPTIONS = ["Walks to the left", "Walks to the right", "Sits down"]
REF = {"correct_answer": "Sits down", "options": OPTIONS, "task_type": "AS"}


def test_strip_thinking_forms():
    assert strip_thinking("<think>Walks to the left? no.</think>Sits down") == ("Sits down", True)
    assert strip_thinking("Maybe Walks to the left.</think>\nSits down") == ("\nSits down", True)
    assert strip_thinking("<think>a</think>x<think>b</think>y") == ("xy", True)
    assert strip_thinking("<think>Sits down, or Walks to the right") == ("", True)  # cut off while reasoning
    assert strip_thinking("Sits down") == ("Sits down", False)
    assert strip_thinking(None) == (None, False)


def test_reasoning_is_not_judged_and_is_counted():
    outputs = [
        "<think>Walks to the left is tempting, but no.</think>Sits down",  # right after stripping
        "<think>It sits down? No.</think> Walks to the right",  # wrong although the reasoning names the answer
        "Sits down",
    ]
    for judge in ("official", "strict"):
        scores = mcq_accuracy(outputs, [REF] * 3, judge=judge)
        assert scores["correct"]["ALL"] == 2 and scores["thinking"] == 2 and scores["hedged"] == 0
    footer = format_scores({**mcq_accuracy(outputs, [REF] * 3), "judge": "official"}, "mcq").splitlines()[-1]
    assert "outputs with <think> reasoning (judged after it): 2" in footer
