"""The on-disk embedding cache with the real all-MiniLM-L6-v2: exact vectors, same scores, corrupt and
foreign files ignored and rebuilt, one folder per model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import GT_ANNOTATIONS
from favor_hf.caption import score_captions
from favor_hf.caption.score.embed import load_sentence_model
from favor_hf.caption.score.embed_cache import (
    CACHE_ENV,
    EmbeddingCache,
    cache_root,
    embedding_cache,
    model_fingerprint,
)
from favor_hf.schema import CAPTION_SCORE_KEYS

STRINGS = ["walks to the door", "Walks to the door", "pans left", "the camera tilts upward", "ünïcödé ✓", ""]


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "embeddings"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture(scope="module")
def model(minilm):
    return load_sentence_model(minilm)[0]


def _segments(folder):
    return sorted(path.name for path in folder.rglob("*.emb"))


def test_location_and_switch(tmp_path, monkeypatch, model) -> None:
    monkeypatch.setenv("FAVOR_HF_CACHE", str(tmp_path / "favor"))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert cache_root() == tmp_path / "favor" / "embeddings"
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_root() is None and embedding_cache(model) is None


def test_vectors_round_trip_exactly(cache_dir, model) -> None:
    vectors = model.encode(STRINGS)
    cache = embedding_cache(model)
    assert cache.folder == cache_dir / model_fingerprint(model)
    cache.put(dict(zip(STRINGS, vectors)))
    fresh = EmbeddingCache(cache.folder, cache.fingerprint)  # as a new process would read it
    read = fresh.get(STRINGS + ["never stored"])
    assert set(read) == set(STRINGS)
    for text, vector in zip(STRINGS, vectors):
        assert read[text].dtype == vector.dtype and read[text].tobytes() == vector.tobytes()


def test_corrupt_and_foreign_files_are_ignored_and_rebuilt(cache_dir, model) -> None:
    vectors = dict(zip(STRINGS, model.encode(STRINGS)))
    cache = embedding_cache(model)
    cache.put(vectors)
    (segment,) = cache.folder.glob("*.emb")
    data = bytearray(segment.read_bytes())
    data[-3] ^= 0xFF
    segment.write_bytes(bytes(data))  # one flipped bit in a vector: the content no longer hashes to the name
    other = EmbeddingCache(cache.folder.parent / ("0" * 64), "0" * 64)
    other.folder.mkdir()
    other.put({"walks to the door": np.ones(384, dtype=np.float32)})
    (foreign,) = other.folder.glob("*.emb")
    (cache.folder / foreign.name).write_bytes(foreign.read_bytes())  # a valid segment of another model
    (cache.folder / ("f" * 64 + ".emb")).write_bytes(b"not a segment")

    fresh = EmbeddingCache(cache.folder, cache.fingerprint)
    assert fresh.get(STRINGS) == {}
    assert _segments(cache.folder) == []  # all three removed
    fresh.put(vectors)
    assert (
        EmbeddingCache(cache.folder, cache.fingerprint).get(STRINGS)["pans left"].tobytes()
        == vectors["pans left"].tobytes()
    )


def test_fingerprint_follows_the_weights_and_the_encoder(minilm, model) -> None:
    from pathlib import Path

    import torch
    from sentence_transformers import SentenceTransformer

    from favor_hf.caption.score.encoder import SentenceTransformersEncoder, TorchMeanEncoder

    fresh = TorchMeanEncoder(Path(minilm))
    assert model_fingerprint(fresh) == model_fingerprint(model)
    # sentence-transformers pads its batches, so its vectors differ in ulps: a folder of its own
    assert model_fingerprint(
        SentenceTransformersEncoder(SentenceTransformer(minilm, device="cpu"))
    ) != model_fingerprint(model)
    with torch.no_grad():
        next(fresh.named_weights())[1][0, 0] += 1e-3
    assert model_fingerprint(fresh) != model_fingerprint(model)


def test_scores_unchanged_and_second_call_reads_the_cache(cache_dir, minilm, monkeypatch) -> None:
    annotations = json.loads(GT_ANNOTATIONS.read_text())
    videos = list(annotations)[:12]
    captions = [annotations[video]["caption"] for video in videos]
    references = [annotations[video] for video in videos]
    first = score_captions(captions, references, model_name=minilm, return_details=True)
    written = _segments(cache_dir)
    assert written
    cached = score_captions(captions, references, model_name=minilm, return_details=True)
    assert _segments(cache_dir) == written  # every string came from the cache: nothing new to store
    monkeypatch.setenv(CACHE_ENV, "off")
    plain = score_captions(captions, references, model_name=minilm, return_details=True)
    for a, b, c in zip(first["details"], cached["details"], plain["details"]):
        assert (
            [a[key] for key in CAPTION_SCORE_KEYS]
            == [b[key] for key in CAPTION_SCORE_KEYS]
            == [c[key] for key in CAPTION_SCORE_KEYS]
        )


def test_many_segments_are_merged(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / ("a" * 64), "a" * 64)
    vectors = {f"string {i}": np.full(8, i, dtype=np.float32) for i in range(40)}
    for text, vector in vectors.items():
        cache.put({text: vector})
    assert len(_segments(cache.folder)) < 40
    read = EmbeddingCache(cache.folder, cache.fingerprint).get(vectors)
    assert {text: vector.tolist() for text, vector in read.items()} == {t: v.tolist() for t, v in vectors.items()}
