"""favor-hf: FAVOR-Bench for the Hugging Face ecosystem.

FAVOR-Bench (arXiv 2503.14935) measures fine-grained video motion understanding with
8,184 multiple-choice questions over 1,776 videos and an LLM-free open-ended caption score.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy: ``import favor_hf`` must not import ``datasets``.
    if name == "load_bench":
        from favor_hf.data.load import load_bench

        return load_bench
    raise AttributeError(f"module 'favor_hf' has no attribute {name!r}")
