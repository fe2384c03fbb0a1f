"""A content-addressed, on-disk memo of Sentence-BERT embeddings, per model and exact string.

Scoring a second model's captions against the same 1,776 references should cost only
the new strings: :class:`EmbeddingCache` keeps every vector a model computed, keyed by
the model's fingerprint (:func:`model_fingerprint`: a sha256 of its weights, tokenizer
and module pipeline, and the device type) and the exact string. It is a pure memo: a
vector read back is byte for byte the one the model returned.

Layout: ``<root>/<fingerprint>/<sha256>.emb``, where the file name is the sha256 of the
file's bytes. Each write adds one segment, written to a temporary file and renamed, so
concurrent processes never see a partial file. A segment is a magic line, a JSON header
(fingerprint, dimension, dtype, count) and the records (4-byte length, UTF-8 string,
vector bytes); no pickle. A file whose bytes do not hash to its name, or whose header
names another model or a malformed layout, is ignored and deleted, so it is rebuilt.

Where: ``$FAVOR_EMBEDDING_CACHE`` (a directory; ``0``/``off`` disables the cache), else
``embeddings/`` in the favor-hf cache directory (``$FAVOR_HF_CACHE``, ``~/.cache/favor_hf``).

Example:
    >>> from favor_hf.caption import MINILM_MODEL, load_sentence_model
    >>> model, _ = load_sentence_model(MINILM_MODEL)
    >>> cache = embedding_cache(model)
    >>> vector = model.encode(["walks in"])[0]
    >>> cache.put({"walks in": vector})
    >>> cache.get(["walks in", "sits down"])["walks in"].tobytes() == vector.tobytes()  # a stored string, exactly
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from favor_hf.resources import cache_dir

if TYPE_CHECKING:
    from favor_hf.caption.score.encoder import Encoder

CACHE_ENV = "FAVOR_EMBEDDING_CACHE"
_MAGIC = b"FAVOR-EMBEDDINGS 1\n"
_LENGTH = struct.Struct("<I")
_COMPACT_AFTER = 32
"""Segments in a model's folder beyond which a write merges them all into one."""


def cache_root() -> Path | None:
    """The cache directory, or None when ``$FAVOR_EMBEDDING_CACHE`` disables it."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in {"0", "off", "false", "no", "none"}:
        return None
    return Path(setting).expanduser() if setting else cache_dir() / "embeddings"


def model_fingerprint(model: Encoder) -> str:
    """sha256 of what decides a model's embeddings: every weight (name, dtype, shape, bytes),
    the encoder's pipeline (which implementation, pooling, normalisation, maximum sequence
    length, tokenizer) and the device type."""
    import torch

    digest = hashlib.sha256()
    digest.update(f"{model.pipeline()}|{torch.device(model.device).type}|".encode())
    digest.update(weights_sha256(model).encode())
    return digest.hexdigest()


def weights_sha256(model: Encoder) -> str:
    """sha256 over every weight of ``model`` (name, dtype, shape, bytes)."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in model.named_weights():
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}\n".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().data)
    return digest.hexdigest()


class EmbeddingCache:
    """The on-disk vectors of one model (see the module docstring).

    Args:
        folder: the model's folder, ``<root>/<fingerprint>``.
        fingerprint: the model's :func:`model_fingerprint`.
    """

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self._vectors: dict[str, np.ndarray] = {}
        self._read: set[str] = set()
        self._lock = threading.Lock()  # the Space scores in several threads with one model

    def get(self, strings: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those of ``strings`` that are cached."""
        strings = list(strings)
        with self._lock:
            if any(text not in self._vectors for text in strings):
                self._read_new_segments()
            return {text: self._vectors[text] for text in strings if text in self._vectors}

    def put(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Store the vectors not cached yet as one new segment (skipped if the disk refuses)."""
        with self._lock:
            new = {text: np.asarray(vector) for text, vector in vectors.items() if text not in self._vectors}
            if not new:
                return
            self._vectors.update(new)
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._write(new)
                segments = sorted(self.folder.glob("*.emb"))
                if len(segments) > _COMPACT_AFTER:
                    self._compact(segments)
            except OSError:
                pass  # a read-only or full disk only costs speed: the vectors are still returned

    def _write(self, vectors: Mapping[str, np.ndarray]) -> str:
        first = next(iter(vectors.values()))
        header = {
            "fingerprint": self.fingerprint,
            "dim": int(first.size),
            "dtype": first.dtype.str,
            "count": len(vectors),
        }
        parts = [_MAGIC, json.dumps(header, sort_keys=True).encode() + b"\n"]
        for text, vector in vectors.items():
            if vector.dtype != first.dtype or vector.size != first.size:
                raise ValueError(
                    f"embedding of {text!r} has dtype {vector.dtype} and size {vector.size}, "
                    f"not {first.dtype} and {first.size}"
                )
            encoded = text.encode("utf-8")
            parts += [_LENGTH.pack(len(encoded)), encoded, np.ascontiguousarray(vector).tobytes()]
        data = b"".join(parts)
        name = hashlib.sha256(data).hexdigest() + ".emb"
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(self.folder / name)
        self._read.add(name)
        return name

    def _compact(self, segments: list[Path]) -> None:
        self._read_new_segments()
        merged = self._write(self._vectors)
        for segment in segments:
            if segment.name != merged:
                segment.unlink(missing_ok=True)

    def _read_new_segments(self) -> None:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.emb")):
            if path.name in self._read:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue  # removed by a concurrent compaction
            vectors = self._parse(data, path.name)
            self._read.add(path.name)
            if vectors is None:
                path.unlink(missing_ok=True)
            else:
                for text, vector in vectors.items():
                    self._vectors.setdefault(text, vector)

    def _parse(self, data: bytes, name: str) -> dict[str, np.ndarray] | None:
        """The vectors of a segment, or None when it is corrupt or another model's."""
        if hashlib.sha256(data).hexdigest() + ".emb" != name or not data.startswith(_MAGIC):
            return None
        try:
            end = data.index(b"\n", len(_MAGIC))
            header = json.loads(data[len(_MAGIC) : end])
            if header["fingerprint"] != self.fingerprint:
                return None
            dtype, dim, count = np.dtype(header["dtype"]), int(header["dim"]), int(header["count"])
            if dtype.kind != "f" or dim < 1:
                return None
            width, offset, vectors = dtype.itemsize * dim, end + 1, {}
            for _ in range(count):
                (length,) = _LENGTH.unpack_from(data, offset)
                offset += _LENGTH.size
                text = data[offset : offset + length].decode("utf-8")
                offset += length
                if offset + width > len(data):
                    return None
                vectors[text] = np.frombuffer(data, dtype=dtype, count=dim, offset=offset).copy()
                offset += width
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError):
            return None
        return vectors if offset == len(data) else None


_CACHES: weakref.WeakKeyDictionary[Encoder, EmbeddingCache] = weakref.WeakKeyDictionary()


def embedding_cache(model: Encoder) -> EmbeddingCache | None:
    """The :class:`EmbeddingCache` of ``model`` (fingerprinted once per model object), or None
    when the cache is disabled."""
    root = cache_root()
    if root is None:
        return None
    cache = _CACHES.get(model)
    if cache is None or cache.folder.parent != root:
        fingerprint = model_fingerprint(model)
        cache = _CACHES[model] = EmbeddingCache(root / fingerprint, fingerprint)
    return cache
