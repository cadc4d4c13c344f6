"""Every parameter the lab samples, its range, and where the range comes from.

One table so the documentation, the protocol columns and the sampler cannot drift apart.
"Assumption" marks a range chosen by judgement where no measurement was at hand; docs/lab.md
repeats the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from unmask.lab_names import PRESET_MEANINGS, SPECIES
from unmask.species import BONA_FIDE

ATTACKS = SPECIES[1:]
WEARER_SPECIES = (BONA_FIDE, "mask_rigid", "mask_silicone")


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    source: str
    species: tuple[str, ...] = SPECIES

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def as_dict(self) -> dict[str, Any]:
        """As metadata.json records it beside the clips."""
        return {
            "low": self.low,
            "high": self.high,
            "species": list(self.species),
            "source": self.source,
        }


RANGES: dict[str, Range] = {
    # Wearer physiology (bona fide skin, and the periocular skin in mask eye holes).
    "hr_bpm": Range(45, 120, "issue 4: resting adults", WEARER_SPECIES),
    "pulse_amplitude": Range(
        0.001,
        0.005,
        "green AC/DC of facial rPPG about 0.1-0.5 % (Verkruysse 2008; de Haan & Jeanne 2013)",
        WEARER_SPECIES,
    ),
    "sdnn_ms": Range(
        20,
        80,
        "short-term SDNN at rest (Task Force of ESC/NASPE 1996); welltory chest-strap RR "
        "within 10 s windows: p10-p90 20-79 ms (benchmarks/lab_nuisances.py)",
        WEARER_SPECIES,
    ),
    "breath_hz": Range(0.2, 0.33, "12-20 breaths/min at rest", WEARER_SPECIES),
    "region_delay_ms": Range(
        0,
        40,
        "pulse arrival differences across the face (Kamshilin 2016; Moco 2016)",
        WEARER_SPECIES,
    ),
    "skin_darkening": Range(
        0.0,
        0.2,
        "assumption: re-tints the photo's skin a little; the default faces (242 people of the "
        "shared face sets) already span skin tones, and darkening them all pushed the lab's "
        "mean cheek ITA to -36 deg (benchmarks/lab_nuisances.py); hard preset 0-0.6",
        WEARER_SPECIES,
    ),
    "diastolic_ratio": Range(
        0.2, 0.6, "reflection index of the digital volume pulse (Millasseau 2006)", WEARER_SPECIES
    ),
    "notch_depth": Range(
        0.1, 0.6, "assumption: dicrotic notch from barely visible to clear", WEARER_SPECIES
    ),
    "blink_gap_s": Range(
        2,
        10,
        "issue 4: a blink every 2-10 s (Bentivoglio 1997: 17/min mean at rest)",
        WEARER_SPECIES,
    ),
    "blink_ms": Range(100, 400, "issue 4: 100-400 ms (Stern 1984)", WEARER_SPECIES),
    "expression_gap_s": Range(
        2,
        6,
        "assumption: a change of expression every few seconds while talking to a kiosk",
        (BONA_FIDE, "mask_silicone"),
    ),
    "expression_s": Range(
        1.0,
        4.0,
        "spontaneous expressions last 0.5-4 s (Ekman & Friesen); smiles rise in about 0.5 s "
        "then hold (Van der Geld 2005)",
        (BONA_FIDE, "mask_silicone"),
    ),
    "syllable_hz": Range(
        3.0,
        6.0,
        "syllable rate of speech, the mouth-area modulation of talking faces (2-7 Hz, "
        "Chandrasekaran et al. 2009, PLoS Comput Biol)",
        (BONA_FIDE, "mask_silicone"),
    ),
    "head_rotation_deg": Range(
        0.2,
        1.5,
        "head rotation std of a user holding still before a camera: seated adults holding a "
        "natural head position drift about 1.5 deg in pitch over 5 min (IMU study of natural "
        "head position); the spread within 12 s is an assumption bounded by that",
        WEARER_SPECIES,
    ),
    "head_shift_iod": Range(
        0.01,
        0.05,
        "head translation std in eye distances: standing head sway traces 37 +- 8 cm/min at "
        "0.34-0.39 Hz eyes open (cephalography of 20 adults), about 3-4 mm or 0.05 eye distances; "
        "seated less",
        WEARER_SPECIES,
    ),
    "breath_sway_px": Range(0.2, 1.5, "assumption: vertical breathing sway", WEARER_SPECIES),
    # Camera, for every species.
    "light_drift": Range(
        0.002,
        0.008,
        "slow illumination change (std): the face's mean luma below 1 Hz varies 0.37 % (GRID, "
        "11 clips) to 1.96 % (Pexels) of its mean on real video, median 0.44 +- 0.29 % over the "
        "13 real clips (benchmarks/lab_nuisances.py); 0.2-1.5 % measured 1.0 % on lab clips; "
        "hard preset 0.01-0.06",
    ),
    "light_gradient": Range(
        0.0,
        0.01,
        "swinging side light (relative), bounded by the same measured drift; hard preset 0-0.08",
    ),
    "flicker_amplitude": Range(
        0.0,
        0.002,
        "lamp ripple aliased to the frame rate: the frame's mean luma above 5 Hz varies 0.05 % "
        "(GRID) to 0.18 % (Pexels) on real video; hard preset 0-0.015 (IEEE 1789-2015 "
        "modulation depths)",
    ),
    "noise_dn": Range(
        0.3,
        0.8,
        "temporal noise at mid grey, 8-bit DN, of a webcam's denoised output (EMVA 1288 style "
        "read + shot noise): real video measures 0.06-0.37 DN (GRID, Pexels, Hamilton, SiW-Mv2; "
        "benchmarks/lab_nuisances.py), a floor its codec left, so the range starts there and "
        "stays above it; 0.5-1.5 measured 0.78-0.88 DN on lab clips; hard preset 0.6-2.5",
    ),
    "ae_tau_s": Range(0.3, 1.5, "assumption: auto-exposure time constant"),
    "exposure_error": Range(
        -0.04,
        0.04,
        "where in its tolerance band a settled auto exposure sits when the clip starts "
        "(unmask.lab.camera.AE_TOLERANCE, 4 %: within it the loop holds still); hard preset "
        "-0.25-0.25, which it then corrects",
    ),
    # Print.
    "paper_white": Range(
        0.82, 0.95, "office paper reflectance relative to a white reference", ("print",)
    ),
    "ink_black": Range(0.06, 0.16, "laser/inkjet black on plain paper (reflectance)", ("print",)),
    "print_saturation": Range(
        0.55, 0.85, "assumption: CMYK on plain paper holds a smaller gamut than sRGB", ("print",)
    ),
    "halftone_period_px": Range(
        2.5, 5.0, "assumption: 100-150 lpi halftone seen from 30-60 cm by a VGA camera", ("print",)
    ),
    "halftone_depth": Range(
        0.03, 0.12, "assumption: halftone contrast left after camera blur", ("print",)
    ),
    "paper_texture": Range(0.005, 0.025, "assumption: fibre texture contrast", ("print",)),
    "plane_scale": Range(
        0.75, 1.15, "assumption: print or screen size relative to the frame", ("print", "replay")
    ),
    "plane_tilt_deg": Range(
        0, 15, "assumption: static tilt of the held print or screen", ("print", "replay")
    ),
    "hand_rotation_deg": Range(
        0.5, 3.0, "assumption: hand tremor and sway of a held object (std)", ("print", "replay")
    ),
    "hand_shift_px": Range(1, 8, "assumption: hand translation std", ("print", "replay")),
    "fingers": Range(0, 2.99, "assumption: 0-2 fingers over the print edge", ("print",)),
    # Replay.
    "screen_gamma": Range(1.8, 2.6, "display gamma spread around sRGB 2.2", ("replay",)),
    "white_red": Range(0.88, 1.0, "white point from D65 to about 9300 K (red gain)", ("replay",)),
    "white_blue": Range(1.0, 1.12, "white point from D65 to about 9300 K (blue gain)", ("replay",)),
    "screen_black": Range(
        0.02, 0.08, "black level plus ambient reflection on a glossy screen", ("replay",)
    ),
    "pixel_pitch_px": Range(
        0.7,
        1.6,
        "screen pixel pitch in camera pixels (phone 400 ppi to monitor 100 ppi at 30-60 cm): near Nyquist, so moire",
        ("replay",),
    ),
    "grid_depth": Range(
        0.08, 0.3, "assumption: dark gap between screen pixels seen by the camera", ("replay",)
    ),
    "refresh_hz": Range(60, 240, "LCD/OLED refresh or PWM dimming 60-240 Hz", ("replay",)),
    "refresh_flicker": Range(
        0.005, 0.05, "assumption: rolling-shutter banding depth from refresh/PWM", ("replay",)
    ),
    "glare": Range(
        0.0, 0.3, "assumption: specular reflection of a room light on the screen", ("replay",)
    ),
    "source_pulse_gain": Range(
        0.1,
        0.5,
        "assumption: pulse left after the replayed video was recorded, compressed and redisplayed",
        ("replay",),
    ),
    # Masks.
    "eye_hole_width": Range(
        1.4, 2.0, "assumption: eye hole width in eye widths", ("mask_rigid", "mask_silicone")
    ),
    "eye_hole_height": Range(
        2.5,
        4.0,
        "assumption: eye hole height in eye heights (lids and periocular skin show)",
        ("mask_rigid", "mask_silicone"),
    ),
    "matte": Range(0.5, 0.9, "assumption: highlight suppression of painted resin", ("mask_rigid",)),
    "paint_blur_px": Range(
        0.6, 1.6, "assumption: pore-level detail lost in paint and printing", ("mask_rigid",)
    ),
    "mask_saturation": Range(
        0.75,
        0.95,
        "assumption: pigment gamut of paint and silicone",
        ("mask_rigid", "mask_silicone"),
    ),
    "edge_strength": Range(
        0.02,
        0.25,
        "assumption: visibility of the eye-hole and jaw edges",
        ("mask_rigid", "mask_silicone"),
    ),
    "silicone_texture": Range(
        0.01, 0.035, "assumption: pore-like fine texture of cast silicone", ("mask_silicone",)
    ),
    "sheen": Range(0.03, 0.12, "assumption: broad specular sheen of silicone", ("mask_silicone",)),
    "expression_gain": Range(
        0.2,
        0.6,
        "assumption: share of the wearer's deformation that reaches the mask surface",
        ("mask_silicone",),
    ),
    "expression_delay_ms": Range(
        80, 250, "assumption: lag of the mask behind the face", ("mask_silicone",)
    ),
    "expression_smooth_ms": Range(
        100, 300, "assumption: low-pass of the mask's deformation", ("mask_silicone",)
    ),
    "pulse_leak": Range(
        0.0,
        0.15,
        "assumption: spatially incoherent pulse-like leak through thin silicone, relative to skin",
        ("mask_silicone",),
    ),
    # Extra channels.
    "distance_mm": Range(
        400, 800, "assumption: face or print distance at a kiosk or phone", SPECIES
    ),
    "background_mm": Range(1200, 3000, "assumption: wall behind the user", SPECIES),
    "depth_noise_mm": Range(
        0.5,
        2.0,
        "structured-light / ToF depth noise at 0.5 m (RealSense D4xx datasheet: <2 % at 2 m)",
        SPECIES,
    ),
    "ambient_c": Range(20, 26, "indoor air temperature", SPECIES),
    "skin_c": Range(33.5, 35.5, "facial skin 33-36 C (issue 4; Ring & Ammer 2012)", WEARER_SPECIES),
    "canthus_c": Range(
        0.6,
        1.2,
        "inner canthi are the warmest facial point (Vardasca 2019), degrees above skin",
        WEARER_SPECIES,
    ),
    "nose_cooling_c": Range(
        1.0, 3.0, "nose tip cooler than the cheeks (Ioannou 2014)", WEARER_SPECIES
    ),
    "mask_c": Range(
        27.0, 31.0, "assumption: resin shell warmed by the wearer, below skin", ("mask_rigid",)
    ),
    "silicone_c": Range(
        29.0,
        33.0,
        "assumption: silicone in contact with skin, still below it (Bhattacharjee 2018)",
        ("mask_silicone",),
    ),
    "screen_excess_c": Range(3.0, 10.0, "assumption: backlit screen above ambient", ("replay",)),
    "paper_excess_c": Range(0.0, 2.0, "assumption: held paper near ambient", ("print",)),
    "skin_nir": Range(
        0.45,
        0.60,
        "skin reflectance at 850 nm, little melanin dependence (Anderson & Parrish 1981)",
        WEARER_SPECIES,
    ),
    "silicone_nir": Range(
        0.60,
        0.78,
        "assumption: pigmented silicone reflects more than skin at 850 nm (no blood/water absorption)",
        ("mask_silicone",),
    ),
    "resin_nir": Range(0.60, 0.80, "assumption: painted resin at 850 nm", ("mask_rigid",)),
    "paper_nir": Range(0.75, 0.90, "paper at 850 nm; most inks are NIR-transparent", ("print",)),
    "ink_nir": Range(
        0.1, 0.5, "assumption: share of visible contrast that inks keep at 850 nm", ("print",)
    ),
    "screen_nir": Range(
        0.03, 0.10, "LCD/OLED emit nothing at 850 nm: only reflection", ("replay",)
    ),
    # Camera optics and colour, for every species (drawn last: see OPTICS).
    "lens_blur_px": Range(
        1.0,
        1.6,
        "Gaussian point-spread function of the optics (defocus at a fixed focus, lens "
        "aberrations, anti-aliasing filter), before the sensor's noise. Both blurs are in "
        "pixels of a 640-pixel-wide frame and shrink with a smaller output, as a camera "
        "scaling its sensor's image down shrinks them. Together set from the real videos' face "
        "sharpness at 64 px between the eyes (GRID 73-151, median 104; Hamilton 169; SiW-Mv2 "
        "164; benchmarks/lab_nuisances.py); without them the lab measured 363. The split "
        "between the two is an assumption",
    ),
    "isp_blur_px": Range(
        0.5,
        0.9,
        "softness the image processor adds after the sensor (demosaicing, denoising), in "
        "pixels of a 640-pixel-wide frame like lens_blur_px: it smooths the sensor noise too, "
        "as the real videos' measured noise (0.06-0.37 DN) is smoothed",
    ),
    "wb_shift_mired": Range(
        0,
        120,
        "colour cast auto white balance leaves, in mireds towards warm (0: fully corrected; "
        "120: a 3900 K light rendered as 6500 K, under half of a 2700 K lamp's 216): real "
        "cheeks measure b* 27-58 (GRID), 14 (Hamilton) and 8 (Pexels) at L* 49-73, the lab's "
        "neutrally balanced portraits 4-21 at the same lightness (benchmarks/lab_nuisances.py)",
    ),
}


@dataclass(frozen=True)
class Preset:
    """A named setting: ranges that replace the defaults, and the codec a clip is written with."""

    ranges: dict[str, tuple[float, float]]
    codec: str
    crf: int
    meaning: str


# The nuisance ranges the lab used before they were measured on real video: harder than the
# real clips measured, kept for stress tests.
HARD_RANGES = {
    "skin_darkening": (0.0, 0.6),
    "light_drift": (0.01, 0.06),
    "light_gradient": (0.0, 0.08),
    "flicker_amplitude": (0.0, 0.015),
    "noise_dn": (0.6, 2.5),
    "exposure_error": (-0.25, 0.25),
}
PRESETS = {
    "default": Preset(
        {},
        "h264",
        0,
        PRESET_MEANINGS["default"],
    ),
    "web": Preset(
        {},
        "h264",
        30,
        PRESET_MEANINGS["web"],
    ),
    "hard": Preset(
        HARD_RANGES,
        "h264",
        23,
        PRESET_MEANINGS["hard"],
    ),
}


# Added after the rest, and drawn after the mains frequency (unmask.lab.render.sample_params),
# so that adding them changed no earlier draw of any seed.
OPTICS = ("lens_blur_px", "isp_blur_px", "wb_shift_mired")


def sample(
    species: str,
    rng: np.random.Generator,
    preset: str = "default",
    names: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Draw every parameter that applies to `species` (or those of them in `names`), in table
    order (so a preset changes the values drawn, never which draw feeds which parameter)."""
    wide = PRESETS[preset].ranges
    return {
        name: (Range(*wide[name], r.source, r.species) if name in wide else r).draw(rng)
        for name, r in RANGES.items()
        if species in r.species and (names is None or name in names)
    }
