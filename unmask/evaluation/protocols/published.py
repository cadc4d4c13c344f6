"""Readers for the published layouts of licensed PAD datasets (as their owners distribute them).

The real data needs signed agreements, so each reader is tested on a tiny fake tree in the
documented layout. Each maps the dataset's own attack types onto unmask's PAI species; the
original type is kept in `extra["attack_type"]` so nothing is lost by the mapping.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.evaluation.protocols.walk import media_files, nonempty, require_dir
from unmask.species import BONA_FIDE

_SPLIT_NAMES = {
    "train": "train",
    "train_files": "train",
    "devel": "dev",
    "dev": "dev",
    "dev_files": "dev",
    "test": "test",
    "test_files": "test",
}


def _split_of(path: Path, root: Path) -> str:
    for part in path.relative_to(root).parts[:-1]:
        split = _SPLIT_NAMES.get(part.lower())
        if split:
            return split
    return ""


def read_replay_attack(root: str | Path) -> Protocol:
    """Idiap Replay-Attack: `{train,devel,test}/real/client<NNN>_session<NN>_...mov` and
    `{train,devel,test}/attack/{fixed,hand}/attack_{print,mobile,highdef}_client<NNN>_...mov`.

    `print` is a printed photo; `mobile`/`highdef` show a photo or video on a screen (replay).
    The `enroll/` folder (enrolment videos) is read with split "enroll".
    """
    folder = require_dir(root, "replay-attack")
    entries = []
    for path in media_files(folder):
        relative = path.relative_to(folder).parts
        client = re.search(r"client(\d+)", path.name)
        if client is None:
            continue
        subject = client.group(1)
        if "enroll" in relative:
            entries.append(ProtocolEntry(path, BONA_FIDE, subject, split="enroll"))
            continue
        split = _split_of(path, folder)
        attack = re.match(r"attack_(print|mobile|highdef)_", path.name)
        if "real" in relative:
            entries.append(ProtocolEntry(path, BONA_FIDE, subject, split=split))
        elif attack:
            support = "hand" if "hand" in relative else "fixed" if "fixed" in relative else ""
            medium = "video" if "_video_" in path.name else "photo"
            species = "print" if attack.group(1) == "print" else "replay"
            entries.append(
                ProtocolEntry(
                    path,
                    species,
                    subject,
                    target=subject,
                    split=split,
                    extra={
                        "attack_type": f"{attack.group(1)}_{medium}",
                        "support": support,
                    },
                )
            )
    nonempty(
        entries, "replay-attack", folder, "{train,devel,test}/{real,attack/{fixed,hand}}/*.mov"
    )
    return Protocol("replay-attack", folder, tuple(entries))


_OULU_FILES = {1: BONA_FIDE, 2: "print", 3: "print", 4: "replay", 5: "replay"}


def read_oulu_npu(root: str | Path) -> Protocol:
    """OULU-NPU: `{Train,Dev,Test}_files/<phone>_<session>_<user>_<file>.avi`.

    File 1 is bona fide, 2-3 print (two printers), 4-5 replay (two displays). The official
    protocols 1-4 are subsets of these files; filter on `extra` (phone, session, device).
    """
    folder = require_dir(root, "oulu-npu")
    entries = []
    for path in media_files(folder, frozenset({".avi", ".mp4", ".mov"})):
        match = re.fullmatch(r"(\d)_(\d)_(\d+)_(\d)", path.stem)
        if not match or int(match.group(4)) not in _OULU_FILES:
            continue
        phone, session, user, kind = match.groups()
        label = _OULU_FILES[int(kind)]
        entries.append(
            ProtocolEntry(
                path,
                label,
                subject=user,
                target=None if label == BONA_FIDE else user,
                split=_split_of(path, folder),
                extra={"phone": phone, "session": session, "attack_type": kind},
            )
        )
    nonempty(entries, "oulu-npu", folder, "{Train,Dev,Test}_files/P_S_UU_F.avi")
    return Protocol("oulu-npu", folder, tuple(entries))


_SIWM = {
    "live": BONA_FIDE,
    "paper": "print",
    "replay": "replay",
    "makeup/cosmetic": "makeup",
    "makeup/impersonation": "makeup",
    "makeup/obfuscation": "makeup",
    "mask/halfmask": "mask_rigid",
    "mask/mannequinhead": "mask_rigid",
    "mask/transparentmask": "mask_rigid",
    "mask/papermask": "mask_paper",
    "mask/siliconemask": "mask_silicone",
    "partial/funnyeyeglasses": "partial",
    "partial/paperglasses": "partial",
    "partial/papercut": "partial",
}


def read_siw_m(root: str | Path) -> Protocol:
    """SiW-M: `Live/{Train,Test}/*.mov` and one folder per spoof type, e.g.
    `Mask/SiliconeMask/*.mov`, `Makeup/Impersonation/*.mov`, `Paper/*.mov`, `Replay/*.mov`.

    The unseen-attack protocols leave one spoof type out; `extra["attack_type"]` names it.
    """
    folder = require_dir(root, "siw-m")
    entries = []
    for path in media_files(folder, frozenset({".mov", ".mp4", ".avi"})):
        folders = path.relative_to(folder).parts[:-1]
        parts = [part.lower() for part in folders]
        for depth in (2, 1):
            key = "/".join(parts[:depth])
            if len(parts) >= depth and key in _SIWM:
                label = _SIWM[key]
                split = parts[1] if label == BONA_FIDE and len(parts) > 1 else ""
                entries.append(
                    ProtocolEntry(
                        path,
                        label,
                        split=_SPLIT_NAMES.get(split, ""),
                        extra={"attack_type": "/".join(folders[:depth])},
                    )
                )
                break
    nonempty(entries, "siw-m", folder, "Live/{Train,Test}/*.mov and <Type>/<Subtype>/*.mov")
    return Protocol("siw-m", folder, tuple(entries))


# CelebA-Spoof label index 40: spoof type (0 live, 1 photo, 2 poster, 3 A4, 4 face mask,
# 5 upper-body mask, 6 region mask, 7 PC, 8 pad, 9 phone, 10 3D mask).
_CELEBA_TYPES = {
    0: (BONA_FIDE, "live"),
    1: ("print", "photo"),
    2: ("print", "poster"),
    3: ("print", "a4"),
    4: ("mask_paper", "face_mask"),
    5: ("mask_paper", "upper_body_mask"),
    6: ("partial", "region_mask"),
    7: ("replay", "pc"),
    8: ("replay", "pad"),
    9: ("replay", "phone"),
    10: ("mask_rigid", "3d_mask"),
}
_CELEBA_SPOOF_TYPE_INDEX = 40


def read_celeba_spoof(root: str | Path) -> Protocol:
    """CelebA-Spoof: `Data/{train,test}/<subject>/{live,spoof}/<n>.{jpg,png}`.

    The spoof type comes from `metas/intra_test/{train,test}_label.json` (path -> 44 labels,
    index 40 = spoof type) when present; without it spoof images are species "other".
    """
    folder = require_dir(root, "celeba-spoof")
    types: dict[str, int] = {}
    for name in ("train_label.json", "test_label.json"):
        labels_file = folder / "metas" / "intra_test" / name
        if labels_file.is_file():
            for key, values in json.loads(labels_file.read_text(encoding="utf-8")).items():
                types[key.replace("\\", "/")] = int(values[_CELEBA_SPOOF_TYPE_INDEX])
    entries = []
    for path in media_files(folder, frozenset({".jpg", ".jpeg", ".png"})):
        parts = path.relative_to(folder).parts
        if len(parts) < 4 or parts[-2] not in ("live", "spoof"):
            continue
        key = path.relative_to(folder).as_posix()
        if parts[-2] == "live":
            label, kind = BONA_FIDE, "live"
        elif key in types:
            label, kind = _CELEBA_TYPES.get(types[key], ("other", str(types[key])))
        else:
            label, kind = "other", "unknown"
        entries.append(
            ProtocolEntry(
                path,
                label,
                subject=parts[-3],
                target=None if label == BONA_FIDE else parts[-3],
                split=_split_of(path, folder),
                extra={"attack_type": kind},
            )
        )
    nonempty(entries, "celeba-spoof", folder, "Data/{train,test}/<id>/{live,spoof}/*.jpg")
    return Protocol("celeba-spoof", folder, tuple(entries))


def read_3dmad(root: str | Path) -> Protocol:
    """Idiap 3DMAD: `<subject>_<session>_<shot>.hdf5` (any folder depth, e.g. `session01/Data/`).

    Sessions 1 and 2 are the subject's own face; session 3 is an attacker wearing a rigid mask
    of that subject (ThatsMyFace), so its species is mask_rigid and its target the subject.
    """
    folder = require_dir(root, "3dmad")
    entries = []
    for path in media_files(folder, frozenset({".hdf5", ".h5", ".avi", ".mp4"})):
        match = re.fullmatch(r"(\d{2})_(\d{2})_(\d{2})", path.stem)
        if not match:
            continue
        subject, session, shot = match.groups()
        attack = int(session) == 3
        entries.append(
            ProtocolEntry(
                path,
                "mask_rigid" if attack else BONA_FIDE,
                subject=subject,
                target=subject if attack else None,
                extra={"session": session, "shot": shot},
            )
        )
    nonempty(entries, "3dmad", folder, "NN_SS_VV.hdf5 files (session 03 = mask)")
    return Protocol("3dmad", folder, tuple(entries))


def read_hkbu_mars(root: str | Path) -> Protocol:
    """HKBU-MARs (V1/V2): videos under a `real`/`genuine` folder are bona fide, under `mask`,
    `attack` or `fake` they are mask attacks; the subject is the two-digit prefix of the name.

    Both mask makers in the set (ThatsMyFace, REAL-f) make rigid masks, hence mask_rigid; a
    folder named after the maker (`realf`, `tmf`) is kept in `extra["attack_type"]`.
    """
    folder = require_dir(root, "hkbu-mars")
    entries = []
    for path in media_files(folder, frozenset({".avi", ".mp4", ".mov", ".jpg", ".png"})):
        parts = [part.lower() for part in path.relative_to(folder).parts[:-1]]
        if any(part in ("real", "genuine", "live") for part in parts):
            label = BONA_FIDE
        elif any(part in ("mask", "attack", "fake", "spoof") for part in parts):
            label = "mask_rigid"
        else:
            continue
        subject_match = re.match(r"(\d+)", path.stem)
        subject = subject_match.group(1) if subject_match else None
        maker = next((p for p in parts if p in ("realf", "real-f", "tmf", "thatsmyface")), "")
        entries.append(
            ProtocolEntry(
                path,
                label,
                subject=subject,
                target=subject if label != BONA_FIDE else None,
                extra={"attack_type": maker},
            )
        )
    nonempty(entries, "hkbu-mars", folder, "real/ and mask/ folders of NN_*.avi videos")
    return Protocol("hkbu-mars", folder, tuple(entries))


# WMCA / BATL file names: <client>_<session>_<presenter>_<type>_<pai>.hdf5; type 0 is bona fide,
# the attack types follow the WMCA categories.
_WMCA_TYPES = {
    0: (BONA_FIDE, "bonafide"),
    1: ("partial", "glasses"),
    2: ("mask_rigid", "fake_head"),
    3: ("print", "print"),
    4: ("replay", "replay"),
    5: ("mask_rigid", "rigid_mask"),
    6: ("mask_silicone", "flexible_mask"),
    7: ("mask_paper", "paper_mask"),
}


def read_wmca(root: str | Path) -> Protocol:
    """Idiap WMCA: `<client>_<session>_<presenter>_<type>_<pai>.hdf5` (BATL naming).

    `client` is the identity presented (for a mask, whose face it copies), `presenter` the
    person wearing or holding the attack (000 = bona fide or on a stand). Bona fide rows get the
    client as subject; attacks get the presenter (or none) as subject and the client as target.
    """
    folder = require_dir(root, "wmca")
    entries = []
    for path in media_files(folder, frozenset({".hdf5", ".h5"})):
        match = re.fullmatch(r"(\d+)_(\d+)_(\d+)_(\d)_(\d+)", path.stem)
        if not match:
            continue
        client, session, presenter, type_id, pai = match.groups()
        label, kind = _WMCA_TYPES.get(int(type_id), ("other", f"type{type_id}"))
        attack = label != BONA_FIDE
        entries.append(
            ProtocolEntry(
                path,
                label,
                subject=(presenter if int(presenter) else None) if attack else client,
                target=client if attack else None,
                split=_split_of(path, folder),
                extra={"session": session, "pai_id": pai, "attack_type": kind},
            )
        )
    nonempty(entries, "wmca", folder, "CCC_SS_PPP_T_II.hdf5 files")
    return Protocol("wmca", folder, tuple(entries))
