"""lmms-eval plugin package of favor-hf: ``LMMS_EVAL_PLUGINS=favor_hf.integrations.lmms_eval_pack``.

lmms-eval adds ``<plugin>.tasks`` to its task folders and reads ``<plugin>.models.AVAILABLE_MODELS``
(favor-hf adds tasks only). ``--include_path`` with :func:`favor_hf.integrations.lmms_eval_tasks_path`
does the same without the environment variable.
"""
