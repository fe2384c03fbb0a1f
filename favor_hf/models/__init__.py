"""Model adapters: ``transformers``, ``openai``, and the weight-free ``flow`` and ``random`` baselines.

:func:`load_adapter` builds one from an ``"ADAPTER:ID"`` spec, as the command line takes it.

Example:
    >>> adapter = load_adapter("random:0")
    >>> adapter.name
    'random:0'
    >>> adapter = load_adapter("openai:gpt-4o", base_url="http://localhost:8000/v1")  # builds the client only
    >>> # downloads 2.2B weights from the Hub and wants a GPU, so not run in CI:
    >>> adapter = load_adapter("transformers:HuggingFaceTB/SmolVLM2-2.2B-Instruct", dtype="bfloat16")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from favor_hf.models.base import ModelAdapter, ModelInput

ADAPTERS: dict[str, tuple[str, str, str | None]] = {
    "transformers": ("favor_hf.models.hf_transformers", "TransformersAdapter", "model_id"),
    "openai": ("favor_hf.models.openai_compat", "OpenAIAdapter", "model"),
    "flow": ("favor_hf.models.flow", "FlowAdapter", None),
    "random": ("favor_hf.models.random_guess", "RandomGuessAdapter", "seed"),
}
"""Adapter name -> (module, class, constructor argument the ID after the colon goes to)."""


def _parse_id(name: str, parameter: str | None, model_id: str, signature: inspect.Signature) -> dict[str, Any]:
    if not model_id:
        return {}
    if parameter is None:
        raise ValueError(f"adapter {name!r} takes no ID: use {name!r} alone, not {name}:{model_id}")
    annotation = signature.parameters[parameter].annotation
    if annotation in (int, "int") or parameter == "seed":
        try:
            return {parameter: int(model_id)}
        except ValueError:
            raise ValueError(
                f"{name}:{model_id}: the ID of {name!r} is its integer {parameter}, e.g. {name}:0"
            ) from None
    return {parameter: model_id}


def load_adapter(spec: str, **options: Any) -> ModelAdapter:
    """Build the adapter named by ``spec`` (``"ADAPTER:ID"`` or ``"ADAPTER"``).

    Args:
        spec: ``transformers:<hub id or path>``, ``openai:<model name>``, ``flow`` or
            ``random[:<seed>]``.
        options: constructor options of that adapter (e.g. ``dtype=`` for transformers,
            ``base_url=`` for openai); ``None`` values are ignored.

    Raises:
        ValueError: unknown adapter, malformed ID, or an option that adapter does not take.
    """
    name, _, model_id = spec.partition(":")
    if name not in ADAPTERS:
        raise ValueError(
            f"unknown adapter {name!r} in {spec!r}: expected ADAPTER:ID with ADAPTER one of {', '.join(ADAPTERS)}"
        )
    module_name, class_name, parameter = ADAPTERS[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    signature = inspect.signature(cls.__init__)
    accepted = [p for p in signature.parameters if p not in ("self", parameter)]
    options = {key: value for key, value in options.items() if value is not None}
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"adapter {name!r} does not take option(s) {', '.join(unknown)}; it takes: {', '.join(accepted) or 'none'}"
        )
    arguments = {**_parse_id(name, parameter, model_id, signature), **options}
    adapter = cls(**arguments)
    bound = signature.bind_partial(None, **arguments)
    bound.apply_defaults()
    adapter.options = {key: value for key, value in bound.arguments.items() if key not in ("self", parameter)}
    return adapter


__all__ = ["ADAPTERS", "ModelAdapter", "ModelInput", "load_adapter"]
