"""The ``random`` baseline: a seeded random option for each MCQ, a fixed caption otherwise.

Its MCQ accuracy is the chance level of the question set (20 % with five options).

Example:
    >>> adapter = RandomGuessAdapter(seed=0)
    >>> adapter.generate([ModelInput(prompt="...", meta={"options": ["A", "B", "C"]})])
    ['B']
"""

from __future__ import annotations

import random

from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.prompts import GENERIC_CAPTION


class RandomGuessAdapter(ModelAdapter):
    """Answer each MCQ with a uniformly random option from ``meta["options"]``.

    Each answer depends only on ``seed`` and the input's ``item_id`` (or, without one, its
    prompt), so reruns, resumed runs and any batching give the same answers.
    """

    name = "random"
    max_batch_size = 64
    needs_frames = False
    video_input = "none"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.name = f"random:{seed}"

    def answer(self, item: ModelInput) -> str:
        """One random option, or :data:`favor_hf.prompts.GENERIC_CAPTION` when the input has no options."""
        options = list(item.meta.get("options") or [])
        if not options:
            return GENERIC_CAPTION
        rng = random.Random(f"{self.seed}|{item.item_id or item.prompt}")
        return rng.choice(options)

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        return [self.answer(item) for item in inputs]
