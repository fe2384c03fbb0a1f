"""lmms-eval loads ``!function utils.NAME`` from this file; every NAME lives in favor_hf."""

from favor_hf.integrations.lmms_eval_tasks import *  # noqa: F403 -- its __all__, with per-metric aggregate names
