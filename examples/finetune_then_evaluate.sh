#!/usr/bin/env bash
# Fine-tune a Qwen2.5-VL-style model on FAVOR-format data with TRL, then evaluate it on FAVOR-Bench
# before and after, on the same frames, and compare the two runs question by question.
#
#   MODEL=Qwen/Qwen2.5-VL-7B-Instruct TRAIN=FAVOR/favor_train.json TRAIN_CLIPS=FAVOR BENCH=FAVOR \
#     LORA_R=16 STEPS=2000 bash examples/finetune_then_evaluate.sh
#
# Without TRAIN, synthetic clips (favor-hf synth) stand in for FAVOR-Train and FAVOR-Bench, so the
# loop runs offline end to end. The paper's fine-tuning hyperparameters are not published: the
# settings below are a starting point, not a replica.
set -euo pipefail

MODEL=${MODEL:-Qwen/Qwen2.5-VL-7B-Instruct}   # Hub id or local directory
WORK=${WORK:-favor-sft}
SAMPLING=${SAMPLING:---frames 16 --max-side 448}   # any sampling flags of favor-hf run
STEPS=${STEPS:--1}                                # -1: one epoch
LEARNING_RATE=${LEARNING_RATE:-1e-5}
RUN_FLAGS=${RUN_FLAGS:-}                          # extra flags of favor-hf run, e.g. --max-new-tokens 64 --batch-size 8
mkdir -p "$WORK"

if [[ -n "${TRAIN:-}" ]]; then
  : "${BENCH:?set BENCH to a FAVOR-Bench data directory}"
  favor-hf sft-export --train "$TRAIN" ${TRAIN_CLIPS:+--data-dir "$TRAIN_CLIPS"} --out "$WORK/sft" --heldout 0.02
else
  favor-hf synth --out "$WORK/synth-train" --n 32 --seed 1
  favor-hf synth --out "$WORK/synth-bench" --n 8 --seed 2
  favor-hf sft-export --data-dir "$WORK/synth-train" --out "$WORK/sft" --mcq --heldout 0.1
  BENCH="$WORK/synth-bench"
fi

# shellcheck disable=SC2086  # SAMPLING holds several flags
favor-hf run --model "transformers:$MODEL" --data-dir "$BENCH" $SAMPLING $RUN_FLAGS --out "$WORK/before.jsonl"
# shellcheck disable=SC2086
favor-hf sft --model "$MODEL" --train-file "$WORK/sft/trl/train.jsonl" --out "$WORK/checkpoint" $SAMPLING \
  --max-steps "$STEPS" --learning-rate "$LEARNING_RATE" ${LORA_R:+--lora-r "$LORA_R"}
# shellcheck disable=SC2086
favor-hf run --model "transformers:$WORK/checkpoint" --data-dir "$BENCH" $SAMPLING $RUN_FLAGS --out "$WORK/after.jsonl"
favor-hf compare "$WORK/after.jsonl" "$WORK/before.jsonl" --intersection
