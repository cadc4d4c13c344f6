"""`unmask pulse VIDEO | --rgb-trace CSV`: heart rate (or "no reliable pulse") and the pulse cue."""

from __future__ import annotations

import argparse
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.batch import error_lines, run_batch
from unmask.cli.output import Outcome, add_json_flag
from unmask.cli.reading import add_reading_flags
from unmask.errors import InputError, MediaNotFoundError, NoFaceError
from unmask.progress import note
from unmask.pulse.names import METHOD_NAMES

if TYPE_CHECKING:
    from unmask.pulse import PulseEstimate
    from unmask.pulse.trace import RGBTrace

AUTO_METHODS = ("red", "green", "pos", "chrom")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pulse",
        help="heart rate from a face video or an RGB trace, and the pulse liveness cue",
        description="Estimate the heart rate by remote photoplethysmography. 'No reliable pulse' "
        "is an answer (heart_rate_bpm null, with a reason), not an error.",
    )
    parser.add_argument(
        "videos", nargs="*", metavar="VIDEO", help="video files, or folders of them"
    )
    parser.add_argument(
        "--rgb-trace",
        metavar="CSV",
        help="instead of videos: a CSV with columns time (ms), R, G, B",
    )
    parser.add_argument(
        "--roi",
        choices=["face", "full-frame"],
        default="face",
        help="face: skin regions of each face track; full-frame: the whole frame is skin (skin-crop videos)",
    )
    parser.add_argument(
        "--method",
        choices=[*METHOD_NAMES, "auto"],
        default=None,
        help="pulse extraction method (default pos for video, auto for --rgb-trace: best SNR of red/green/pos/chrom)",
    )
    add_reading_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def _estimate(trace: RGBTrace, method: str) -> PulseEstimate:
    from unmask.pulse import estimate_best, estimate_pulse

    return estimate_best(trace, AUTO_METHODS) if method == "auto" else estimate_pulse(trace, method)


def _region_entry(estimate: PulseEstimate, trace: RGBTrace) -> dict[str, Any]:
    seen = trace.seen()
    return {
        "heart_rate_bpm": estimate.as_dict()["heart_rate_bpm"],
        "snr_db": estimate.as_dict()["snr_db"],
        "quality": round(estimate.quality, 3),
        "spectral_bpm": estimate.as_dict()["spectral_bpm"],
        "frames": len(seen),
        "mean_pixels": round(float(seen.pixels.mean()), 1) if len(seen) else 0.0,
        "reason": estimate.reason,
    }


def _document(estimate: PulseEstimate, regions: dict[str, Any]) -> dict[str, Any]:
    document = estimate.as_dict()
    document["regions"] = regions
    return document


def _bits_per_pixel(path: str) -> float | None:
    from unmask.media import video_info

    info = video_info(path)
    pixels = (
        float(info["width"])
        * float(info["height"])
        * float(info["fps"])
        * float(info["duration_s"])
    )
    return os.path.getsize(path) * 8.0 / pixels if pixels > 0 else None


def _monochrome(path: str) -> bool:
    """Whether the video's first second holds no colour (a greyscale or night-mode camera)."""
    from unmask.liveness.features.colour import is_monochrome
    from unmask.media import read_video

    frames = list(itertools.islice(read_video(path, max_seconds=1.0), 0, None, 10))
    return bool(frames) and all(is_monochrome(frame.image) for frame in frames)


def _recording(bits: float | None, monochrome: bool) -> dict[str, Any]:
    """Bits per pixel and the warnings about the recording itself: compression, no colour."""
    from unmask.liveness.pulse import MONOCHROME_REASON

    document = _compression(bits)
    if monochrome:
        document["warnings"].append(MONOCHROME_REASON)
    return document


def _compression(bits: float | None) -> dict[str, Any]:
    """The video's bits per pixel, and a warning where compression can remove or fake a pulse
    (on simulated H.264 a 0.3 % pulse survived from 0.5 bits per pixel up, see docs/pulse.md)."""
    from unmask.liveness.pulse import MIN_BITS_PER_PIXEL

    warnings = []
    if bits is not None and bits < MIN_BITS_PER_PIXEL:
        warnings.append(
            f"{bits:.3f} bits per pixel is under {MIN_BITS_PER_PIXEL}: compression can remove the pulse "
            "or leave a rhythm of its own"
        )
    return {"bits_per_pixel": round(bits, 4) if bits is not None else None, "warnings": warnings}


Said = tuple[dict[str, Any], list[str]]


def _from_trace(path: str, method: str) -> Said:
    from unmask.pulse import read_rgb_csv

    trace = read_rgb_csv(path)
    estimate = _estimate(trace, method)
    return _document(estimate, {"trace": _region_entry(estimate, trace)}), [
        _describe(path, estimate)
    ]


def _from_full_frame(path: str, method: str, max_seconds: float | None) -> Said:
    from unmask.pulse import FULL_FRAME
    from unmask.pulse.video import full_frame_traces

    trace = full_frame_traces(path, max_seconds=max_seconds)[FULL_FRAME]
    estimate = _estimate(trace, method)
    document = _document(estimate, {FULL_FRAME: _region_entry(estimate, trace)})
    document["roi"] = "full-frame"
    document.update(_recording(_bits_per_pixel(path), _monochrome(path)))
    warnings = [f"  warning: {w}" for w in document["warnings"]]
    return document, [_describe(path, estimate), *warnings]


def _from_faces(path: str, method: str, max_seconds: float | None) -> Said:
    from unmask.liveness.pulse import monochrome_pulse, pulse_cue
    from unmask.pulse import SKIN_REGIONS, estimate_pulse, pooled_trace
    from unmask.pulse.video import face_track_traces

    if method == "auto":
        method = "pos"
    tracks = face_track_traces(path, max_seconds=max_seconds)
    if not tracks:
        raise NoFaceError(
            f"{path}: no face track long enough for a pulse (try --roi full-frame for skin crops)"
        )
    bits = _bits_per_pixel(path)
    grey = _monochrome(path)
    entries: list[dict[str, Any]] = []
    for track in tracks:
        names = tuple(n for n in SKIN_REGIONS if n in track.traces)
        skin = pooled_trace(track.traces, names)
        estimate = estimate_pulse(skin, method) if skin is not None else None
        cue = (
            monochrome_pulse()
            if grey
            else pulse_cue(
                track.traces,
                face_size_px=track.face_size_px,
                bits_per_pixel=bits,
                head=track.head,
            )
        )
        entries.append(
            {
                "track": track.track_id,
                "frames": track.frames,
                "face_size_px": round(track.face_size_px, 1),
                "pulse": estimate.as_dict() if estimate is not None else None,
                "regions": {
                    n: _region_entry(estimate_pulse(t, method), t) for n, t in track.traces.items()
                },
                "liveness": cue.as_dict(),
            }
        )
    main = max(entries, key=lambda e: e["frames"])
    headline = main["pulse"] or {
        "heart_rate_bpm": None,
        "snr_db": None,
        "quality": 0.0,
        "reason": "no skin seen",
    }
    document = dict(headline) | {
        "method": method,
        "regions": main["regions"],
        "roi": "face",
        "track": main["track"],
        "tracks": entries,
        **_recording(bits, grey),
    }
    lines = []
    for entry in entries:
        pulse = entry["pulse"] or {}
        rate = pulse.get("heart_rate_bpm")
        said = f"{rate:.1f} bpm" if rate is not None else _no_pulse(pulse.get("reason"))
        cue = entry["liveness"]
        verdict = (
            f"score {cue['score']:.2f}"
            if cue["score"] is not None
            else f"inconclusive: {cue['reason']}"
        )
        lines.append(
            f"{path}: track {entry['track']} ({entry['frames']} frames): {said}; pulse cue {verdict}"
        )
    return document, lines + [f"  warning: {w}" for w in document["warnings"]]


def _no_pulse(reason: str | None) -> str:
    reason = reason or "unknown reason"
    return reason if reason.startswith("no reliable pulse") else f"no reliable pulse ({reason})"


def _describe(source: str, estimate: PulseEstimate) -> str:
    if estimate.heart_rate_bpm is None:
        return f"{source}: {_no_pulse(estimate.reason)}"
    return (
        f"{source}: {estimate.heart_rate_bpm:.1f} bpm (method {estimate.method}, SNR {estimate.snr_db:.1f} dB, "
        f"quality {estimate.quality:.2f})"
    )


def run(args: argparse.Namespace) -> Outcome:
    if bool(args.videos) == bool(args.rgb_trace):
        raise InputError("give either VIDEO... or --rgb-trace CSV (exactly one)")
    texts: list[str] = []

    def measure(path: str) -> dict[str, Any]:
        if args.rgb_trace:
            document, lines = _from_trace(path, args.method or "auto")
        else:
            method = args.method or "pos"
            if not Path(path).is_file():
                raise MediaNotFoundError(f"{path}: no such file")
            note(f"measuring the pulse in {path}", enabled=not args.json)
            extract = _from_full_frame if args.roi == "full-frame" else _from_faces
            document, lines = extract(path, method, args.max_seconds)
        texts.extend(lines)
        return document

    batch = run_batch(
        [args.rgb_trace] if args.rgb_trace else args.videos, measure, progress=not args.json
    )
    return Outcome(
        document={"results": batch.entries},
        text=lambda: "\n".join(texts + error_lines(batch.entries)),
        exit_code=batch.exit_code,
    )
