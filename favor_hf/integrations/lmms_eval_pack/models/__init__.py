"""Models favor-hf registers with lmms-eval's plugin mechanism: none (lmms-eval requires the module)."""

AVAILABLE_MODELS: dict[str, str] = {}
