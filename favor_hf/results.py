"""The results file of a run: JSON Lines, appended and fsynced one item at a time.

Every line is one attempt at one item (``id``) and carries what identifies the run
(:data:`~favor_hf.run_identity.RUN_KEYS`: task, model, frame sampling, the item universe, how
frames reached the model and every other setting that decides an answer) next to the
item's ``output`` or ``error``, its ``reference`` (what the metric compares it with) and
``timing``: ``frames_s`` to get its frames (a video is decoded once, so its later
questions show about 0), ``model_s`` of the adapter call that answered it and ``batch``,
the inputs of that call; and ``usage`` where the adapter knows it (vision-encoder calls,
prefilled and cached prompt tokens). The file is only ever appended to, so a crash can damage at
most its last line:

- a last line without its newline (or not valid JSON) is *torn*: :class:`ResultsStore`
  cuts it away and its item is redone;
- a failed attempt (``error`` set) stays in the file as a record of what happened; a
  later successful line for the same item supersedes it (:func:`final_records`);
- an item never has two successful lines: the runner skips finished items, and
  :func:`final_records` refuses a file where that happened anyway.

Example:
    >>> store = ResultsStore("results.jsonl")
    >>> store.append({"id": "synth0000_1", "output": "(A)", "error": None})
    >>> store.close()
    >>> [line["id"] for line in read_results("results.jsonl").records]
    ['synth0000_1']
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from favor_hf.run_identity import identity_difference, run_identity

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one writer is the user's job
    fcntl = None  # type: ignore[assignment]

TASKS: tuple[str, ...] = ("mcq", "caption")
"""Values of a run's ``task``."""
FRAME_PRESETS: tuple[int, ...] = (8, 16, 32, 64)
"""Frame counts a run may sample uniformly (``favor-hf run --frames``)."""


class ResultsError(ValueError):
    """A results file is malformed, mixes runs, or is in use; the message says what to do."""


@dataclass
class ReadResults:
    """Lines of a results file, in order, and whether a torn last line was left out."""

    records: list[dict[str, Any]]
    valid_bytes: int
    torn: bool


def read_results(path: str | os.PathLike[str]) -> ReadResults:
    """Parse a results file; a torn last line is left out and reported, any other bad line raises.

    Raises:
        ResultsError: a line other than the last is not a JSON object with an ``id``.
    """
    path = Path(path)
    if not path.is_file():
        raise ResultsError(f"{path}: results file not found")
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # bytes after the last newline: empty unless the last write was cut off
    records: list[dict[str, Any]] = []
    offset = 0
    for number, line in enumerate(lines, 1):
        end = offset + len(line) + 1
        if line.strip():
            try:
                record = json.loads(line)
            except UnicodeDecodeError as err:
                raise ResultsError(
                    f"{path}: line {number} is not UTF-8 text ({err.reason} at byte {err.start} of the line). "
                    "Results files are UTF-8 JSON Lines: re-encode the file (e.g. `iconv -f latin1 -t utf-8`) "
                    "or regenerate it."
                ) from err
            except json.JSONDecodeError as err:
                if number == len(lines) and not tail:
                    return ReadResults(records, offset, True)
                raise ResultsError(
                    f"{path}: line {number} is not valid JSON ({err}). Only the last line of a results file can be "
                    "damaged by a crash; delete this line to redo its item."
                ) from err
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ResultsError(f"{path}: line {number} is not a result (a JSON object with a string 'id')")
            records.append(record)
        offset = end
    return ReadResults(records, offset, bool(tail))


def final_records(records: Iterable[dict[str, Any]], source: str) -> dict[str, dict[str, Any]]:
    """The last line of each item, by id, in first-seen order.

    Raises:
        ResultsError: an item has two successful lines (files concatenated by hand?).
    """
    final: dict[str, dict[str, Any]] = {}
    for record in records:
        previous = final.get(record["id"])
        if previous is not None and previous.get("error") is None:
            raise ResultsError(
                f"{source}: item {record['id']!r} has more than one finished result; "
                "combine shard files with `favor-hf merge`, which refuses such overlaps"
            )
        final[record["id"]] = record
    return final


def check_identity(records: Iterable[dict[str, Any]], expected: dict[str, Any], source: str) -> None:
    """Raise unless every line has the run identity ``expected``: runs are never mixed silently."""
    for record in records:
        difference = identity_difference(record, expected)
        if difference is not None:
            raise ResultsError(
                f"{source}: item {record['id']!r} belongs to another run: {difference}. One results file holds "
                "one run: pass the same options, or write to another --out file."
            )


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class ResultsStore:
    """A results file opened for one run: locked against a second writer, torn line repaired.

    Attributes:
        records: the lines already in the file (without a torn last line).
        repaired: whether a torn last line was cut away on opening.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if created:  # make the new directory entry durable too, not only the lines
                _fsync_dir(self.path.parent.resolve())
            if fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise ResultsError(
                        f"{self.path}: another favor-hf process is writing this results file; wait for it or "
                        "use another --out"
                    ) from None
            read = read_results(self.path)
            self.repaired = read.torn
            if read.torn:
                os.ftruncate(self._fd, read.valid_bytes)
                os.fsync(self._fd)
            self.records = read.records
        except BaseException:
            os.close(self._fd)
            raise

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and fsync it: once this returns, the line survives a crash."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        _write_all(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        """Release the lock and the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_results(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> None:
    """Write a whole results file atomically (temporary file, fsync, rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent.resolve())


@dataclass
class MergeReport:
    """What :func:`merge_results` wrote: item counts, the ids it could name as missing, inputs with a torn line."""

    items: int
    failed: int
    universe: int
    missing: list[str] = field(default_factory=list)
    missing_count: int = 0
    torn: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One human-readable paragraph."""
        text = f"{self.items} items merged ({self.failed} failed), {self.missing_count} of {self.universe} missing"
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (", ..." if len(self.missing) > 5 else "")
            text += f": {shown}"
        if self.torn:
            text += f"; a torn last line (interrupted write) was left out of {', '.join(self.torn)}"
        return text


def merge_results(
    out: str | os.PathLike[str],
    inputs: Sequence[str | os.PathLike[str]],
    universe_ids: Sequence[str] | None = None,
) -> MergeReport:
    """Combine shard results into ``out``: one line per item, the final attempt of each.

    Args:
        out: the merged file to write (atomically).
        inputs: shard results files of one run (same task, model, sampling and universe).
        universe_ids: every item id of the benchmark, to name the missing ones; without it
            the count of missing items comes from the ``universe`` recorded in the lines.

    Raises:
        ResultsError: the inputs come from different runs, or an item is in two inputs.
    """
    if not inputs:
        raise ResultsError("merge needs at least one results file")
    merged: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    identity: dict[str, Any] | None = None
    overlaps: list[str] = []
    torn: list[str] = []
    for path in inputs:
        read = read_results(path)
        if read.torn:
            torn.append(str(path))
        final = final_records(read.records, str(path))
        if final:
            identity = identity or run_identity(next(iter(final.values())))
            check_identity(final.values(), identity, str(path))
        for item_id, record in final.items():
            if item_id in merged:
                overlaps.append(f"{item_id!r} in {owner[item_id]} and {path}")
            merged[item_id] = record
            owner[item_id] = str(path)
    if overlaps:
        raise ResultsError(
            f"{len(overlaps)} item(s) appear in more than one input, e.g. {overlaps[0]}; shards of one run are "
            "disjoint: check the --shard options of these files"
        )
    if identity is None:
        raise ResultsError(f"no results in {', '.join(map(str, inputs))}")
    universe = identity["universe"] or {}
    total = int(universe.get("items", len(merged)))
    missing: list[str] = []
    order = list(merged)
    if universe_ids is not None:
        if len(universe_ids) != total or universe_digest(universe_ids) != universe.get("sha1"):
            raise ResultsError(
                f"the results were run on a different item set ({total} items) than the one given "
                f"({len(universe_ids)} items); pass the --data-dir the shards were run with"
            )
        missing = [item_id for item_id in universe_ids if item_id not in merged]
        rank = {item_id: i for i, item_id in enumerate(universe_ids)}
        order.sort(key=rank.__getitem__)
    write_results(out, (merged[item_id] for item_id in order))
    failed = sum(1 for record in merged.values() if record.get("error") is not None)
    return MergeReport(len(merged), failed, total, missing, max(0, total - len(merged)), torn)


def universe_digest(item_ids: Iterable[str]) -> str:
    """sha1 of the sorted item ids: the same benchmark gives the same digest on every machine."""
    digest = hashlib.sha1()
    for item_id in sorted(item_ids):
        digest.update(item_id.encode("utf-8") + b"\n")
    return digest.hexdigest()


@dataclass
class FrameAgreement:
    """Frame-by-frame comparison of two runs' frame manifests (one per video)."""

    videos: int
    frames_compared: int
    index_mismatches: int
    differing: list[str]
    only_first: list[str]
    only_second: list[str]

    @property
    def identical(self) -> int:
        """Videos whose frames hash the same in both runs."""
        return self.videos - len(self.differing)

    def summary(self) -> str:
        """One line per fact, as parity reports give them."""
        lines = [
            f"videos compared: {self.videos}, identical frames (same hash): {self.identical}",
            f"frames compared: {self.frames_compared}, frame index mismatches: {self.index_mismatches}",
        ]
        if self.differing:
            lines.append(
                f"videos with other frames: {', '.join(self.differing[:10])}"
                + (f" and {len(self.differing) - 10} more" if len(self.differing) > 10 else "")
            )
        if self.only_first or self.only_second:
            lines.append(
                f"videos in one run only: {len(self.only_first)} in the first, {len(self.only_second)} in the second"
            )
        return "\n".join(lines)


def frame_agreement(first: Iterable[dict[str, Any]], second: Iterable[dict[str, Any]]) -> FrameAgreement:
    """Compare the ``frame_manifest`` of each video in two runs' lines: hashes, then frame indices.

    A frame index mismatch is a position where the two runs took different source frames
    (a different frame count counts every extra frame). Lines without a manifest are ignored.
    """

    def manifests(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {r["video"]: r["frame_manifest"] for r in records if r.get("frame_manifest")}

    a, b = manifests(first), manifests(second)
    common = sorted(set(a) & set(b))
    differing = [video for video in common if a[video]["sha256"] != b[video]["sha256"]]
    compared = mismatches = 0
    for video in common:
        left, right = a[video]["indices"], b[video]["indices"]
        compared += max(len(left), len(right))
        mismatches += sum(x != y for x, y in zip(left, right)) + abs(len(left) - len(right))
    return FrameAgreement(
        len(common), compared, mismatches, differing, sorted(set(a) - set(b)), sorted(set(b) - set(a))
    )
