"""`liveness`, `pad` and the liveness veto in `verify`/`identify`, with the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask.cli.main import main
from unmask.errors import ModelError, NoFaceError
from unmask.liveness.model import default_model


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_liveness_json_contract_on_a_still(capsys, portrait_files) -> None:
    code, listing = run_json(capsys, "liveness", str(portrait_files["eileen_collins"]))
    assert code == 0
    (document,) = listing["results"]
    assert document["file"] == str(portrait_files["eileen_collins"]) and listing["model"]
    assert document["decision"] in ("bona_fide", "attack", "inconclusive")
    assert set(document) >= {
        "decision",
        "score",
        "species",
        "level",
        "cues",
        "seconds_used",
        "tracks",
    }
    assert set(document["cues"]) >= {"pulse", "motion", "eyes", "surface"}
    assert document["cues"]["pulse"]["score"] is None
    assert document["level"] == "medium"
    assert (
        len(document["tracks"]) == 1 and document["tracks"][0]["decision"] == document["decision"]
    )
    assert document["model_identity"] == default_model().identity
    assert listing["model"]["identity"] == default_model().identity


def test_stills_never_pass_level_high_so_verify_refuses(
    capsys, portrait_files, tmp_path: Path
) -> None:
    db = str(tmp_path / "g.sqlite")
    eileen = str(portrait_files["eileen_collins"])
    assert main(["enroll", "--db", db, "--id", "eileen", eileen]) == 0
    capsys.readouterr()
    code, plain = run_json(capsys, "verify", "--db", db, "--id", "eileen", eileen)
    assert plain["results"][0]["match"] is True
    code, listing = run_json(
        capsys, "verify", "--db", db, "--id", "eileen", eileen, "--liveness", "high"
    )
    assert code == 0
    (guarded,) = listing["results"]
    assert guarded["distance_match"] is True and guarded["match"] is False
    assert guarded["match_refused"].startswith("liveness:")
    assert guarded["liveness"]["decision"] in ("attack", "inconclusive")
    code, listed = run_json(capsys, "identify", "--db", db, eileen, "--liveness", "high")
    face = listed["results"][0]["faces"][0]
    assert face["match_refused"] and not any(c["match"] for c in face["candidates"])


def test_liveness_bad_inputs(capsys, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((100, 100, 3), 128, dtype=np.uint8)).save(blank)
    assert main(["liveness", str(blank)]) == NoFaceError.exit_code
    assert (
        main(["liveness", str(blank), "--model", str(tmp_path / "nowhere")]) == ModelError.exit_code
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("unmask: error: ") for line in err)


def test_pad_levels_says_a_video_needs_a_temporal_cue_at_every_level(capsys) -> None:
    assert main(["pad", "levels"]) == 0
    text = capsys.readouterr().out
    video = text.split("colour camera, still image:")[0]
    still = text.split("colour camera, still image:")[1].split("with every extra camera")[0]
    assert "| low |" in video and "| low |" in still
    for level in ("low", "medium"):
        assert next(r for r in video.splitlines() if r.startswith(f"| {level} |")).endswith(
            "| >= 1 cues incl. pulse, motion |"
        )
        assert next(r for r in still.splitlines() if r.startswith(f"| {level} |")).endswith(
            "| >= 1 cues |"
        )


def test_pad_levels_says_which_cues_each_species_fools(capsys) -> None:
    code, document = run_json(capsys, "pad", "levels")
    assert code == 0
    assert "motion" in document["blind_spots"]["replay"]
    assert "motion" not in document["blind_spots"]["mask_rigid"]
    assert main(["pad", "levels"]) == 0
    text = capsys.readouterr().out
    assert "not counted against a species" in text
    assert f"  replay: {', '.join(document['blind_spots']['replay'])}" in text


def test_pad_levels_lists_every_level(capsys) -> None:
    code, document = run_json(capsys, "pad", "levels")
    assert code == 0
    assert list(document["levels"]) == ["low", "medium", "high", "maximum"]
    thresholds = [document["levels"][n]["threshold"] for n in ("low", "medium", "high", "maximum")]
    assert thresholds == sorted(thresholds)
    assert document["provenance"]["data"]
