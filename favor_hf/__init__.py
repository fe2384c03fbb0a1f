"""favor-hf: FAVOR-Bench for the Hugging Face ecosystem.

FAVOR-Bench (arXiv 2503.14935) measures fine-grained video motion understanding with
8,184 multiple-choice questions over 1,776 videos and an LLM-free open-ended caption score.
"""

from favor_hf._version import __version__
from favor_hf.resources import absolute_nltk_data

absolute_nltk_data()  # a relative $NLTK_DATA keeps working in subprocesses run from other folders


__all__ = ["load_bench", "load_metric", "__version__"]


def __getattr__(name: str) -> object:
    # Lazy (PEP 562): ``import favor_hf`` must not import ``datasets`` or ``evaluate``.
    if name == "load_bench":
        from favor_hf.data.load import load_bench

        return load_bench
    if name == "load_metric":
        from favor_hf.hub_metrics import load_metric

        return load_metric
    raise AttributeError(f"module 'favor_hf' has no attribute {name!r}")
