#!/usr/bin/env bash
# Rebuild the PAD model shipped in unmask/liveness/models/default from scratch. Needs the shared
# data (../shared/data or UNMASK_DATA): the colour-camera operating points are set on real faces.
#
# 1. The recapture classifier (scripts/train_recapture.py): real photos of permissively licensed
#    sets (faces/interfaces CC0, faces/frl-london and frl-canada CC BY 4.0, the Pexels video) as
#    bona fide, simulated print and screen recaptures of the same photos as attacks.
# 2. Attack-lab clips (SIMULATED) of every species, 640x480, with thermal/NIR/depth:
#      seed 3000, 10 s, H.264 CRF 0 (what a camera feeding unmask gives): 8 bona fide clips,
#      12 of each attack species. Short and compressed real video (no readable pulse) comes from
#      the real calibration set below. Rendered once into the work folder (same lab code and
#      seeds give the same clips).
# 3. Real calibration sets (scripts/calibration_sets.py): real bona fide videos (GRID, Pexels)
#    and stills (the recapture classifier's held-out people, GRID frames), the same stills
#    through three simulated cameras each, and simulated print and screen recaptures of them
#    through the same cameras (so camera quality is on both sides of the still table).
# 4. `unmask pad train --without-surface` over all of it: no texture classifier fitted on the
#    lab's rendered faces (one did and called every real face an attack); BPCER of each
#    colour-camera level is measured on the real bona fide faces, APCER on the attacks; a still
#    level stops where it would refuse more of the bona fide stills than its ceiling
#    (fusion.STILL_BPCER_CEILING) and reports the simulated APCER it costs there.
# 5. The model's file digests are recorded in the package (unmask/liveness/models/
#    default.sha256.json), which the loader checks.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-out/default-model-data}"
run() { uv run --frozen "$@"; }
run python scripts/train_recapture.py --seed 7
species=(bona_fide print replay mask_rigid mask_silicone)
for name in "${species[@]}"; do
    # 12 of each attack species: with 6, the calibration split held 4 of each mask, too few to
    # resolve a 5 % APCER; the colour-video threshold then sat in the widest score gap above
    # them and 1 in 4 masks of a fresh seed passed (SIMULATED, seed 7777). The lab protocol
    # holds a third out (`pad train` reports them), so 8 of each calibrate; the colour-video
    # levels they cannot resolve are set by the prediction bound (fusion.predicted_bound).
    clips=12
    [ "$name" = bona_fide ] && clips=8
    if [ ! -f "$work/$name/protocol.csv" ]; then
        run unmask lab generate --out "$work/$name" --species "$name" --clips "$clips" \
            --seconds 10 --seed 3000 --codec h264 --crf 0 --channels rgb,thermal,nir,depth &
    fi
done
wait
run python scripts/calibration_sets.py "$work/real"
protocols=()
for name in "${species[@]}"; do protocols+=(--protocol "$work/$name/protocol.csv"); done
for name in real-video real-still camera-still recapture-still; do
    protocols+=(--protocol "$work/real/$name/protocol.csv")
done
# --- Active liveness (issue 11): the challenge part of the fusion -------------------------
# Attack-lab clips (SIMULATED) of every species, each answering a challenge of its own (pose,
# blink, expression, flash; `lab generate --challenge-each`), colour camera only, 320x240,
# 15 fps, 6.5 s (a 6 s script), seed 3100: 20 bona fide, 5 prints, 5 replays (the checks refuse
# them all) and 15 of each mask (a mask may pass the checks: the table must see some that do).
# `pad train` sees their `challenge_path` column and checks each clip against its challenge in
# the same pass as the passive cues; they calibrate only the
# `challenge` and `flash` cues, their weights and the challenge operating points (the passive
# model is fitted without them). Remove this block and the model has no challenge table: a
# challenge then only refuses (veto) and the passive table decides.
for name in "${species[@]}"; do
    case "$name" in bona_fide) clips=20 ;; mask_*) clips=15 ;; *) clips=5 ;; esac
    if [ ! -f "$work/challenge/$name/protocol.csv" ]; then
        run unmask lab generate --out "$work/challenge/$name" --species "$name" --clips "$clips" \
            --seconds 6.5 --fps 15 --size 320x240 --seed 3100 \
            --challenge-each pose,blink,expression,flash
    fi
    protocols+=(--protocol "$work/challenge/$name/protocol.csv")
done
# --- end of the active liveness block ----------------------------------------------------
run unmask pad train "${protocols[@]}" --seed 0 --without-surface --test-share 0 \
    --recapture unmask/liveness/models/default/recapture.npz --report "$work/held-out" \
    --out unmask/liveness/models/default
run python -c "from unmask.liveness.model import seal_default_model; print(seal_default_model())"
