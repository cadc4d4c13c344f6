"""`pad train` on a tiny rendered lab protocol: splits respected, model written and reloaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import InputError
from unmask.evaluation.protocols.base import read_protocol_csv
from unmask.lab import generate
from unmask.liveness import training
from unmask.liveness.model import PadModel
from unmask.liveness.training import Observed, assign_splits, cross_fitted_surface


@pytest.fixture(scope="module")
def tiny_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lab")
    return generate(
        out,
        species=("bona_fide", "print", "mask_rigid"),
        clips=3,
        seconds=2.5,
        size=(256, 192),
        channels=("rgb", "thermal"),
        seed=3,
    )


def test_declared_test_rows_are_held_out(tiny_lab: Path) -> None:
    protocol = read_protocol_csv(tiny_lab)
    splits = assign_splits(protocol.entries, seed=0)
    assert {e.split for e in protocol.entries} == {"train", "dev", "test"}
    assert all(
        s == "held out" for e, s in zip(protocol.entries, splits, strict=True) if e.split == "test"
    )


def test_train_writes_a_loadable_model_with_provenance(
    tiny_lab: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "model"
    code = main(
        ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1", "--json"]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sum(document["train"].values()) == 3 and sum(document["dev"].values()) == 3
    model = PadModel.load(out)
    assert model.surface is not None
    assert model.provenance["data"][0]["presentations"] == 9
    assert model.provenance["seed"] == 0
    thresholds = [model.fusion.levels[n].threshold for n in ("low", "medium", "high", "maximum")]
    assert thresholds == sorted(thresholds)
    assert not model.fusion.levels["high"].resolvable


def test_train_refuses_data_without_both_classes(tmp_path: Path, capsys) -> None:
    (tmp_path / "only" / "print").mkdir(parents=True)
    assert (
        main(["pad", "train", "--folders", str(tmp_path / "only"), "--out", str(tmp_path / "m")])
        != 0
    )
    assert "unmask: error:" in capsys.readouterr().err


def test_train_without_surface_leaves_texture_out(tiny_lab: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "model"
    args = ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1"]
    code = main([*args, "--without-surface", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["surface_crops"] == 0
    assert document["train"] == {} and sum(document["dev"].values()) == 6
    model = PadModel.load(out)
    assert model.surface is None
    assert model.provenance["surface_classifier"] is False
    assert "surface" not in model.fusion.calibration
    assert "thermal" in model.fusion.calibration
    assert set(model.fusion.channel_levels) == set(model.fusion.levels)


def test_train_without_a_cue_never_weighs_it(tiny_lab: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "model"
    args = ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1"]
    assert main([*args, "--without-surface", "--without", "thermal"]) == 0
    capsys.readouterr()
    model = PadModel.load(out)
    assert model.surface is None and model.provenance["surface_classifier"] is False
    assert model.provenance["cues_left_out"] == ["thermal"]
    assert "thermal" not in model.fusion.calibration and "thermal" not in model.fusion.weights
    assert "thermal" not in model.fusion.cues


def test_train_without_an_unknown_cue_names_it_before_reading_anything(
    tmp_path: Path, capsys
) -> None:
    site = tmp_path / "site"
    for label in ("bona_fide", "print"):
        (site / label).mkdir(parents=True)
        (site / label / "face.png").write_bytes(b"\x89PNG\r\n\x1a\n not read before the check")
    args = ["pad", "train", "--folders", str(site), "--out", str(tmp_path / "m")]
    code = main([*args, "--without", "recapture,pluse"])
    err = capsys.readouterr().err
    assert code == 2 and "no cue named pluse" in err and "pulse" in err
    assert not (tmp_path / "m").exists()


def test_folder_layout_with_an_unknown_label_exits_12_naming_it(tmp_path: Path, capsys) -> None:
    (tmp_path / "site" / "bona_fide").mkdir(parents=True)
    (tmp_path / "site" / "prnt").mkdir()
    code = main(["pad", "train", "--folders", str(tmp_path / "site"), "--out", str(tmp_path / "m")])
    assert code == 12
    assert "'prnt'" in capsys.readouterr().err


def undeclared_copy(tiny_lab: Path, folder: Path) -> Path:
    """The lab protocol as a site's would be: no declared splits, three people."""
    rows = (tiny_lab).read_text().splitlines()
    header = rows[0].split(",")
    split = header.index("split")
    subject = header.index("subject")
    site = folder / "protocol.csv"
    lines = [",".join(header)]
    for number, row in enumerate(rows[1:]):
        cells = row.split(",")
        cells[split], cells[subject] = "", f"person{number % 3}"
        lines.append(",".join(cells))
    site.write_text("\n".join(lines) + "\n")
    (folder / "metadata.json").write_text((tiny_lab.parent / "metadata.json").read_text())
    for clip in tiny_lab.parent.iterdir():
        if clip.suffix != ".csv" and clip.name != "metadata.json":
            (folder / clip.name).symlink_to(clip)
    return site


def train_site(
    tiny_lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[dict, Path]:
    """`pad train` on the site copy with person2 held out: its JSON summary and model folder."""
    site = undeclared_copy(tiny_lab, tmp_path)
    out = tmp_path / "model"
    args = ["pad", "train", "--protocol", str(site), "--out", str(out), "--workers", "1"]
    code = main([*args, *flags, "--test-subjects", "person2", "--json"])
    assert code == 0
    return json.loads(capsys.readouterr().out), out


def test_training_holds_named_subjects_out_and_reports_on_them(
    tiny_lab: Path, tmp_path: Path, capsys
) -> None:
    document, out = train_site(tiny_lab, tmp_path, capsys, "--without-surface")
    held = document["held_out"]
    assert held["presentations"] == 3  # one clip of person2 per label
    assert sum(document["dev"].values()) == 6
    scores = (out / "held-out" / "scores.csv").read_text().splitlines()
    assert scores[0].startswith("path,label,score") and len(scores) == 4


def test_extra_models_are_calibrated_recorded_and_checked(
    tiny_lab: Path, tmp_path: Path, capsys
) -> None:
    from tests.unit.test_extra_model import channel_means_model, sidecar

    # Output 0 after a softmax over the channel means is the face crop's share of red: a weak
    # but real signal on the lab (skin against print and mask colour) with or without the
    # shared faces. The raw red mean is not: once the lab camera meters the face, it no longer
    # rises with bona fide, and calibration rightly drops a cue with no positive slope.
    extra = channel_means_model(tmp_path / "means.onnx")
    sidecar(extra, name="means", softmax=True)
    out = tmp_path / "model"
    args = ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1"]
    assert main([*args, "--without-surface", "--extra-model", str(extra)]) == 0
    model = PadModel.load(out)
    assert [e["name"] for e in model.extra_models] == ["means"]
    assert "extra:means" in model.fusion.calibration
    clip = str(read_protocol_csv(tiny_lab).entries[0].path)
    capsys.readouterr()
    code = main(["liveness", clip, "--model", str(out), "--extra-model", str(extra), "--json"])
    assert code == 0
    assert "extra:means" in json.loads(capsys.readouterr().out)["results"][0]["cues"]
    (tmp_path / "other").mkdir()
    other = channel_means_model(tmp_path / "other" / "means.onnx", layout="NHWC")
    sidecar(other, name="means", layout="NHWC")
    assert main(["liveness", clip, "--model", str(out), "--extra-model", str(other)]) == 11
    assert "sha256 differs" in capsys.readouterr().err


def test_without_declared_splits_every_person_trains_surface_and_calibrates(
    tiny_lab: Path, tmp_path: Path, capsys
) -> None:
    document, out = train_site(tiny_lab, tmp_path, capsys)
    assert document["train"] == document["dev"] and sum(document["dev"].values()) == 6
    model = PadModel.load(out)
    assert model.provenance["surface_cross_fit_folds"] == 2
    assert model.surface is not None and model.surface.provenance_["crops"] > 0
    assert main(["pad", "levels", "--model", str(out)]) == 0
    assert "surface scores from 2 folds of people" in capsys.readouterr().out


def textured(rng: np.random.Generator, attack: bool) -> np.ndarray:
    """A 96 px crop: smooth noise for a face, the same under a fine grid for a print."""
    image = rng.normal(128, 20, (96, 96, 3)).clip(0, 255)
    if attack:
        image[::3, :, :] *= 0.6
    return image.astype(np.uint8)


def observed_people(people: int, per_label: int = 2) -> list[Observed]:
    rng = np.random.default_rng(0)
    return [
        Observed(
            f"{person}-{label}-{n}.png",
            label,
            "",
            f"person{person}",
            crops=((textured(rng, label == "print"), 96.0),),
        )
        for person in range(people)
        for label in ("bona_fide", "print")
        for n in range(per_label)
    ]


def test_cross_fitting_scores_each_person_with_a_classifier_that_never_saw_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = observed_people(7)
    fitted_on: dict[int, set[str]] = {}
    scored_by: dict[str, int] = {}
    fit, score = training.fitted_surface, training.with_surface

    kept = []  # held, so no model's id is reused by a later one

    def recording_fit(chosen, features, c, provenance):  # type: ignore[no-untyped-def]
        model = fit(chosen, features, c, provenance)
        kept.append(model)
        fitted_on[id(model)] = {o.subject for o in chosen}
        return model

    def recording_score(item, model):  # type: ignore[no-untyped-def]
        scored_by[item.path] = id(model)
        return score(item, model)

    monkeypatch.setattr(training, "fitted_surface", recording_fit)
    monkeypatch.setattr(training, "with_surface", recording_score)
    final, cues, folds = cross_fitted_surface(items, c=0.1, seed=0, provenance=[])
    assert folds == training.SURFACE_FOLDS  # seven people, five folds
    assert fitted_on[id(final)] == {f"person{p}" for p in range(7)}
    for item, item_cues in zip(items, cues, strict=True):
        assert item.subject not in fitted_on[scored_by[item.path]]
        assert item_cues["surface"].score is not None
    bona_fide = [
        c["surface"].score for o, c in zip(items, cues, strict=True) if o.label == "bona_fide"
    ]
    prints = [c["surface"].score for o, c in zip(items, cues, strict=True) if o.label == "print"]
    assert min(bona_fide) > max(prints)  # the grid is learned from the other people


def test_cross_fitting_needs_two_people() -> None:
    with pytest.raises(InputError, match="at least two people"):
        cross_fitted_surface(observed_people(1), c=0.1, seed=0, provenance=[])
