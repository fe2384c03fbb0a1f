"""Render the Hub dataset card (README.md) of an exported FAVOR dataset repo.

The YAML header (license, ``configs:`` with the Parquet ``data_files`` of every config and
split, ``dataset_info`` with the typed features and split sizes) is built from
:mod:`favor_hf.data.features`; the prose comes from ``card_template.md`` (also at
``dataset_script/README.md``), whose ``{{placeholders}}`` are filled here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import DatasetInfo, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCardData

from favor_hf.data.features import CONFIG_DESCRIPTIONS, FEATURES
from favor_hf.schema import CITATION, OFFICIAL_COUNTS, TASK_NAMES

TEMPLATE = Path(__file__).with_name("card_template.md")
LICENSE = "cc-by-nc-sa-4.0"


@dataclass(frozen=True)
class SplitFiles:
    """One exported split: its config, name, Parquet glob (relative to the repo) and sizes."""

    config: str
    split: str
    pattern: str
    num_examples: int
    num_bytes: int
    download_size: int


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "n>1M"


def card_data(splits: list[SplitFiles]) -> DatasetCardData:
    """The YAML header: license, tags, ``configs`` and ``dataset_info`` of the exported splits."""
    configs = sorted({s.config for s in splits}, key=list(FEATURES).index)
    data = DatasetCardData(
        license=LICENSE,
        language=["en"],
        pretty_name="FAVOR-Bench",
        task_categories=["video-text-to-text", "multiple-choice"],
        tags=["video", "motion", "benchmark", "favor-bench"],
        size_categories=[_size_category(max(s.num_examples for s in splits))],
        configs=[
            {
                "config_name": config,
                "data_files": [{"split": s.split, "path": s.pattern} for s in splits if s.config == config],
                **({"default": True} if config == configs[0] else {}),
            }
            for config in configs
        ],
    )
    infos = {}
    for config in configs:
        own = [s for s in splits if s.config == config]
        split_dict = SplitDict()
        for s in own:
            split_dict.add(SplitInfo(name=s.split, num_bytes=s.num_bytes, num_examples=s.num_examples))
        infos[config] = DatasetInfo(
            description=CONFIG_DESCRIPTIONS[config],
            features=FEATURES[config],
            splits=split_dict,
            download_size=sum(s.download_size for s in own),
            dataset_size=sum(s.num_bytes for s in own),
        )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return data


def _markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(
    splits: list[SplitFiles],
    *,
    repo_id: str = "favor-bench",
    mcq_example: dict[str, Any] | None = None,
    task_counts: Counter[str] | None = None,
    provenance: str = "",
) -> str:
    """The full README.md: YAML header plus the filled template."""
    fills = {
        "repo_id": repo_id,
        "config_table": _markdown_table(
            ["config", "split", "rows", "content"],
            [[f"`{s.config}`", s.split, f"{s.num_examples:,}", CONFIG_DESCRIPTIONS[s.config]] for s in splits],
        ),
        "split_table": _markdown_table(
            ["config", "split", "rows", "Parquet files"],
            [[s.config, s.split, f"{s.num_examples:,}", f"`{s.pattern}`"] for s in splits],
        ),
        "mcq_example": json.dumps(mcq_example, indent=2, ensure_ascii=False)
        if mcq_example
        else "(no mcq config exported)",
        "task_names": ", ".join(f"{i} `{code}` {name}" for i, (code, name) in enumerate(TASK_NAMES.items())),
        "task_counts": _task_counts(task_counts),
        "provenance": provenance,
        "citation": CITATION,
    }
    body = TEMPLATE.read_text(encoding="utf-8")
    for key, value in fills.items():
        body = body.replace("{{" + key + "}}", value)
    return f"---\n{card_data(splits).to_yaml()}\n---\n\n{body}"


def _task_counts(counts: Counter[str] | None) -> str:
    if not counts:
        return "no questions exported"
    parts = [f"{code} {counts.get(code, 0):,} (official {OFFICIAL_COUNTS[code]:,})" for code in TASK_NAMES]
    return f"{', '.join(parts)}; all {sum(counts.values()):,} (official {OFFICIAL_COUNTS['ALL']:,})"
