"""The plain-torch Sentence-BERT encoder against sentence-transformers and transformers themselves:
the real all-MiniLM-L6-v2 and a tiny random RoBERTa built here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import DICTIONARY_PKL, GT_ANNOTATIONS, NLTK_DATA
from favor_hf.caption.score.embed import load_sentence_model
from favor_hf.caption.score.embed_cache import weights_sha256
from favor_hf.caption.score.encoder import SentenceTransformersEncoder, TorchMeanEncoder, torch_layout
from favor_hf.caption.score.references import parse_chronological

STRINGS = [
    "walks to the door",
    "Walks to the door",
    "pans left",
    "the camera tilts upward slowly",
    "ünïcödé ✓ naïve café",
    "  spaced   out  ",
    "   ",
    "🙂🙂",
    "UPPER lower MiXeD",
    "a",
    "picks up the cup and puts it down on the wooden table",
    "the man in black clothing turns his head to the left " * 25,  # over 256 tokens: truncated
]


@pytest.fixture(scope="module")
def sentence_transformer(minilm):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm, device="cpu")


@pytest.fixture(scope="module")
def encoder(minilm):
    return TorchMeanEncoder(Path(minilm))


def _captions_strings() -> list[str]:
    annotations = json.loads(GT_ANNOTATIONS.read_text())
    strings = {
        action
        for annotation in list(annotations.values())[:60]
        for action, _ in parse_chronological(annotation["chronological_motion_list"])
    }
    return sorted(strings)


def test_minilm_runs_in_plain_torch(minilm, encoder):
    assert torch_layout(Path(minilm)) is not None
    model, name = load_sentence_model(minilm)
    assert isinstance(model, TorchMeanEncoder) and name == minilm


def test_token_ids_equal_sentence_transformers(sentence_transformer, encoder):
    strings = STRINGS + _captions_strings()
    assert encoder.token_ids(strings) == SentenceTransformersEncoder(sentence_transformer).token_ids(strings)
    assert max(map(len, encoder.token_ids(STRINGS))) == 256


def test_one_string_is_bit_identical_to_sentence_transformers(sentence_transformer, encoder):
    for text in STRINGS + _captions_strings()[:30]:
        ours = encoder.encode([text])
        theirs = sentence_transformer.encode([text], convert_to_numpy=True)
        assert ours.dtype == np.float32 and ours.tobytes() == theirs.tobytes(), text


def test_same_length_batch_is_bit_identical_to_transformers(sentence_transformer, encoder):
    ids = encoder.token_ids(_captions_strings())
    length = max(set(map(len, ids)), key=[len(row) for row in ids].count)
    batch = torch.tensor([row for row in ids if len(row) == length])
    assert batch.shape[0] > 5
    bert = sentence_transformer[0].model
    with torch.inference_mode():
        theirs = bert(input_ids=batch, attention_mask=torch.ones_like(batch), token_type_ids=torch.zeros_like(batch))
        ours = encoder._model(batch)
    assert torch.equal(ours, theirs.last_hidden_state)


def test_batched_vectors_within_ulps_and_in_input_order(sentence_transformer, encoder):
    strings = _captions_strings() + STRINGS
    ours = encoder.encode(strings, batch_size=16)
    theirs = sentence_transformer.encode(strings, convert_to_numpy=True)
    assert ours.shape == theirs.shape
    assert (
        np.abs(ours - theirs).max() < 1e-6
    )  # padded batches (theirs) and same-length batches (ours) differ in ulps only


def test_weights_hash_and_signature_do_not_depend_on_the_implementation(sentence_transformer, encoder):
    assert weights_sha256(encoder) == weights_sha256(SentenceTransformersEncoder(sentence_transformer))


def _write_classic_folder(folder: Path, minilm: str, config: object, pooling: dict) -> None:
    """A sentence-transformers folder in the layout the Hub's models use (modules.json, 1_Pooling, 2_Normalize)."""
    from transformers import AutoModel

    AutoModel.from_config(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(Path(minilm) / name, folder / name)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64, "do_lower_case": True}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": config.hidden_size, **pooling})
    )
    (folder / "2_Normalize").mkdir()


@pytest.fixture(scope="module")
def tiny_roberta(tmp_path_factory, minilm):
    from transformers import RobertaConfig

    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=80,
        pad_token_id=1,
    )
    folder = tmp_path_factory.mktemp("tiny-roberta")
    _write_classic_folder(folder, minilm, config, {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False})
    return folder


def test_tiny_roberta_equals_sentence_transformers(tiny_roberta):
    from sentence_transformers import SentenceTransformer

    theirs = SentenceTransformer(str(tiny_roberta), device="cpu")
    ours = TorchMeanEncoder(tiny_roberta)
    assert ours.token_ids(STRINGS) == SentenceTransformersEncoder(theirs).token_ids(
        STRINGS
    )  # lower-cased, truncated at 64
    for text in STRINGS:
        assert ours.encode([text]).tobytes() == theirs.encode([text], convert_to_numpy=True).tobytes(), text
    assert weights_sha256(ours) == weights_sha256(SentenceTransformersEncoder(theirs))


def test_other_layouts_run_through_sentence_transformers(tmp_path, minilm):
    from transformers import BertConfig

    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64
    )
    _write_classic_folder(tmp_path, minilm, config, {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    assert torch_layout(tmp_path) is None
    model, _ = load_sentence_model(str(tmp_path))
    assert isinstance(model, SentenceTransformersEncoder)
    assert model.encode(["walks to the door"]).shape == (1, 32)


def test_a_first_call_imports_neither_sentence_transformers_nor_transformers_models(tmp_path):
    code = (
        "import json, sys\n"
        "from favor_hf.caption import MINILM_MODEL, score_captions\n"
        f"annotation = next(iter(json.loads(open({str(GT_ANNOTATIONS)!r}).read()).values()))\n"
        "result = score_captions([annotation['caption']], [annotation], model_name=MINILM_MODEL)\n"
        "print(round(result['final_score'], 6), 'sentence_transformers' in sys.modules, 'transformers.modeling_utils' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "NLTK_DATA": str(NLTK_DATA),
        "FAVOR_DICTIONARY_PATH": str(DICTIONARY_PKL),
        "FAVOR_EMBEDDING_CACHE": "off",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    score, st_imported, models_imported = result.stdout.split()
    assert float(score) > 0.5 and st_imported == "False" and models_imported == "False"
