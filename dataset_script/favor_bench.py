"""FAVOR-Bench loading script for ``datasets`` < 4 (which still runs dataset scripts).

It only re-exports the builder of the installed ``favor-hf`` package (``pip install favor-hf``):

    load_dataset("path/to/favor_bench.py", "mcq", data_dir="FAVOR")   # datasets < 4

With ``datasets`` >= 4 use ``favor-hf export`` and ``load_dataset("favor-bench", "mcq")``,
or ``favor_hf.load_bench("mcq")``.
"""

from favor_hf.data.builder import FavorBench as _FavorBench
from favor_hf.data.builder import FavorConfig  # noqa: F401  (configs accept its fields)


class FavorBench(_FavorBench):
    """FAVOR-Bench: configs ``mcq``, ``videos`` and ``train`` (see favor_hf.data.builder)."""
