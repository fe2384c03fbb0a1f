"""Caption scores that no CPU's float noise can move, and the score signature."""

from __future__ import annotations

import json

import numpy as np
import pytest

import favor_hf
from conftest import DICTIONARY_PKL, GT_ANNOTATIONS, REFERENCE
from favor_hf.caption import MINILM_MODEL, score_captions
from favor_hf.caption.score import similarity as similarity_module
from favor_hf.caption.score.embed import EmbeddingTable, load_sentence_model
from favor_hf.caption.score.ties import TOLERANCE, above, at_least, below, first_best, rank_descending, snapped
from favor_hf.schema import CAPTION_SCORE_KEYS

ANNOTATIONS = json.loads(GT_ANNOTATIONS.read_text())
EXTRACTIONS = [json.loads((REFERENCE / f"official_extract.seed{seed}.json").read_text()) for seed in range(5)]
OFFICIAL = [json.loads((REFERENCE / f"official_scores_isolated.seed{seed}.json").read_text()) for seed in range(5)]
VIDEOS = list(EXTRACTIONS[0])


def _score(predictions, references, **kwargs):
    return score_captions(
        predictions, references, model_name=MINILM_MODEL, dictionary_path=str(DICTIONARY_PKL), **kwargs
    )


def _decisions(value):
    """An alignment with every float removed: what was matched to what, nothing else."""
    if isinstance(value, dict):
        return {key: _decisions(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decisions(item) for item in value]
    return None if isinstance(value, float) else value


def test_the_rule():
    assert first_best([0.8521437889662113, 0.2, 0.8521437889662115]) == 0  # E002I: a tie in real arithmetic
    assert first_best([0.5, 0.8, 0.8 + TOLERANCE / 2, 0.8 + 2 * TOLERANCE]) == 3
    assert at_least(0.3 - TOLERANCE / 2, 0.3) and not at_least(0.3 - 2 * TOLERANCE, 0.3)
    assert not above(0.4 + TOLERANCE / 2, 0.4) and above(0.4 + 2 * TOLERANCE, 0.4)
    assert not below(0.15 - TOLERANCE / 2, 0.15) and below(0.15 - 2 * TOLERANCE, 0.15)
    values = np.array([[0.5, 0.5 + 1e-12], [0.9, 0.5 - 1e-12]])
    assert np.all(snapped(values) == np.array([[0.5 + 1e-12] * 2, [0.9, 0.5 + 1e-12]]))
    assert rank_descending([0.7, 0.9, 0.7 + 1e-13, 0.1]) == [1, 0, 2, 3]


@pytest.mark.parametrize("seed", range(5))
def test_e002i_scores_as_the_reference(seed):
    """E002I's subject order hinges on a tie that the last bit of np.exp decided in the official code."""
    result = _score([EXTRACTIONS[seed]["E002I"]], [ANNOTATIONS["E002I"]])
    for key in CAPTION_SCORE_KEYS:
        assert result[key] == pytest.approx(OFFICIAL[seed]["E002I"][key], abs=1e-6), key


def _ulps(values, rng: np.random.Generator, most: int = 4):
    """``values`` moved by up to ``most`` ulps each, in random directions."""
    values = np.asarray(values)
    steps = rng.integers(-most, most + 1, size=values.shape)
    moved = values.copy()
    for _ in range(most):
        towards = np.where(steps > 0, np.inf, -np.inf).astype(values.dtype)
        moved = np.where(steps != 0, np.nextafter(moved, towards), moved)
        steps = steps - np.sign(steps)
    return moved


@pytest.fixture(scope="module")
def unperturbed():
    return _score([EXTRACTIONS[0][v] for v in VIDEOS], [ANNOTATIONS[v] for v in VIDEOS], return_details=True)


@pytest.mark.parametrize("draw", range(3))
def test_scores_and_matches_survive_ulp_noise_everywhere(unperturbed, monkeypatch, draw):
    """Every embedding, cosine similarity and position closeness moved by a few ulps: the same
    matches, and scores equal to the official ones within 1e-6."""
    rng = np.random.default_rng(draw)
    monkeypatch.setenv("FAVOR_EMBEDDING_CACHE", "off")
    model, _ = load_sentence_model(MINILM_MODEL)
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda *args, **kwargs: _ulps(encode(*args, **kwargs), rng))
    cosine = EmbeddingTable.cosine

    def noisy_cosine(self, first, second):
        value = cosine(self, first, second)
        return None if value is None else float(_ulps(np.float64(value), rng))

    monkeypatch.setattr(EmbeddingTable, "cosine", noisy_cosine)
    closeness = similarity_module.position_closeness
    monkeypatch.setattr(similarity_module, "position_closeness", lambda *sizes: _ulps(closeness(*sizes), rng))

    noisy = _score([EXTRACTIONS[0][v] for v in VIDEOS], [ANNOTATIONS[v] for v in VIDEOS], return_details=True)
    for video, clean, moved in zip(VIDEOS, unperturbed["details"], noisy["details"]):
        assert _decisions(moved["alignment"]) == _decisions(clean["alignment"]), video
        for key in CAPTION_SCORE_KEYS:
            assert moved[key] == pytest.approx(OFFICIAL[0][video][key], abs=1e-6), (video, key)


def test_signature_names_what_decides_the_numbers(unperturbed):
    signature = unperturbed["signature"]
    parts = dict(part.split(":", 1) for part in signature.split("|")[1:])
    assert signature.startswith("favor_caption|") and parts["v"] == favor_hf.__version__
    assert parts["model"].startswith(f"{MINILM_MODEL}@") and len(parts["model"].split("@")[1]) == 12
    assert parts["seed"] == "0" and parts["cfg"] == "official" and parts["nltk"].startswith("3.")
    video = VIDEOS[0]
    again = _score([EXTRACTIONS[0][video]], [ANNOTATIONS[video]])
    assert again["signature"] == signature
    other_seed = _score([EXTRACTIONS[0][video]], [ANNOTATIONS[video]], official_hash_seed=3)["signature"]
    assert other_seed == signature.replace("|seed:0|", "|seed:3|")
    tuned = _score([EXTRACTIONS[0][video]], [ANNOTATIONS[video]], config={"length_penalty": 0.1})["signature"]
    assert "|cfg:official" not in tuned and tuned.split("|cfg:")[0] == signature.split("|cfg:")[0]
