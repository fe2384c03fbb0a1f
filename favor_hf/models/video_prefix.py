"""Encode each video once: a video's questions share its vision encoding and prompt prefix.

A FAVOR-Bench prompt is the system turn and the video, then the question; a video has 4.6
questions on average. With ``share_video_prefix`` the transformers adapter cuts each rendered
prompt after its last media marker (``<|vision_end|>`` for Qwen-VL, the video or image token
elsewhere), runs the processor, the vision encoder and the language model over that prefix once
per video, and answers the video's questions with ``generate`` from a deep copy of the prefix's
key/value cache (transformers' "re-use a prompt cache" pattern). Questions of one video are
batched with their padding between the prefix and the question, so all end at the same column;
the attention mask hides the padding and the position ids come from it, so every token keeps
the position it has in its own unpadded prompt.

Rules that keep the answers those of the full prompt (tests compare every step's logits):

- the prefix tokens are the full prompt's: a question is tokenized alone only when the tokenizer
  gives the same ids for the whole text; a prompt that fails this goes the unshared way;
- pixel values reach only the prefix's forward pass; ``generate`` gets token ids and a mask;
- Qwen-VL keeps its multimodal rotary offset (``rope_deltas``) on the model between calls;
  it is set to the prefix's before every ``generate`` (the stale-offset trap of transformers
  PRs #36013 and #43952), computed by the model's position rule for a text token after the
  prefix: the offset the model itself keeps after a prefill is taken from the largest
  position, which a video's time positions can push past where the following text starts.

Families outside :data:`SHARED_PREFIX_FAMILIES` (each checked by a test) take the unshared path.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from favor_hf.models.base import ModelInput

if TYPE_CHECKING:
    import torch

SHARED_PREFIX_FAMILIES = ("qwen2_5_vl", "qwen3_vl", "llava_onevision")
"""``config.model_type`` of the families whose shared-prefix answers tests prove equal to the full prompt's."""

MEDIA_TOKENS = ("video_token", "image_token")
"""Processor attributes naming media tokens; with the model's ``vision_end_token_id`` (Qwen-VL) they are
the markers a prompt's prefix ends at, the last one in the prompt."""


def unsupported_reason(model: Any) -> str | None:
    """Why ``model`` cannot share a video's prefix (``None`` when it can)."""
    family = getattr(model.config, "model_type", "?")
    if family not in SHARED_PREFIX_FAMILIES:
        return f"model family {family!r} is not one of {', '.join(SHARED_PREFIX_FAMILIES)}"
    return None


def _markers(model: Any, processor: Any) -> list[str]:
    """Tokens that can end the media part of a prompt: the vision-end token, the video and image tokens."""
    markers = [getattr(processor, name, None) for name in MEDIA_TOKENS]
    end_id = getattr(model.config, "vision_end_token_id", None)
    if end_id is not None:
        markers.append(processor.tokenizer.convert_ids_to_tokens(end_id))
    return [marker for marker in markers if isinstance(marker, str) and marker]


def video_key(request: ModelInput) -> str:
    """What identifies a request's visual input: its frames and their timing."""
    if request.clip is not None:
        return f"{request.clip.sha256}|{request.clip.processor_metadata()}"
    if request.frames is not None:
        return hashlib.sha256(request.frames.tobytes()).hexdigest()
    return ""


def _text_offset(inner: Any, batch: Any, text_token: int) -> torch.Tensor:
    """Qwen-VL's rotary offset for text after the prefix: the position of a text token put after it, minus its index.

    Neither the offset the model keeps after the prefix (largest position + 1 - length) nor the
    last token's position + 1: a video's time positions can run past where the text after it
    starts, and the vision markers take the video's positions. The model's own position rule,
    run on the prefix plus one text token, gives the offset the full prompt has.
    """
    import torch

    names = inspect.signature(inner.get_rope_index).parameters
    length = batch["input_ids"].shape[1]
    extended = {}
    for name, value in batch.items():
        if name in names and isinstance(value, torch.Tensor) and value.dim() == 2 and value.shape[1] == length:
            column = value.new_full((1, 1), text_token if name == "input_ids" else int(name == "attention_mask"))
            extended[name] = torch.cat([value, column], dim=1)
        elif name in names:
            extended[name] = value
    positions, _ = inner.get_rope_index(**extended)
    return positions[0, :, -1:] - length


@dataclass
class _Prefix:
    """The prefilled prefix of one video: its key, token ids, key/value cache and rotary offset."""

    key: tuple[str, str]
    input_ids: torch.Tensor
    cache: Any
    rope_deltas: torch.Tensor | None


class PrefixSharing:
    """Answers requests from the cached prefix of their video; keeps the last video's prefix.

    Args:
        model: a loaded image-text-to-text model of :data:`SHARED_PREFIX_FAMILIES`.
        processor: its processor (left padding is not needed: padding goes between prefix and question).
        cache_argument: the name ``generate`` takes a cache under (``cache``, or ``past_key_values`` in
            older transformers).
    """

    def __init__(self, model: Any, processor: Any, cache_argument: str):
        self.model = model
        self.processor = processor
        self.cache_argument = cache_argument
        self.markers = _markers(model, processor)
        self._prefix: _Prefix | None = None
        self._lock = threading.Lock()

    def split(self, text: str) -> tuple[str, str] | None:
        """``text`` as (prefix through the last media marker, question part), or ``None`` when it has none
        or the tokenizer would not give the whole text the ids of its two parts."""
        cut = max((text.rindex(marker) + len(marker) for marker in self.markers if marker in text), default=0)
        if not cut:
            return None
        prefix, question = text[:cut], text[cut:]
        if not question:
            return None
        tokenizer = self.processor.tokenizer
        whole = tokenizer(text, add_special_tokens=False)["input_ids"]
        parts = tokenizer(prefix, add_special_tokens=False)["input_ids"]
        parts += tokenizer(question, add_special_tokens=False)["input_ids"]
        return (prefix, question) if whole == parts else None

    def _prefill(self, key: tuple[str, str], visual: dict[str, Any]) -> tuple[_Prefix, int]:
        """The prefix of ``key``: the kept one, or a new one prefilled now; also the tokens prefilled (0 if kept)."""
        import torch

        if self._prefix is not None and self._prefix.key == key:
            return self._prefix, 0
        self._prefix = None  # one video at a time: free the last one before building the next
        batch = self.processor(text=[key[0]], return_tensors="pt", **visual).to(self.model.device)
        with torch.inference_mode():
            output = self.model(**batch, use_cache=True, logits_to_keep=1)
        cache = output["cache"] if "cache" in output else output["past_key_values"]
        inner = getattr(self.model, "model", None)
        text_token = self.processor.tokenizer.pad_token_id or 0
        rope_deltas = None if getattr(inner, "rope_deltas", None) is None else _text_offset(inner, batch, text_token)
        self._prefix = _Prefix(key, batch["input_ids"], cache, rope_deltas)
        return self._prefix, int(batch["input_ids"].shape[1])

    def generate(
        self, key: tuple[str, str], visual: dict[str, Any], questions: list[str], **options: Any
    ) -> tuple[Any, int, list[dict[str, int]]]:
        """``generate`` for the question parts of one video's prompts, from a copy of its prefix's cache.

        ``key`` is (prefix text, :func:`video_key`), ``visual`` the processor's visual arguments for
        the video. Returns ``generate``'s output (its ``sequences`` hold prefix, padding, question
        and answer), the length of those prompts and, per question, ``vision_calls``,
        ``prefill_tokens`` and ``cached_tokens``.
        """
        import torch

        tokenizer = self.processor.tokenizer
        with self._lock:
            prefix, prefilled = self._prefill(key, visual)
            ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in questions]
            width = max(len(row) for row in ids)
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
            question_ids = torch.tensor([[pad] * (width - len(row)) + row for row in ids])
            question_mask = torch.tensor([[0] * (width - len(row)) + [1] * len(row) for row in ids])
            rows, length = len(ids), prefix.input_ids.shape[1]
            device = self.model.device
            input_ids = torch.cat([prefix.input_ids.expand(rows, -1), question_ids.to(device)], dim=1)
            mask = torch.cat([torch.ones(rows, length, dtype=torch.long), question_mask], dim=1).to(device)
            cache = copy.deepcopy(prefix.cache)
            if rows > 1:
                cache.batch_repeat_interleave(rows)
            if prefix.rope_deltas is not None:
                self.model.model.rope_deltas = prefix.rope_deltas
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=input_ids, attention_mask=mask, **{self.cache_argument: cache}, **options
                )
        usage = [
            {"vision_calls": int(i == 0 and prefilled > 0), "prefill_tokens": width, "cached_tokens": length}
            for i in range(rows)
        ]
        if prefilled:
            usage[0].update(prefill_tokens=width + prefilled, cached_tokens=0)
        return output, length + width, usage
