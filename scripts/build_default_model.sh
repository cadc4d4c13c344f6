#!/usr/bin/env bash
# Rebuild the PAD model shipped in unmask/liveness/models/default from scratch.
# Data: attack-lab clips (SIMULATED) rendered from the two public-domain portraits that ship with
# scikit-image and matplotlib: seed 3000, 6 clips per species, 12 s (a missing pulse counts only
# after 10 s), 640x480, H.264 CRF 0 (what a camera feeding unmask directly gives; CRF 12 already
# removes a simulated pulse), with thermal/NIR/depth. Each species renders in its own process
# (a clip depends only on the seed, its species and its number, so this equals one lab run).
# The lab's train rows fit the surface classifier, its dev rows calibrate the fusion and set the
# levels, its test rows are held out. About 2.5 GB of disk; 20-40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-out/default-model-data}"
species=(bona_fide print replay mask_rigid mask_silicone)
for name in "${species[@]}"; do
    uv run --frozen unmask lab generate --out "$work/$name" --species "$name" --clips 6 --seconds 12 \
        --seed 3000 --codec h264 --crf 0 --channels rgb,thermal,nir,depth &
done
wait
protocols=()
for name in "${species[@]}"; do protocols+=(--protocol "$work/$name/protocol.csv"); done
uv run --frozen unmask pad train "${protocols[@]}" --seed 0 --out unmask/liveness/models/default
