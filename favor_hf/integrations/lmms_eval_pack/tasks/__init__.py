"""lmms-eval task folders of favor-hf (YAML configs; the logic is in :mod:`favor_hf.integrations.lmms_eval_tasks`)."""
