"""Run a model on one clip of the Space: pick the adapter, answer the questions, caption, judge.

The heavy lifting belongs to the library: prompts and items come from
:func:`favor_hf.runner.build_items`, frames from :class:`favor_hf.runner.Sampling`, the
judges from :mod:`favor_hf.mcq`, the caption score from :mod:`favor_hf.caption`. This
module adds what a shared web app needs: adapters loaded once and reused under a lock,
user-typed model settings checked before use, and failures turned into messages.

Example:
    >>> choice = ModelChoice(kind="flow")
    >>> from favor_hf.data.favor_json import load_video_records
    >>> record = load_video_records("synth")[0]
    >>> loaded = get_adapter(choice, public=False)
    >>> rows = answer_questions(loaded, record, num_frames=8)
    >>> [(row["task_type"], row["official_correct"]) for row in rows]  # flow sees only the camera
    [('CM', True), ('SAD', True), ('SAD', False), ('AS', False), ('HAC', False), ('MAD', False)]
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from favor_hf.app.guards import SpaceError, parse_json
from favor_hf.models import load_adapter
from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.schema import ANNOTATION_FIELDS

MODEL_KINDS: dict[str, str] = {
    "flow": "flow: optical-flow camera-motion baseline (no weights)",
    "random": "random: uniform guess (seed 0)",
    "transformers": "transformers: an image-text-to-text model from the Hub",
    "openai": "openai: an OpenAI-compatible chat endpoint",
}
"""Model kinds offered in the UI, with their labels."""

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def is_hub_id(name: str) -> bool:
    """Whether ``name`` reads as a Hub repo id (``owner/name``) and not as a local path."""
    return bool(_HUB_ID.match(name)) and ".." not in name and not Path(name).exists()


Progress = Callable[[float, str], None]
"""``progress(fraction, description)``: how long work reports how far it got."""


class ModelUnavailable(SpaceError):
    """The chosen model cannot be used here; the message says why and what to do."""


class ClipUnreadable(SpaceError):
    """The clip's frames cannot be decoded although its header looked fine."""


@dataclass(frozen=True)
class ModelChoice:
    """The model settings of the UI."""

    kind: str
    model_id: str = ""
    base_url: str = ""
    api_key: str = ""

    def spec(self) -> tuple[str, dict[str, Any]]:
        """The ``load_adapter`` spec and options, or :class:`ModelUnavailable` when a field is missing."""
        if self.kind == "flow":
            return "flow", {}
        if self.kind == "random":
            return "random:0", {}
        model_id = self.model_id.strip()
        if self.kind == "transformers":
            if not model_id:
                raise ModelUnavailable("enter a transformers model id, e.g. HuggingFaceTB/SmolVLM2-256M-Video-Instruct")
            return f"transformers:{model_id}", {}
        if self.kind == "openai":
            if not model_id:
                raise ModelUnavailable("enter the model name the endpoint serves, e.g. gpt-4o-mini")
            return f"openai:{model_id}", {"base_url": self.base_url.strip() or None, "api_key": self.api_key or None}
        raise ModelUnavailable(f"unknown model kind {self.kind!r}; choose one of {', '.join(MODEL_KINDS)}")

    def check_allowed(self, public: bool) -> None:
        """On a public Space, refuse local model paths and endpoint URLs the owner did not configure."""
        if not public:
            return
        if self.kind == "transformers" and not is_hub_id(self.model_id.strip()):
            raise ModelUnavailable(
                f"{self.model_id.strip()!r} is not a Hub model id (owner/name); this public Space loads models from the Hub only"
            )
        if self.kind == "openai" and self.base_url.strip():
            raise ModelUnavailable(
                "this public Space only calls the endpoint its owner configured (OPENAI_BASE_URL); "
                "leave the URL empty, or run the Space locally to use your own endpoint"
            )


class LoadedModel:
    """An adapter shared by the Space's users and the lock that serialises its calls."""

    def __init__(self, adapter: ModelAdapter):
        self.adapter = adapter
        self.lock = threading.Lock()


_CACHE: dict[tuple[str, tuple[tuple[str, Any], ...]], LoadedModel] = {}
_LOADING: dict[tuple[str, tuple[tuple[str, Any], ...]], threading.Lock] = {}
_CACHE_LOCK = threading.Lock()
_LIGHT = ("flow", "random:0")


def get_adapter(choice: ModelChoice, public: bool) -> LoadedModel:
    """Load (once) the adapter of ``choice``; heavy models replace each other, at most one stays loaded.

    A slow load (a model download) blocks only the users who asked for that model.

    Raises:
        ModelUnavailable: a field is missing, not allowed here, or the model fails to load.
    """
    choice.check_allowed(public)
    spec, options = choice.spec()
    key = (spec, tuple(sorted((k, v) for k, v in options.items() if v is not None)))
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        loading = _LOADING.setdefault(key, threading.Lock())
    with loading:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        try:
            adapter = load_adapter(spec, **options)
        except Exception as err:  # any backend failure (import, download, bad id) becomes a message
            raise ModelUnavailable(f"{spec} is not available here: {err}") from err
        finally:
            with _CACHE_LOCK:
                _LOADING.pop(key, None)  # one lock per load in flight, not one per name ever typed
        with _CACHE_LOCK:
            evicted = [_CACHE.pop(k) for k in list(_CACHE) if spec not in _LIGHT and k[0] not in _LIGHT]
            loaded = _CACHE[key] = LoadedModel(adapter)
    for old in evicted:
        with old.lock:  # wait for a generation in flight before releasing the model
            old.adapter.close()
    return loaded


def record_from_upload(video_path: str | Path, name: str) -> dict[str, Any]:
    """A clip record for an uploaded file: no questions and empty annotations until a record is attached."""
    return {
        "video_name": name,
        "video_path": str(video_path),
        **{key: "" for key in ANNOTATION_FIELDS},
        "questions": [],
        "uploaded": True,
    }


def attach_record(clip: dict[str, Any], text: str) -> dict[str, Any]:
    """Merge a pasted FAVOR video record (one entry of ``video_perspective.json``) into an uploaded clip.

    Raises:
        ValueError: the text is not JSON or not a valid FAVOR video record (message says which field).
    """
    from favor_hf.data.favor_json import LoadReport, parse_video_record

    raw = parse_json(text)
    if isinstance(raw, dict):
        raw.setdefault("video_name", clip["video_name"])
        raw.setdefault("questions", [])
    parsed = parse_video_record(raw, 0, Path("pasted record"), LoadReport(), with_questions=True)
    name = parsed["video_name"]
    parsed["questions"] = [{"question_key": f"{name}_{i}", **q} for i, q in enumerate(parsed["questions"], 1)]
    return {**parsed, "video_path": clip["video_path"], "uploaded": True}


def _frames(adapter: ModelAdapter, video_path: str, num_frames: int):
    from favor_hf.runner import Sampling
    from favor_hf.video import VideoError

    if not adapter.needs_frames:
        return None
    try:
        return Sampling(frames=num_frames).sample(video_path)
    except VideoError as err:
        raise ClipUnreadable(
            f"{Path(video_path).name}: the frames cannot be decoded ({err}); try another clip"
        ) from err


def _generate(loaded: LoadedModel, requests: list[ModelInput]) -> list[str]:
    from favor_hf.video import VideoError

    try:
        with loaded.lock:
            answers = loaded.adapter.generate(requests)
    except VideoError as err:  # adapters that decode the clip themselves (flow)
        raise ClipUnreadable(f"the frames cannot be decoded ({err}); try another clip") from err
    except Exception as err:  # endpoint down, out of memory...: shown to the user, the app goes on
        raise ModelUnavailable(f"{loaded.adapter.name} failed while answering: {type(err).__name__}: {err}") from err
    if len(answers) != len(requests):
        raise ModelUnavailable(f"{loaded.adapter.name} returned {len(answers)} answers for {len(requests)} inputs")
    return [str(answer) for answer in answers]


def answer_questions(
    loaded: LoadedModel, clip: dict[str, Any], num_frames: int, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Ask every question of ``clip`` and judge each answer with both judges.

    Returns one row per question: ``question_key``, ``task_type``, ``question``, ``options``,
    ``correct_answer``, ``output`` (the raw answer), ``mentioned`` (indices of the options
    the answer names), ``official_correct``, ``strict_pick`` (the one option the strict
    judge read, or None) and ``strict_correct``.
    """
    from favor_hf.mcq import judge_official, judge_strict, mentioned_options, strip_thinking
    from favor_hf.runner import build_items

    items = build_items([clip], "mcq")
    if not items:
        return []
    report = progress or (lambda fraction, text: None)
    report(0.0, "sampling frames")
    frames = _frames(loaded.adapter, clip["video_path"], num_frames)
    size = max(1, int(loaded.adapter.max_batch_size))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        report(start / len(items), f"question {start + 1} of {len(items)}")
        requests = [
            ModelInput(prompt=i["prompt"], video_path=i["video_path"], frames=frames, item_id=i["id"], meta=i["meta"])
            for i in batch
        ]
        for item, output in zip(batch, _generate(loaded, requests)):
            ref = item["reference"]
            answer, _ = strip_thinking(output)  # judged as run and score judge it: after any <think> block
            strict_pick, strict_correct = judge_strict(answer, ref["options"], ref["correct_answer"])
            rows.append(
                {
                    "question_key": item["id"],
                    "task_type": item["task_type"],
                    "question": item["meta"]["question"],
                    "options": ref["options"],
                    "correct_answer": ref["correct_answer"],
                    "output": output,
                    "mentioned": mentioned_options(answer, ref["options"]),
                    "official_correct": judge_official(answer, ref["correct_answer"], ref["options"]),
                    "strict_pick": strict_pick,
                    "strict_correct": strict_correct,
                }
            )
    report(1.0, "done")
    return rows


def describe_clip(loaded: LoadedModel, clip: dict[str, Any], num_frames: int, progress: Progress | None = None) -> str:
    """The model's caption of ``clip`` (the caption prompt of :mod:`favor_hf.prompts`)."""
    from favor_hf.runner import build_items

    report = progress or (lambda fraction, text: None)
    item = build_items([clip], "caption")[0]
    report(0.1, "sampling frames")
    frames = _frames(loaded.adapter, clip["video_path"], num_frames)
    report(0.3, f"captioning with {loaded.adapter.name}")
    request = ModelInput(
        prompt=item["prompt"], video_path=item["video_path"], frames=frames, item_id=item["id"], meta=item["meta"]
    )
    return _generate(loaded, [request])[0]


def has_reference(clip: dict[str, Any]) -> bool:
    """Whether the clip carries ground-truth annotations to score a caption against."""
    return any(clip.get(key) for key in ("caption", "motion_list", "chronological_motion_list", "camera_motion"))


def task_summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-task accuracy of both judges (:func:`favor_hf.mcq.summarize`): ``{judge: summary}``."""
    from favor_hf.mcq import JUDGES, summarize

    tasks = [row["task_type"] for row in rows]
    return {judge: summarize([row[f"{judge}_correct"] for row in rows], tasks) for judge in JUDGES}


def check_caption_model(name: str, public: bool) -> str:
    """The caption-score model name, stripped; on a public Space only Hub ids are accepted.

    Raises:
        ModelUnavailable: empty, or a local path on a public Space.
    """
    name = name.strip()
    if not name:
        raise ModelUnavailable(
            "enter a sentence-transformers model for the caption score, e.g. sentence-transformers/all-MiniLM-L6-v2"
        )
    if public and not is_hub_id(name):
        raise ModelUnavailable(
            f"{name!r} is not a Hub model id (owner/name); this public Space loads models from the Hub only"
        )
    return name


def score_caption(caption: str, clip: dict[str, Any], caption_model: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score ``caption`` against ``clip``'s annotations with the LLM-free metric.

    Returns the result of :func:`favor_hf.caption.score_captions` (13 scores, the
    motion-aware companion and ``model_name``) and the clip's details (``extraction``,
    ``alignment``, ``motion_contradictions``).

    Raises:
        ModelUnavailable: the embedding model, word lists or NLTK data cannot be loaded.
    """
    from favor_hf.caption import score_captions
    from favor_hf.cli.flags import in_flags
    from favor_hf.resources import ResourceError

    reference = {key: clip.get(key, "") for key in ANNOTATION_FIELDS}
    try:
        result = score_captions(
            [caption], [reference], model_name=caption_model, return_details=True, motion_aware=True
        )
    except ResourceError as err:  # the embedding model, the word lists or NLTK data are missing
        message = in_flags(str(err), {"model_name=": "the Embedding model field", "dictionary_path=": None})
        raise ModelUnavailable(f"the caption score cannot run here: {message}") from err
    details = result.pop("details")[0]
    return result, details
