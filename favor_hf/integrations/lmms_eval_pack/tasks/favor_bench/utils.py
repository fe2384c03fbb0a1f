"""lmms-eval loads ``!function utils.NAME`` from this file; every NAME lives in favor_hf."""

from favor_hf.integrations.lmms_eval_tasks import *
