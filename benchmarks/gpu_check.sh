#!/usr/bin/env bash
# The GPU check of group training (docs/performance.md), prepared for a lent GPU machine: about 10 minutes,
# every number into one file. Not yet run on a GPU.
#
#   bash benchmarks/gpu_check.sh RESULTS_FILE          # on the GPU machine, from the repository root
#   bash benchmarks/gpu_check.sh --dry RESULTS_FILE    # the same steps, tiny and on the CPU (tests run this)
#
# 1. solo against group s/epoch on CUDA, hidden 16, 64, 256 and 512, groups up to 128;
# 2. a 24-network grid slice with --group-training --device cuda, against the same slice on 16 CPU workers;
# 3. CUDA group training against CPU solo training, to float tolerance, TF32 off.
# The GPU machine has no AALpy or pydot: carry them as wheels in .whl/ (see /work/.library/device/README.md),
# e.g. pip download --no-deps -d .whl aalpy==2.0.0 pydot==4.0.1; they are installed from there if present.
set -euo pipefail
dry=0
if [[ "${1:-}" == "--dry" ]]; then dry=1; shift; fi
results="${1:?usage: gpu_check.sh [--dry] RESULTS_FILE}"
if [[ -d .whl ]] && ls .whl/*.whl > /dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3}
if (( dry )); then
    device=cpu; bench=(--rnn gru --hidden 8 --groups 1,2 --train-words 200 --solo-networks 1)
    slice=(--languages tomita1,tomita3 --rnn gru --sizes 1x1 --repeats 1 --epochs 1 --train-words 200
           --validation-words 100 --conformance-words 100 --functions lda)
    cpu_workers=1; equivalence=(--rnn gru --networks 2 --epochs 1 --train-words 200)
else
    device=cuda; bench=(--rnn gru,lstm,relu --hidden 16,64,256,512 --groups 1,32,128 --train-words 5000
                        --solo-networks 1)
    # 4 languages × 3 architectures × 1 size × 2 repetitions = 24 networks; lda only: the training is timed
    slice=(--languages tomita1,tomita3,tomita5,tomita7 --rnn gru,relu,lstm --sizes 1x1 --repeats 2 --epochs 20
           --functions lda)
    cpu_workers=16; equivalence=(--rnn relu,gru,lstm --networks 4 --epochs 3 --train-words 5000)
fi
work=$(mktemp -d)
{
    echo "# gpu_check.sh $(date -u +%FT%TZ), dry=$dry, $(nproc) cores"
    $python -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
        torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
    echo "## 1. solo against group, s/epoch on $device"
    $python benchmarks/bench_group_training.py --device "$device" "${bench[@]}"
    echo "## 2. grid slice: --group-training --device $device against $cpu_workers CPU workers"
    for mode in group cpu; do
        start=$EPOCHREALTIME
        if [[ $mode == group ]]; then
            $python experiment_runner.py "${slice[@]}" --out "$work/$mode" --group-training --device "$device" \
                > "$work/$mode.log" 2>&1 || echo "runner exit $?"
        else
            $python experiment_runner.py "${slice[@]}" --out "$work/$mode" --workers "$cpu_workers" \
                > "$work/$mode.log" 2>&1 || echo "runner exit $?"
        fi
        echo "$mode: $(awk "BEGIN {printf \"%.1f\", $EPOCHREALTIME - $start}") s wall, imports included"
        grep "this run:" "$work/$mode.log" || tail -3 "$work/$mode.log"
    done
    echo "## 3. group on $device against solo on cpu, TF32 off"
    $python benchmarks/gpu_equivalence.py --device "$device" "${equivalence[@]}" || echo "equivalence exit $?"
} 2>&1 | tee "$results"
rm -rf "$work"
