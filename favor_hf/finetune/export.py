"""``favor-hf sft-export``: load FAVOR data, build SFT examples, write them, say what was skipped.

Example:
    >>> result = export_sft("sft", data_dir="synth", heldout=0.25)  # a FAVOR data directory
    >>> print(result.summary())
    wrote sft from 4 videos
      heldout: 1 videos, examples: caption 1
      train: 3 videos, examples: caption 3
      llamafactory: sft/llamafactory/favor_train.json, sft/llamafactory/favor_heldout.json
      trl: sft/trl/train.jsonl, sft/trl/heldout.jsonl
      qwen: sft/qwen/train.json, sft/qwen/heldout.json
      skipped (videos or items): 0 (nothing)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from favor_hf.data.favor_json import DataError, LoadReport, load_video_records
from favor_hf.data.train_files import load_train_records
from favor_hf.finetune.examples import SftExamples, build_examples
from favor_hf.finetune.formats import FORMATS, write_format


@dataclass
class SftExportResult:
    """What was written per format and split, what was skipped, and load irregularities."""

    out: Path
    examples: SftExamples
    report: LoadReport
    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    num_videos: int = 0

    def summary(self) -> str:
        """Human-readable lines for the command line."""
        counts = self.examples.counts()
        lines = [f"wrote {self.out} from {self.num_videos:,} videos"]
        for split in sorted({s for s, _ in counts}):
            kinds = ", ".join(f"{kind} {n:,}" for (s, kind), n in sorted(counts.items()) if s == split)
            videos = len({e.video_name for e in self.examples.examples if e.split == split})
            lines.append(f"  {split}: {videos:,} videos, examples: {kinds}")
        for fmt, files in self.files.items():
            lines.append(f"  {fmt}: " + ", ".join(str(p) for p in files.values()))
        skipped = self.examples.skipped
        lines.append(f"  skipped (videos or items): {sum(skipped.values()):,}" + ("" if skipped else " (nothing)"))
        for reason, n in sorted(skipped.items()):
            lines.append(f"    {reason}: {n:,} (e.g. {', '.join(self.examples.skipped_examples[reason])})")
        if self.report.counts:
            lines.append("  load warnings:\n    " + self.report.summary().replace("\n", "\n    "))
        return "\n".join(lines)


def export_sft(
    out: str | os.PathLike[str],
    *,
    train: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = FORMATS,
    **options: Any,
) -> SftExportResult:
    """Export ``train`` (a FAVOR-Train file, clips under ``data_dir``) or the FAVOR data directory ``data_dir``.

    ``options`` go to :func:`favor_hf.finetune.examples.build_examples` (``prompt``, ``target``,
    ``mcq``, ``heldout``, ``seed``).

    Raises:
        DataError: no input, or invalid input (file, record and field named).
    """
    report = LoadReport()
    if train is not None:
        records = load_train_records(train, data_dir, report)
    elif data_dir is not None:
        records = load_video_records(os.fspath(data_dir), report)
    else:
        raise DataError("nothing to export: give a FAVOR-Train file or a FAVOR data directory")
    examples = build_examples(records, **options)
    if not examples.examples:
        raise DataError(
            f"no example to write: all {len(records)} videos were skipped ({dict(examples.skipped)}); "
            "put the clips next to the file or under DIR/videos/FAVOR-Train/ and give that DIR (data_dir=)"
        )
    result = SftExportResult(Path(out), examples, report, num_videos=len(records))
    for fmt in formats:
        result.files[fmt] = write_format(fmt, examples.examples, out)
    return result
