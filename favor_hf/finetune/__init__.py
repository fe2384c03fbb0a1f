"""Fine-tuning on FAVOR-Train: SFT data export (LLaMA-Factory, TRL, Qwen2.5-VL) and a TRL recipe.

- :mod:`favor_hf.finetune.examples`: records -> prompt/target examples, held-out split by video;
- :mod:`favor_hf.finetune.formats`: the three file layouts;
- :mod:`favor_hf.finetune.export`: ``favor-hf sft-export`` (load, build, write, summarize);
- :mod:`favor_hf.finetune.train`: ``favor-hf sft``, TRL's ``SFTTrainer`` on frames sampled as in evaluation.
"""
