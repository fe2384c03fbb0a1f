"""Model adapters: ``transformers``, ``openai``, and the weight-free ``flow`` and ``random`` baselines."""

from favor_hf.models.base import ModelAdapter, ModelInput

__all__ = ["ModelAdapter", "ModelInput"]
