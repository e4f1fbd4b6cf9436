#!/bin/sh
# Builds the two measured caches shipped in oracle_cache/ from the real CPU pair.
# Resumable: rerun after an interruption. Each stage leaves a complete, valid cache;
# later stages extend the same seeded draw to more questions.
#   nice -n 10 scripts/build_shipped_oracles.sh squad   # or: hotpot
set -e
# DATA: the folder holding the QA files (tests/fixtures/data ships both, with their sources).
DATA=${DATA:-tests/fixtures/data}
cd "$(dirname "$0")/.."
PAIR=$(python -m scoutsim oracle fetch-pair)
EDGE=$(echo "$PAIR" | grep '^qwen2.5-coder-0.5b=')
CLOUD=$(echo "$PAIR" | grep '^qwen2.5-coder-1.5b=')
COMMON="--edge $EDGE --cloud $CLOUD --seed 0 --threads 1 --max-new-tokens 16 --no-progress"
case "$1" in
  squad)
    for n in ${SAMPLES:-25 50 80 120 160}; do
      python -m scoutsim oracle build --name qwen2.5-coder-0.5b-1.5b-squad-v2 $COMMON \
        --dataset "$DATA/squad_v2_dev_cs224n_split/dev-v2.0.json" --dataset-name squad_v2_dev_cs224n_split \
        --samples "$n" --timing-lengths 64,128,256,512 --timing-repeats 3
    done ;;
  hotpot)
    for n in ${SAMPLES:-10 20 35 45}; do
      python -m scoutsim oracle build --name qwen2.5-coder-0.5b-1.5b-hotpotqa $COMMON \
        --dataset "$DATA/hotpotqa_dev_distractor/hotpot_dev_distractor_v1_100.json" \
        --dataset-name hotpotqa_dev_distractor --samples "$n" --timing-lengths 512,1024,2048 --timing-repeats 1
    done ;;
  *) echo "usage: $0 squad|hotpot" >&2; exit 2 ;;
esac
