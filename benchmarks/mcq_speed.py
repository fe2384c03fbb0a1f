"""Time both MCQ judges on 8,184 generated outputs for the full-size synthetic question set.

Usage: python benchmarks/mcq_speed.py [path/to/synthetic_video_perspective.json]
Prints the time of ``favor_hf.mcq.mcq_accuracy`` per judge (best of 5) and the scores.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from favor_hf.mcq import mcq_accuracy

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "favor" / "synthetic" / "synthetic_video_perspective.json"


def generated_outputs(questions: list[dict], seed: int = 0) -> list[str]:
    """Plausible model outputs: bare options, letters, sentences, hedges and refusals."""
    rng = random.Random(seed)
    outputs = []
    for q in questions:
        options = q["options"]
        pick = rng.choice(options) if rng.random() < 0.5 else q["correct_answer"]
        letter = "ABCDE"[options.index(pick)]
        style = rng.randrange(6)
        outputs.append(
            [
                pick,
                f"({letter})",
                f"Answer: {letter}",
                f'The correct option is "{pick.lower()}", as the video shows.',
                f"It could be {options[0]} or {options[1]}.",
                "I cannot tell from the video.",
            ][style]
        )
    return outputs


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    records = json.loads(path.read_text(encoding="utf-8"))
    questions = [q for record in records for q in record["questions"]]
    references = [{k: q[k] for k in ("correct_answer", "options", "task_type")} for q in questions]
    outputs = generated_outputs(questions)
    print(f"{len(questions)} questions from {path}")
    for judge in ("official", "strict"):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            scores = mcq_accuracy(outputs, references, judge=judge)
            times.append(time.perf_counter() - start)
        print(
            f"judge={judge:<8} best {min(times):.3f} s  median {sorted(times)[2]:.3f} s  "
            f"ALL {scores['ALL']:.2f}%  hedged {scores['hedged']}"
        )


if __name__ == "__main__":
    main()
