#!/usr/bin/env bash
# Rebuild the PAD model shipped in unmask/liveness/models/default from scratch.
# Data: attack-lab clips (SIMULATED) rendered from the two public-domain portraits that ship with
# scikit-image and matplotlib, 640x480, with thermal/NIR/depth:
#   seed 3000: 12 clips per species, 12 s (a missing pulse counts only after 10 s), H.264 CRF 0
#              (what a camera feeding unmask directly gives; CRF 12 already removes a simulated
#              pulse); each species renders in its own process (a clip depends only on the seed,
#              its species and its number, so this equals one lab run);
#   seed 1000: 6 clips per species, 5 s, H.264 CRF 12 (the lab's default codec): short,
#              compressed clips where the pulse cannot be read.
# --without-surface: no texture classifier. One fitted on these rendered faces learns the lab's
# rendering and called every real bona fide face we tried an attack; the shipped model decides
# on pulse, motion, eyes and the thermal/NIR/depth channels. Train and dev rows calibrate the
# fusion and set the levels; the lab's test rows are held out. About 3 GB of disk; 30-50 minutes
# on 2 cores. Same lab code and seeds give the same clips; the model's numbers then follow.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-out/default-model-data}"
species=(bona_fide print replay mask_rigid mask_silicone)
for name in "${species[@]}"; do
    uv run --frozen unmask lab generate --out "$work/$name" --species "$name" --clips 12 \
        --seconds 12 --seed 3000 --codec h264 --crf 0 --channels rgb,thermal,nir,depth &
done
uv run --frozen unmask lab generate --out "$work/lab-1000" --clips 6 --seconds 5 --seed 1000 \
    --channels rgb,thermal,nir,depth &
wait
protocols=()
for name in "${species[@]}"; do protocols+=(--protocol "$work/$name/protocol.csv"); done
protocols+=(--protocol "$work/lab-1000/protocol.csv")
uv run --frozen unmask pad train "${protocols[@]}" --seed 0 --without-surface \
    --out unmask/liveness/models/default
