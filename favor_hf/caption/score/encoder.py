"""Sentence encoders: BERT and RoBERTa mean-pooling models in plain torch, sentence-transformers for the rest.

The official scorer embeds each string alone with sentence-transformers; favor-hf embeds
many at once. :class:`TorchMeanEncoder` runs the common Sentence-BERT layout (a BERT or
RoBERTa transformer, mean pooling, optional L2 normalisation; all-MiniLM-L6-v2 and
all-distilroberta-v1 among them) with torch operations only, the same ones transformers
runs, and batches only strings of the same token count, so no batch holds padding:

- a string's vector is what sentence-transformers gives that string alone, up to the
  few ulps that a batch's shape can change in a matrix product (see
  :mod:`favor_hf.caption.score.ties`); for a batch of one it is equal bit for bit;
- no padded position is computed (sentence-transformers pads a batch to its longest
  string; one long string made a 64-string batch cost 64 long ones);
- neither transformers' model classes nor sentence-transformers are imported, which
  spares a first call about 4 s of imports.

Any other layout (CLS or max pooling, dense layers, other architectures, half-precision
weights) runs through sentence-transformers (:class:`SentenceTransformersEncoder`).
Both expose what scoring, the embedding cache and the signature read: :meth:`token_ids`,
:meth:`encode`, :meth:`named_weights`, :meth:`pipeline` and :attr:`device`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

_TRANSFORMER = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.base.modules.transformer.Transformer",
}
_POOLING = {
    "sentence_transformers.models.Pooling",
    "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
}
_NORMALIZE = {"sentence_transformers.models.Normalize", "sentence_transformers.base.modules.normalize.Normalize"}
_NON_PERSISTENT = ("embeddings.position_ids", "embeddings.token_type_ids")
"""Buffers some checkpoints hold that the models do not load."""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def torch_layout(directory: Path) -> dict[str, Any] | None:
    """What :class:`TorchMeanEncoder` needs from a sentence-transformers folder, or None when
    the folder holds a layout it does not run (sentence-transformers then runs it)."""
    try:
        modules = _read_json(directory / "modules.json")
        config = _read_json(directory / "config.json")
        settings = _read_json(directory / "sentence_bert_config.json")
        types = [module["type"] for module in modules]
        if len(types) not in (2, 3) or types[0] not in _TRANSFORMER or types[1] not in _POOLING:
            return None
        if modules[0].get("path") not in ("", None) or (len(types) == 3 and types[2] not in _NORMALIZE):
            return None
        pooling = _read_json(directory / modules[1]["path"] / "config.json")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    mean_only = (
        pooling.get("pooling_mode_mean_tokens") is True
        and not any(
            value
            for key, value in pooling.items()
            if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens"
        )
        and pooling.get("include_prompt", True) is True
    )
    supported = (
        mean_only
        and config.get("model_type") in ("bert", "roberta")
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("torch_dtype", config.get("dtype", "float32")) in ("float32", None)
        and isinstance(settings.get("max_seq_length"), int)
        and (directory / "tokenizer.json").is_file()
        and _float32_safetensors(directory / "model.safetensors")
    )
    if not supported:
        return None
    return {
        "config": config,
        "max_seq_length": settings["max_seq_length"],
        "lower_case": bool(settings.get("do_lower_case")),
        "normalize": len(types) == 3,
    }


def _float32_safetensors(path: Path) -> bool:
    """``path`` is a safetensors file whose weights are all float32 (read from its header)."""
    try:
        with path.open("rb") as file:
            (size,) = struct.unpack("<Q", file.read(8))
            header = json.loads(file.read(size))
    except (OSError, ValueError, struct.error):
        return False
    return all(
        entry["dtype"] == "F32"
        for name, entry in header.items()
        if name != "__metadata__" and name not in _NON_PERSISTENT
    )


def _modules() -> Any:
    """The plain-torch BERT/RoBERTa modules, defined on first use so that importing this module stays cheap."""
    import torch
    from torch import nn
    from torch.nn import functional

    class Embeddings(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            hidden, roberta = config["hidden_size"], config["model_type"] == "roberta"
            # Registered in transformers' order (it differs), so that the weights hash the same.
            self.word_embeddings = nn.Embedding(config["vocab_size"], hidden)
            if not roberta:
                self.position_embeddings = nn.Embedding(config["max_position_embeddings"], hidden)
            self.token_type_embeddings = nn.Embedding(config.get("type_vocab_size", 2), hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=config["layer_norm_eps"])
            if roberta:
                self.position_embeddings = nn.Embedding(config["max_position_embeddings"], hidden)
            # RoBERTa numbers positions from padding_idx + 1; BERT from 0.
            self.first_position = config["pad_token_id"] + 1 if roberta else 0

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            length = ids.shape[1]
            positions = torch.arange(self.first_position, self.first_position + length, device=ids.device).unsqueeze(0)
            embeddings = self.word_embeddings(ids) + self.token_type_embeddings(torch.zeros_like(ids))
            return self.LayerNorm(embeddings + self.position_embeddings(positions))

    class SelfAttention(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            hidden = config["hidden_size"]
            self.heads = config["num_attention_heads"]
            self.scaling = (hidden // self.heads) ** -0.5
            self.query, self.key, self.value = (
                nn.Linear(hidden, hidden),
                nn.Linear(hidden, hidden),
                nn.Linear(hidden, hidden),
            )

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            shape = (*hidden.shape[:-1], self.heads, -1)
            query, key, value = (
                layer(hidden).view(shape).transpose(1, 2) for layer in (self.query, self.key, self.value)
            )
            attended = functional.scaled_dot_product_attention(query, key, value, scale=self.scaling)
            return attended.transpose(1, 2).reshape(*hidden.shape[:-1], -1).contiguous()

    class Output(nn.Module):
        def __init__(self, inner: int, hidden: int, eps: float) -> None:
            super().__init__()
            self.dense = nn.Linear(inner, hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

        def forward(self, states: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
            return self.LayerNorm(self.dense(states) + residual)

    class Attention(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self.self = SelfAttention(config)
            self.output = Output(config["hidden_size"], config["hidden_size"], config["layer_norm_eps"])

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            return self.output(self.self(hidden), hidden)

    class Intermediate(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self.dense = nn.Linear(config["hidden_size"], config["intermediate_size"])

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            return functional.gelu(self.dense(hidden))

    class Layer(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self.attention = Attention(config)
            self.intermediate = Intermediate(config)
            self.output = Output(config["intermediate_size"], config["hidden_size"], config["layer_norm_eps"])

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            attended = self.attention(hidden)
            return self.output(self.intermediate(attended), attended)

    class Encoder(nn.Module):
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self.layer = nn.ModuleList(Layer(config) for _ in range(config["num_hidden_layers"]))

    class Pooler(nn.Module):  # held so that the weights (and their hash) are the model's; unused by mean pooling
        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self.dense = nn.Linear(config["hidden_size"], config["hidden_size"])

    class Model(nn.Module):
        """Named as transformers names ``BertModel``/``RobertaModel``, so a checkpoint loads strictly."""

        def __init__(self, config: dict[str, Any], pooler: bool) -> None:
            super().__init__()
            self.embeddings = Embeddings(config)
            self.encoder = Encoder(config)
            if pooler:
                self.pooler = Pooler(config)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            hidden = self.embeddings(ids)
            for layer in self.encoder.layer:
                hidden = layer(hidden)
            return hidden

    return Model


class TorchMeanEncoder:
    """A BERT or RoBERTa Sentence-BERT model with mean pooling, run in plain torch (module docs).

    Args:
        directory: a sentence-transformers folder for which :func:`torch_layout` is not None.
        device: torch device (default: CPU).
    """

    def __init__(self, directory: Path, device: str | None = None) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        layout = torch_layout(directory)
        if layout is None:
            raise ValueError(f"{directory} is not a BERT/RoBERTa mean-pooling Sentence-BERT model")
        self.max_seq_length: int = layout["max_seq_length"]
        self._lower_case: bool = layout["lower_case"]
        self._normalize: bool = layout["normalize"]
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_seq_length)
        config = layout["config"]
        weights = load_file(str(directory / "model.safetensors"))
        prefix = f"{config['model_type']}."
        if all(name.startswith(prefix) for name in weights):
            weights = {name.removeprefix(prefix): tensor for name, tensor in weights.items()}
        weights = {name: tensor for name, tensor in weights.items() if name not in _NON_PERSISTENT}
        self._model = _modules()(config, pooler="pooler.dense.weight" in weights)
        self._model.load_state_dict(weights, strict=True)
        self._model.eval().to(device or "cpu")
        self.device = torch.device(device or "cpu")
        self._config = config

    def token_ids(self, strings: Sequence[str]) -> list[tuple[int, ...]]:
        """Token ids of each string, truncated to ``max_seq_length`` as sentence-transformers does."""
        texts = [text.lower() for text in strings] if self._lower_case else list(strings)
        return [tuple(encoding.ids) for encoding in self._tokenizer.encode_batch(texts)]

    def encode(self, strings: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """float32 vectors of ``strings`` (rows in input order), in batches of equal token count."""
        import torch
        from tqdm.auto import tqdm

        ids = self.token_ids(strings)
        batches = list(_same_length_batches(ids, batch_size))
        vectors = np.zeros((len(strings), self._config["hidden_size"]), dtype=np.float32)
        with torch.inference_mode():
            for rows in tqdm(batches, desc="Sentence-BERT", unit="batch", disable=not show_progress):
                tokens = torch.tensor([ids[row] for row in rows], device=self.device)
                hidden = self._model(tokens)
                # Mean pooling as sentence-transformers computes it, with every position kept.
                pooled = hidden.sum(dim=1) / torch.tensor(float(tokens.shape[1]), device=self.device)
                if self._normalize:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=-1)
                vectors[rows] = pooled.cpu().numpy()
        return vectors

    def named_weights(self) -> Iterator[tuple[str, torch.Tensor]]:
        """Every weight, named as sentence-transformers 6 names it, so that its hash is the same."""
        for name, tensor in self._model.state_dict().items():
            yield f"0.model.{name}", tensor

    def pipeline(self) -> str:
        """What besides the weights decides the vectors: layout, lengths, tokenizer."""
        return json.dumps(
            {
                "encoder": "torch-mean",
                "model_type": self._config["model_type"],
                "max_seq_length": self.max_seq_length,
                "lower_case": self._lower_case,
                "normalize": self._normalize,
                "tokenizer": _tokenizer_settings(self._tokenizer),
            },
            sort_keys=True,
        )


def _tokenizer_settings(tokenizer: Any) -> dict[str, Any]:
    """A ``tokenizers.Tokenizer``'s settings without truncation and padding, which change with
    each call (``max_seq_length`` decides truncation)."""
    return {key: value for key, value in json.loads(tokenizer.to_str()).items() if key not in {"truncation", "padding"}}


def _same_length_batches(ids: Sequence[Sequence[int]], batch_size: int) -> Iterable[list[int]]:
    """Row indices grouped by token count, at most ``batch_size`` per group, shortest first."""
    groups: dict[int, list[int]] = {}
    for row, tokens in enumerate(ids):
        groups.setdefault(len(tokens), []).append(row)
    for length in sorted(groups):
        rows = groups[length]
        for start in range(0, len(rows), batch_size):
            yield rows[start : start + batch_size]


class SentenceTransformersEncoder:
    """Any sentence-transformers model, through its own ``encode`` (padded batches)."""

    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model
        self.device = model.device
        self.max_seq_length = getattr(model, "max_seq_length", None)

    def token_ids(self, strings: Sequence[str], chunk: int = 2048) -> list[tuple[int, ...]]:
        """Token ids of each string as the model's tokenizer gives them (padding removed)."""
        preprocess = getattr(self.model, "preprocess", None) or self.model.tokenize
        ids: list[tuple[int, ...]] = []
        for start in range(0, len(strings), chunk):
            features = preprocess(list(strings[start : start + chunk]))
            ids += [
                tuple(i for i, keep in zip(row, mask) if keep)
                for row, mask in zip(features["input_ids"].tolist(), features["attention_mask"].tolist())
            ]
        return ids

    def encode(self, strings: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Vectors of ``strings`` from ``SentenceTransformer.encode``."""
        vectors = self.model.encode(
            list(strings), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=show_progress
        )
        return np.asarray(vectors)

    def named_weights(self) -> Iterator[tuple[str, torch.Tensor]]:
        """Every weight of the model, by its sentence-transformers name."""
        yield from self.model.state_dict().items()

    def pipeline(self) -> str:
        """What besides the weights decides the vectors: module pipeline, lengths, tokenizer."""
        tokenizer = getattr(self.model, "tokenizer", None)
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None:
            settings: Any = _tokenizer_settings(backend)
        else:
            settings = sorted(tokenizer.get_vocab().items()) if tokenizer is not None else None
        return json.dumps(
            {"encoder": repr(self.model), "max_seq_length": self.max_seq_length, "tokenizer": settings}, sort_keys=True
        )


Encoder = TorchMeanEncoder | SentenceTransformersEncoder
"""What :func:`favor_hf.caption.score.embed.load_sentence_model` returns."""
