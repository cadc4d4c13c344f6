"""Names the attack lab shares with the command line, kept free of numerical imports so that
`unmask lab --help` starts at once: the species, the presets' meanings, the codecs and the
simulation note every lab output carries. The module sits beside the `unmask.lab` package, not
in it: importing anything inside the package runs its `__init__`, which loads the renderer."""

from __future__ import annotations

from unmask.species import BONA_FIDE

SPECIES = (BONA_FIDE, "print", "replay", "mask_rigid", "mask_silicone")

SIMULATION_NOTE = (
    "SIMULATED presentations from the unmask attack lab: not real bona fide or attack recordings"
)

# codec name -> (file suffix, FFmpeg encoder, pixel format)
CODECS = {
    "lossless": (".mkv", "ffv1", "bgr0"),
    "mjpeg": (".avi", "mjpeg", "yuvj420p"),
    "h264": (".mp4", "libx264", "yuv420p"),
}

#: preset name -> what it means; `unmask.lab.ranges.PRESETS` holds each preset's ranges and codec.
PRESET_MEANINGS = {
    "default": "measured nuisances; H.264 at CRF 0 (lossless in 4:2:0), what a camera feeding "
    "unmask directly gives",
    "web": "measured nuisances; H.264 CRF 30, heavy compression as on the web (web video "
    "measured 0.08-0.43 bit per pixel; lab clips, with still backgrounds, come to about 0.01)",
    "hard": "stress test: the wider, unmeasured nuisance ranges and x264's default CRF 23",
}
