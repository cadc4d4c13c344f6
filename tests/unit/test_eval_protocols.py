"""Protocol CSV and dataset readers, each on a tiny fake tree in the dataset's layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unmask.errors import MediaNotFoundError, ProtocolError
from unmask.evaluation import read_protocol, read_protocol_csv, write_protocol_csv
from unmask.evaluation.protocols import Protocol


def _touch(root: Path, *relative: str) -> None:
    for name in relative:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def _by_name(protocol: Protocol) -> dict[str, tuple[str, str | None, str | None, str]]:
    return {e.path.name: (e.label, e.subject, e.target, e.split) for e in protocol}


def test_generic_csv_round_trip_with_relative_paths_and_extra(tmp_path: Path) -> None:
    source = tmp_path / "data" / "protocol.csv"
    source.parent.mkdir()
    source.write_text(
        "path,label,subject,target,split,light\n"
        "v/a.mp4,bona_fide,s1,,dev,dim\n"
        "v/b.mp4,Mask_Silicone,s2,s1,test,bright\n"
    )
    protocol = read_protocol_csv(source)
    assert [e.path for e in protocol] == [source.parent / "v/a.mp4", source.parent / "v/b.mp4"]
    assert protocol.entries[1].label == "mask_silicone"
    assert protocol.entries[1].extra == {"light": "bright"}
    assert len(protocol.split("test")) == 1
    copy = write_protocol_csv(protocol, tmp_path / "elsewhere" / "copy.csv")
    assert "../data/v/a.mp4" in copy.read_text()
    assert read_protocol(copy).entries == protocol.entries


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("label\nbona_fide\n", "missing column 'path'"),
        ("path,label\na.jpg,bona_fide\n,print\n", ":3: empty path"),
        ("path,label,split\na.jpg,bona_fide,validation\n", ":2: split 'validation'"),
        ("path,label\na.jpg,???\n", ":2: label"),
    ],
)
def test_generic_csv_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(content)
    with pytest.raises(ProtocolError, match=message):
        read_protocol_csv(path)


def test_check_files_reports_missing_media(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("path,label\nmissing.jpg,bona_fide\n")
    with pytest.raises(ProtocolError, match=r":2: missing\.jpg does not exist"):
        read_protocol_csv(path, check_files=True)


def test_registry_errors(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="unknown protocol"):
        read_protocol("no-such-dataset", tmp_path)
    with pytest.raises(ProtocolError, match="needs the dataset's root"):
        read_protocol("oulu-npu")
    with pytest.raises(MediaNotFoundError):
        read_protocol("oulu-npu", tmp_path / "absent")
    with pytest.raises(ProtocolError, match="nothing recognised"):
        read_protocol("oulu-npu", tmp_path)


def test_nuaa_silent_face_siw_orl(tmp_path: Path) -> None:
    _touch(tmp_path / "nuaa", "bona_fide/0001/a.jpg", "print/0001/b.jpg", "print/0002/c.jpg")
    nuaa = _by_name(read_protocol("pad/nuaa", tmp_path / "nuaa"))
    assert nuaa == {
        "a.jpg": ("bona_fide", "0001", None, ""),
        "b.jpg": ("print", "0001", None, ""),
        "c.jpg": ("print", "0002", None, ""),
    }
    _touch(tmp_path / "sf", "image_T1.jpg", "image_F1.jpg", "image_F2.jpg", "notes.txt")
    labels = {k: v[0] for k, v in _by_name(read_protocol("silent-face", tmp_path / "sf")).items()}
    assert labels == {
        "image_T1.jpg": "bona_fide",
        "image_F1.jpg": "print",
        "image_F2.jpg": "replay",
    }
    _touch(tmp_path / "siw", "live/1.png", "live/1.npy", "spoof/1.png")
    siw = read_protocol("siw-mv2-demo", tmp_path / "siw")
    assert sorted(e.label for e in siw) == ["bona_fide", "other"]
    _touch(tmp_path / "orl", "s1/1.pgm", "s2/1.pgm", "README")
    assert {e.subject for e in read_protocol("orl", tmp_path / "orl")} == {"s1", "s2"}


def test_deepface_pairs_recover_identities(tmp_path: Path) -> None:
    folder = tmp_path / "deepface"
    folder.mkdir()
    (folder / "face-recognition-pivot.csv").write_text(
        "file_x,file_y,decision,VGG-Face_cosine\n"
        "deepface/tests/dataset/img1.jpg,deepface/tests/dataset/img2.jpg,Yes,0.1\n"
        "deepface/tests/dataset/img2.jpg,deepface/tests/dataset/img3.jpg,Yes,0.2\n"
        "deepface/tests/dataset/img1.jpg,deepface/tests/dataset/img4.jpg,No,0.7\n"
    )
    entries = list(read_protocol("faces/deepface", folder))
    assert entries[0].subject == entries[0].target == entries[1].target  # img1 ~ img2 ~ img3
    assert entries[2].subject != entries[2].target
    assert entries[2].extra == {"reference": "img4.jpg", "decision": "No"}


def test_deepface_contradiction_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "face-recognition-pivot.csv").write_text(
        "file_x,file_y,decision\na.jpg,b.jpg,Yes\na.jpg,b.jpg,No\n"
    )
    with pytest.raises(ProtocolError, match="marked different"):
        read_protocol("deepface", tmp_path)


def test_replay_attack_layout(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "train/real/client001_session01_webcam_authenticate_adverse_1.mov",
        "devel/attack/fixed/attack_print_client002_session01_highdef_photo_adverse.mov",
        "test/attack/hand/attack_mobile_client003_session01_mobile_video_controlled.mov",
        "test/attack/hand/attack_highdef_client003_session01_highdef_photo_controlled.mov",
        "enroll/train/client001_session01_enroll_controlled_1.mov",
    )
    p = _by_name(read_protocol("replay-attack", tmp_path))
    assert p["client001_session01_webcam_authenticate_adverse_1.mov"] == (
        "bona_fide",
        "001",
        None,
        "train",
    )
    assert p["attack_print_client002_session01_highdef_photo_adverse.mov"] == (
        "print",
        "002",
        "002",
        "dev",
    )
    assert p["attack_mobile_client003_session01_mobile_video_controlled.mov"][0] == "replay"
    assert p["attack_highdef_client003_session01_highdef_photo_controlled.mov"][0] == "replay"
    assert p["client001_session01_enroll_controlled_1.mov"][3] == "enroll"


def test_oulu_npu_layout(tmp_path: Path) -> None:
    _touch(tmp_path, "Train_files/1_1_01_1.avi", "Dev_files/2_3_21_3.avi", "Test_files/6_2_36_5.avi",
           "Test_files/6_2_36_5.txt")  # fmt: skip
    p = _by_name(read_protocol("oulu-npu", tmp_path))
    assert p == {
        "1_1_01_1.avi": ("bona_fide", "01", None, "train"),
        "2_3_21_3.avi": ("print", "21", "21", "dev"),
        "6_2_36_5.avi": ("replay", "36", "36", "test"),
    }


def test_siw_m_layout(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "Live/Train/Live_1.mov",
        "Live/Test/Live_9.mov",
        "Mask/SiliconeMask/Silicone_1.mov",
        "Mask/PaperMask/Paper_1.mov",
        "Mask/MannequinHead/Man_1.mov",
        "Makeup/Impersonation/Im_1.mov",
        "Partial/PaperCut/Cut_1.mov",
        "Paper/Paper_1.mov",
        "Replay/Replay_1.mov",
    )
    entries = read_protocol("siw-m", tmp_path).entries
    by_type = {e.extra["attack_type"]: (e.label, e.split) for e in entries}
    assert by_type["Mask/SiliconeMask"] == ("mask_silicone", "")
    assert by_type["Mask/PaperMask"][0] == "mask_paper"
    assert by_type["Mask/MannequinHead"][0] == "mask_rigid"
    assert by_type["Makeup/Impersonation"][0] == "makeup"
    assert by_type["Partial/PaperCut"][0] == "partial"
    assert by_type["Paper"][0] == "print"
    assert by_type["Replay"][0] == "replay"
    assert sorted(e.split for e in entries if e.label == "bona_fide") == ["test", "train"]


def test_celeba_spoof_layout_with_and_without_labels(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "Data/train/4980/live/1.jpg",
        "Data/train/4980/spoof/2.png",
        "Data/test/77/spoof/3.png",
    )
    without = _by_name(read_protocol("celeba-spoof", tmp_path))
    assert without["2.png"][0] == "other"
    labels = tmp_path / "metas" / "intra_test"
    labels.mkdir(parents=True)
    row = [0] * 44
    (labels / "train_label.json").write_text(
        json.dumps({"Data/train/4980/spoof/2.png": [*row[:40], 8, 0, 0, 1]})
    )
    (labels / "test_label.json").write_text(
        json.dumps({"Data/test/77/spoof/3.png": [*row[:40], 10, 0, 0, 1]})
    )
    p = _by_name(read_protocol("celeba-spoof", tmp_path))
    assert p["1.jpg"] == ("bona_fide", "4980", None, "train")
    assert p["2.png"] == ("replay", "4980", "4980", "train")
    assert p["3.png"] == ("mask_rigid", "77", "77", "test")


def test_3dmad_layout(tmp_path: Path) -> None:
    _touch(
        tmp_path, "session01/Data/01_01_01.hdf5", "session03/Data/01_03_05.hdf5", "x/readme.hdf5"
    )
    p = _by_name(read_protocol("3dmad", tmp_path))
    assert p == {
        "01_01_01.hdf5": ("bona_fide", "01", None, ""),
        "01_03_05.hdf5": ("mask_rigid", "01", "01", ""),
    }


def test_hkbu_mars_layout(tmp_path: Path) -> None:
    _touch(tmp_path, "real/01_01.avi", "mask/realf/07_02.avi", "other/03.avi")
    p = _by_name(read_protocol("hkbu-mars", tmp_path))
    assert p == {
        "01_01.avi": ("bona_fide", "01", None, ""),
        "07_02.avi": ("mask_rigid", "07", "07", ""),
    }


def test_wmca_layout(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "face-station/035_01_000_0_00.hdf5",
        "face-station/530_03_001_2_18.hdf5",
        "face-station/018_02_000_3_10.hdf5",
        "face-station/101_01_007_6_40.hdf5",
    )
    p = _by_name(read_protocol("wmca", tmp_path))
    assert p["035_01_000_0_00.hdf5"] == ("bona_fide", "035", None, "")
    assert p["530_03_001_2_18.hdf5"] == ("mask_rigid", "001", "530", "")  # fake head
    assert p["018_02_000_3_10.hdf5"] == ("print", None, "018", "")  # on a stand
    assert p["101_01_007_6_40.hdf5"] == ("mask_silicone", "007", "101", "")


def test_lab_output_folder(tmp_path: Path) -> None:
    """The attack lab writes the generic CSV (fixed columns first, then its render parameters)."""
    _touch(tmp_path, "bona_fide/b.mp4", "mask_silicone/m.mp4")
    (tmp_path / "protocol.csv").write_text(
        "path,label,subject,target,split,simulated,seed,hr_bpm\n"
        "bona_fide/b.mp4,bona_fide,grace,grace,train,1,7,61.5\n"
        "mask_silicone/m.mp4,mask_silicone,eileen,grace,test,1,8,\n"
    )
    protocol = read_protocol("lab", tmp_path)
    assert [e.label for e in protocol] == ["bona_fide", "mask_silicone"]
    assert protocol.entries[1].target == "grace"
    assert protocol.entries[0].extra == {"simulated": "1", "seed": "7", "hr_bpm": "61.5"}
