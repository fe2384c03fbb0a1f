"""Run a model over FAVOR-Bench: resumable, shardable, concurrent, then scored.

:func:`run_benchmark` asks a :class:`~favor_hf.models.base.ModelAdapter` every selected
item (an MCQ question, or a video to caption) and appends one line per item to a results
file (:mod:`favor_hf.results`) as soon as it is answered, fsynced. Rerunning the same
command skips finished items and retries failed ones, so a run killed at any moment
(SIGKILL included) resumes with no item lost or answered twice.

- Frames are sampled once per video with a :class:`~favor_hf.video.Sampling` preset (``fps=1``,
  8/16/32/64 uniform frames, or ``official``: the official Qwen2.5-VL inputs); questions of one
  video share them. Each line records the adapter's ``video_input`` mode and the frame manifest
  (indices, timestamps, size, decoder, hash of the frames).
- ``concurrency`` worker threads call the adapter at once (for HTTP servers); results are
  written in completion order by the calling thread only.
- ``shard="I/N"`` keeps a stable 1/N slice (:mod:`favor_hf.shard`).
- An adapter with ``share_video_prefix`` gets a video's questions back to back, its first
  batch before the rest (:mod:`favor_hf.video_batches`); each line records the flag and the
  adapter's ``usage`` (vision-encoder calls, prefilled and cached tokens), summed in the summary.

Example:
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.models import load_adapter
    >>> summary = run_benchmark(load_adapter("random:0"), load_video_records("synth"), "mcq", "out.jsonl", progress=False)
    >>> print(summary.format())
    model random:0 | task mcq | sampling fps=1,max_side=448 | results out.jsonl
    21 items selected: 0 already done, 21 answered now (... items/s), 0 failed
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from favor_hf.data.favor_json import iter_mcq_items
from favor_hf.mcq import mcq_accuracy
from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.prompts import CAPTION_PROMPT, mcq_prompt
from favor_hf.render import format_scores
from favor_hf.results import (
    TASKS,
    ResultsStore,
    check_identity,
    final_records,
    read_results,
    run_identity,
    universe_digest,
)
from favor_hf.run_identity import caption_score_choice, run_settings
from favor_hf.schema import ANNOTATION_FIELDS
from favor_hf.shard import select_shard
from favor_hf.video import Clip, Sampling
from favor_hf.video_batches import plan_batches, usage_line


class RunAborted(RuntimeError):
    """The run stopped early (too many consecutive failures); rerunning resumes it."""


DEFAULT_SAMPLING = Sampling(fps=1.0)
"""One frame per second from the first frame (the official runs: ``--sampling official``)."""


def build_items(records: Sequence[dict[str, Any]], task: str) -> list[dict[str, Any]]:
    """Turn video records into runner items: ``id``, ``video``, ``video_path``, ``prompt``, ``reference``, ``meta``.

    MCQ items are questions (id = ``question_key``, reference = correct answer, options and
    task type); caption items are videos (id = ``video_name``, reference = the six annotations).
    """
    if task == "mcq":
        return [
            {
                "id": q["question_key"],
                "video": q["video_name"],
                "video_path": q["video_path"],
                "task_type": q["task_type"],
                "prompt": mcq_prompt(q["question"], q["options"]),
                "reference": {key: q[key] for key in ("correct_answer", "options", "task_type")},
                "meta": {"options": q["options"], "task_type": q["task_type"], "question": q["question"]},
            }
            for q in iter_mcq_items(records)
        ]
    if task == "caption":
        return [
            {
                "id": r["video_name"],
                "video": r["video_name"],
                "video_path": r.get("video_path"),
                "task_type": "caption",
                "prompt": CAPTION_PROMPT,
                "reference": {key: r[key] for key in ANNOTATION_FIELDS},
                "meta": {"task_type": "caption"},
            }
            for r in records
        ]
    raise ValueError(f"task {task!r}: expected one of {', '.join(TASKS)}")


def universe_of(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Size and digest of the full item set, recorded in each line so shards can be merged and checked."""
    return {"items": len(items), "sha1": universe_digest(item["id"] for item in items)}


class _FrameCache:
    """Frames of each video, decoded once by the first worker that needs them, dropped after the last use."""

    def __init__(self, sampling: Sampling, uses: Counter[str]):
        self._sampling = sampling
        self._uses = uses
        self._lock = threading.Lock()
        self._entries: dict[str, Future[Clip]] = {}

    def get(self, path: str) -> Clip:
        with self._lock:
            found = self._entries.get(path)
            owner = found is None
            entry: Future[Clip] = Future() if found is None else found
            if owner:
                self._entries[path] = entry
        if owner:
            try:
                entry.set_result(self._sampling.clip(path))
            except Exception as err:  # noqa: BLE001 -- recorded per item by the caller
                entry.set_exception(err)
        return entry.result()

    def release(self, path: str) -> None:
        with self._lock:
            self._uses[path] -= 1
            if self._uses[path] <= 0:
                self._entries.pop(path, None)


def _error_text(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _answer_batch(
    adapter: ModelAdapter, batch: list[dict[str, Any]], cache: _FrameCache | None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Answer one batch; returns ``(item, outcome)`` pairs with ``output`` or ``error`` and timings."""
    outcomes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    ready: list[tuple[dict[str, Any], ModelInput, dict[str, Any]]] = []
    for item in batch:
        start = time.perf_counter()
        outcome: dict[str, Any] = {
            "output": None,
            "error": None,
            "frames": None,
            "frame_manifest": None,
            "usage": None,
        }
        clip = None
        if cache is not None:
            if not item["video_path"]:
                outcome["error"] = f"VideoError: video file of {item['video']!r} not found under the data directory"
            else:
                try:
                    clip = cache.get(item["video_path"])
                    outcome["frames"] = len(clip.frames)
                    outcome["frame_manifest"] = clip.manifest()
                except Exception as err:  # noqa: BLE001 -- any decoding failure is recorded per item
                    outcome["error"] = _error_text(err)
        outcome["timing"] = {"frames_s": round(time.perf_counter() - start, 4)}
        if outcome["error"] is not None:
            outcomes.append((item, outcome))
            continue
        request = ModelInput(
            prompt=item["prompt"],
            video_path=item["video_path"],
            frames=None if clip is None else clip.frames,
            item_id=item["id"],
            meta=item["meta"],
            clip=clip,
        )
        ready.append((item, request, outcome))
    if ready:
        start = time.perf_counter()
        answers: Sequence[str | None]
        try:
            answers = adapter.generate([request for _, request, _ in ready])
            if len(answers) != len(ready):
                raise RuntimeError(f"adapter returned {len(answers)} answers for {len(ready)} inputs")
        except Exception as err:  # noqa: BLE001 -- any backend failure is recorded per item; the run goes on
            answers = [None] * len(ready)
            for _, _, outcome in ready:
                outcome["error"] = _error_text(err)
        seconds = round(time.perf_counter() - start, 4)
        for (item, request, outcome), answer in zip(ready, answers):
            if answer is not None:
                outcome["output"] = str(answer)
                outcome["usage"] = request.usage or None
            outcome["timing"].update(model_s=seconds, batch=len(ready))
            outcomes.append((item, outcome))
    if cache is not None:
        for item in batch:
            if item["video_path"]:
                cache.release(item["video_path"])
    return outcomes


def _answer_after(
    first: Future[Any] | None, adapter: ModelAdapter, batch: list[dict[str, Any]], cache: _FrameCache | None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """:func:`_answer_batch` once ``first`` (the first batch of the same video) is done."""
    if first is not None:
        wait([first])  # submitted earlier, so already running or done: no deadlock in a FIFO pool
    return _answer_batch(adapter, batch, cache)


@dataclass
class RunSummary:
    """What a run did and, when scored, the scores of every finished item in its selection."""

    out: str
    task: str
    model: str
    sampling: str
    selected: int
    item_ids: list[str] = field(default_factory=list)
    skipped: int = 0
    answered: int = 0
    failed: int = 0
    seconds: float = 0.0
    repaired: bool = False
    scores: dict[str, Any] | None = None
    errors: Counter[str] = field(default_factory=Counter)
    usage: Counter[str] = field(default_factory=Counter)
    notes: tuple[str, ...] = ()

    def format(self) -> str:
        """A few lines for the terminal: counts, throughput, the most common errors, the score table."""
        rate = self.answered / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"model {self.model} | task {self.task} | sampling {self.sampling} | results {self.out}",
            (
                f"{self.selected} items selected: {self.skipped} already done, {self.answered} answered now "
                f"({rate:.2f} items/s), {self.failed} failed"
            ),
        ]
        lines.extend(line for line in (usage_line(self.usage, self.answered), *self.notes) if line)
        if self.repaired:
            lines.append("a torn last line (interrupted write) was removed and its item redone")
        for error, count in self.errors.most_common(3):
            lines.append(f"  {count} x {error[:200]}")
        if self.failed:
            lines.append("failed items are recorded with their error; rerun the same command to retry them")
        if self.scores is not None:
            lines.append(format_scores(self.scores, self.task))
        return "\n".join(lines)


def run_benchmark(
    adapter: ModelAdapter,
    records: Sequence[dict[str, Any]],
    task: str,
    out: str | Path,
    *,
    sampling: Sampling = DEFAULT_SAMPLING,
    shard: str | None = None,
    limit: int | None = None,
    concurrency: int = 1,
    max_consecutive_failures: int = 20,
    progress: bool = True,
    caption_model: str | None = None,
    official_hash_seed: int = 0,
) -> RunSummary:
    """Answer every selected item not yet finished in ``out``; return a :class:`RunSummary` (unscored).

    Args:
        adapter: the model.
        records: video records from :func:`favor_hf.data.favor_json.load_video_records`.
        task: ``"mcq"`` or ``"caption"``.
        out: the results file; created, or resumed when it holds lines of the same run.
        sampling: the frame-sampling preset (recorded in every line).
        shard: ``"I/N"`` to run only the stable 1/N slice of the items.
        limit: keep only the first ``limit`` items of the selection.
        concurrency: adapter calls in flight at once (worker threads).
        max_consecutive_failures: stop (:class:`RunAborted`) after this many failures in a row.
        progress: show a tqdm bar with throughput and ETA.
        caption_model, official_hash_seed: the caption score a caption run is to be scored with,
            recorded in its settings (:func:`favor_hf.run_identity.run_settings`).

    Raises:
        ResultsError: ``out`` holds another run (a setting of :mod:`favor_hf.run_identity` differs), or is locked.
        RunAborted: too many consecutive failures (e.g. a wrong API key); rerun after fixing it.
    """
    items = build_items(records, task)
    identity = {
        "task": task,
        "model": adapter.name,
        "sampling": sampling.label,
        "universe": universe_of(items),
        "video_input": adapter.video_input,
        "settings": run_settings(adapter, task, caption_model=caption_model, official_hash_seed=official_hash_seed),
        "share_video_prefix": adapter.share_video_prefix,  # whether sharing ran (settings hold what was asked)
    }
    selected = select_shard(items, shard)
    if limit is not None:
        selected = selected[:limit]
    summary = RunSummary(str(out), task, adapter.name, sampling.label, len(selected), [item["id"] for item in selected])
    summary.notes = adapter.notes
    with ResultsStore(out) as store:
        check_identity(store.records, identity, str(out))
        summary.repaired = store.repaired
        finished = {key for key, r in final_records(store.records, str(out)).items() if r.get("error") is None}
        pending = [item for item in selected if item["id"] not in finished]
        summary.skipped = len(selected) - len(pending)
        size = max(1, int(adapter.max_batch_size))
        plan = plan_batches(pending, size, by_video=adapter.share_video_prefix)
        cache = None
        if adapter.needs_frames:
            cache = _FrameCache(sampling, Counter(item["video_path"] for item in pending if item["video_path"]))
        bar = tqdm(
            total=len(selected),
            initial=summary.skipped,
            unit="item",
            desc=f"{task} {adapter.name}",
            disable=not progress,
            dynamic_ncols=True,
        )
        started = time.perf_counter()
        consecutive = 0
        pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="favor-run")
        submitted: list[Future[Any]] = []
        for batch, after in plan:
            first = None if after is None else submitted[after]
            submitted.append(pool.submit(_answer_after, first, adapter, batch, cache))
        order = {future: i for i, future in enumerate(submitted)}
        futures = set(order)
        try:
            while futures:
                done, futures = wait(futures, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=order.__getitem__):
                    for item, outcome in future.result():
                        store.append(_line(item, outcome, identity, shard))
                        if outcome["error"] is None:
                            summary.answered += 1
                            summary.usage.update(outcome["usage"] or {})
                            consecutive = 0
                        else:
                            summary.failed += 1
                            summary.errors[outcome["error"]] += 1
                            consecutive += 1
                        bar.update(1)
                        bar.set_postfix(failed=summary.failed, refresh=False)
                if consecutive >= max_consecutive_failures:
                    raise RunAborted(
                        f"stopped after {consecutive} consecutive failures; last error: {outcome['error']}. "
                        "Fix the cause and rerun the same command: finished items are kept, failed ones retried."
                    )
        finally:
            pool.shutdown(wait=not futures, cancel_futures=True)
            bar.close()
            summary.seconds = time.perf_counter() - started
    return summary


def _line(item: dict[str, Any], outcome: dict[str, Any], identity: dict[str, Any], shard: str | None) -> dict[str, Any]:
    return {
        "id": item["id"],
        "video": item["video"],
        "task": identity["task"],
        "task_type": item["task_type"],
        "model": identity["model"],
        "sampling": identity["sampling"],
        "shard": shard,
        "output": outcome["output"],
        "error": outcome["error"],
        "frames": outcome["frames"],
        "video_input": identity["video_input"],
        "share_video_prefix": identity["share_video_prefix"],
        "frame_manifest": outcome["frame_manifest"],
        "timing": outcome["timing"],
        "usage": outcome["usage"],
        "reference": item["reference"],
        "universe": identity["universe"],
        "settings": identity["settings"],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def selected_final_records(path: str | os.PathLike[str], ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The final line of each item in a results file (only ``ids`` when given), checked to be one run."""
    final = final_records(read_results(path).records, str(path))
    if final:
        check_identity(final.values(), run_identity(next(iter(final.values()))), str(path))
    if ids is None:
        return list(final.values())
    return [final[item_id] for item_id in ids if item_id in final]


def score_records(
    records: Sequence[dict[str, Any]],
    task: str,
    *,
    judge: str = "official",
    caption_model: str | None = None,
    official_hash_seed: int | None = None,
    motion_aware: bool = False,
) -> dict[str, Any]:
    """Score the finished lines of a results file; failed lines are counted, not scored.

    A caption run is scored with the caption model and hash seed it recorded unless
    ``caption_model``/``official_hash_seed`` are given (:func:`favor_hf.run_identity.caption_score_choice`);
    ``notes`` then says where they depart from the run. ``motion_aware`` adds the motion-aware
    companion caption score (:mod:`favor_hf.caption.analysis.motion`).

    Returns the metric's scores plus ``answered`` and ``failed`` counts (and ``universe``,
    the size of the full item set).
    """
    answered = [r for r in records if r.get("error") is None]
    predictions = [r["output"] for r in answered]
    references = [r["reference"] for r in answered]
    scores: dict[str, Any] = {}
    if answered and task == "mcq":
        scores = {**mcq_accuracy(predictions, references, judge=judge), "judge": judge}
    elif answered and task == "caption":
        from favor_hf.caption import score_captions  # lazy: the caption metric imports scipy (a second)

        options, notes = caption_score_choice(records, caption_model, official_hash_seed)
        scores = dict(score_captions(predictions, references, motion_aware=motion_aware, **options))
        if notes:
            scores["notes"] = notes
    universe = (records[0].get("universe") or {}).get("items") if records else None
    return {**scores, "answered": len(answered), "failed": len(records) - len(answered), "universe": universe}
