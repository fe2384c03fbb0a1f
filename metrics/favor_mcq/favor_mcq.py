"""FAVOR-Bench multiple-choice accuracy: an evaluate module over ``favor_hf.mcq``."""

import datasets
import evaluate

from favor_hf.mcq import mcq_accuracy
from favor_hf.schema import CITATION

_CITATION = CITATION

_DESCRIPTION = """\
FAVOR-Bench (arXiv 2503.14935) tests fine-grained video motion understanding with 8,184
multiple-choice questions over 1,776 videos in six tasks: Action Sequence (AS), Holistic
Action Classification (HAC), Single Action Detail (SAD), Multiple Action Details (MAD),
Camera Motion (CM) and Non-Subject Motion (NSM). This metric judges free-form model outputs
against each question's options and reports accuracy overall and per task.

Two judges are available. "official" reproduces the rule of the FAVOR-Bench evaluation
script (the paper's tables): an output is correct when the correct answer's text occurs in
it, case-insensitively, and no other option that contains the correct answer also occurs.
"strict" requires the output to commit to exactly one option, by letter (C, (C), C.,
Option C, Answer: C) or by an option's text.
"""

_KWARGS_DESCRIPTION = """
Judge multiple-choice outputs and compute FAVOR-Bench accuracy.
Args:
    predictions (list of str): the model output for each question.
    references (list of dict): for each question, a dict with
        correct_answer (str): the text of the correct option,
        options (list of str): the options in the order shown to the model (A, B, C, ...),
        task_type (str): one of AS, HAC, SAD, MAD, CM, NSM.
    judge (str): "official" (default, the upstream rule) or "strict".
    full_counts (bool): divide by the official benchmark counts (ALL 8184, AS 2637, ...)
        instead of the questions given, as the upstream analysis script does. Default False.
Returns:
    ALL, AS, HAC, SAD, MAD, CM, NSM (float): accuracy in percent, 0 to 100, unrounded;
        a task with no questions is absent.
    counts (dict): the number of questions behind each key (its denominator).
    correct (dict): the number of correct answers behind each key.
    hedged (int): outputs that mention more than one option.
Examples:
    >>> favor_mcq = evaluate.load("favor_mcq")
    >>> options = ["Walks to the left", "Walks to the left and then stops", "Sits down"]
    >>> refs = [{"correct_answer": "Walks to the left", "options": options, "task_type": "SAD"},
    ...         {"correct_answer": "Sits down", "options": options, "task_type": "AS"}]
    >>> results = favor_mcq.compute(predictions=["He walks to the left.", "(C)"], references=refs)
    >>> print(results["ALL"], results["SAD"], results["AS"], results["hedged"])
    50.0 100.0 0.0 0
    >>> results = favor_mcq.compute(predictions=["He walks to the left.", "(C)"], references=refs, judge="strict")
    >>> print(results["ALL"], results["counts"])
    100.0 {'ALL': 2, 'AS': 1, 'SAD': 1}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class FavorMcq(evaluate.Metric):
    """Per-task FAVOR-Bench MCQ accuracy with the official or the strict judge."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Value("string"),
                    "references": {
                        "correct_answer": datasets.Value("string"),
                        "options": datasets.Sequence(datasets.Value("string")),
                        "task_type": datasets.Value("string"),
                    },
                }
            ),
            homepage="https://github.com/FAVOR-Bench/FAVOR-Bench",
            codebase_urls=["https://github.com/FAVOR-Bench/FAVOR-Bench"],
            reference_urls=["https://arxiv.org/abs/2503.14935"],
        )

    def _compute(self, predictions, references, judge="official", full_counts=False):
        return mcq_accuracy(predictions, references, judge=judge, full_counts=full_counts)
