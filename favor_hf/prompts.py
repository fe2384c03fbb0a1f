"""The prompts a model sees: the official FAVOR-Bench MCQ prompt and our captioning prompt,
and :data:`GENERIC_CAPTION`, the constant answer to the captioning prompt that the ``random``
baseline writes and the caption validity analysis scores as a floor.

Example:
    >>> print(mcq_prompt("What does the man do first?", ["Sits down", "Stands up"]))  # doctest: +ELLIPSIS
    Carefully watch the video ...
    What does the man do first?
    You can only response with the answer among ['Sits down', 'Stands up']
"""

from __future__ import annotations

from collections.abc import Sequence

MCQ_INSTRUCTION = (
    "Carefully watch the video and pay attention to temporal dynamics in this video, focusing on the camera "
    "motions, actions, activities, and interactions. Based on your observations, select the best option that "
    "accurately addresses the question."
)
"""First paragraph of the official MCQ prompt (``inference_qa_qwen.py`` upstream), verbatim."""

CAPTION_PROMPT = (
    "Carefully watch the video and describe it in detail, focusing on motion. First describe the camera "
    "motion (for example static, panning left or right, tilting up or down, zooming in or out, following a "
    "subject, shaking), including every change of camera motion in the order it happens. Then, for every "
    "subject in the video (person, animal or object that moves), name the subject with a short description "
    "of its appearance and list all of its actions in chronological order, with details such as body parts, "
    "direction and speed. Finally describe how the actions of different subjects follow each other in time. "
    "Write plain sentences, without bullet points."
)
"""Captioning prompt of favor-hf. Upstream publishes no captioning prompt; this one asks for
what the LLM-free caption score compares: the camera motion, each subject and its actions,
and their order in time."""

GENERIC_CAPTION = "The camera is stationary. A person moves in the scene."
"""The caption the ``random`` baseline writes for every video, and the generic floor of
:mod:`favor_hf.caption.analysis.validity`."""


def mcq_prompt(question: str, options: Sequence[str]) -> str:
    """The official MCQ prompt: instruction, question, then the options as a Python list.

    The options are rendered with ``repr`` of a list, exactly as the upstream script's
    f-string does (``['A man walks', 'A man runs']``), because that is what the paper's
    models saw.
    """
    return f"{MCQ_INSTRUCTION}\n{question}\nYou can only response with the answer among {list(options)}"
