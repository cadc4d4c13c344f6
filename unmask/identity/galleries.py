"""Open a gallery by what `--db` says, and rotate the template key across galleries.

One factory, so every command (and the service) accepts a file path or a
`postgresql://` URL alike and gets the same API back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from unmask.errors import InputError
from unmask.identity import template_crypto
from unmask.identity.ann import ANN_THRESHOLD, EXPANSION_SEARCH
from unmask.identity.gallery import Gallery, checked_breadth

ENV_BREADTH = "UNMASK_SEARCH_BREADTH"


def open_gallery(
    db: str | Path,
    *,
    create: bool = False,
    data_dir: str | Path | None = None,
    ann_threshold: int = ANN_THRESHOLD,
    search_breadth: int | None = None,
) -> Gallery:
    """A SQLite gallery for a path, a PostgreSQL one for a `postgresql://` URL.

    `search_breadth` None: `UNMASK_SEARCH_BREADTH` when set, else each store's default
    (usearch 256, pgvector 512). Why an environment variable too: the breadth is a setting of
    a deployment's gallery size and data, and every command, the service and scan open
    galleries here.
    """
    from unmask.identity.pg_gallery import EF_SEARCH, PostgresGallery, is_postgres_url

    postgres = is_postgres_url(db)
    breadth = configured_breadth(search_breadth, EF_SEARCH if postgres else EXPANSION_SEARCH)
    if postgres:
        return PostgresGallery(
            str(db),
            create=create,
            data_dir=data_dir,
            ann_threshold=ann_threshold,
            search_breadth=breadth,
        )
    return Gallery(
        db,
        create=create,
        data_dir=data_dir,
        ann_threshold=ann_threshold,
        search_breadth=breadth,
    )


def configured_breadth(asked: int | None, default: int) -> int:
    """The caller's breadth, else the environment's, else the store's default."""
    if asked is not None:
        return asked
    text = os.environ.get(ENV_BREADTH, "").strip()
    if not text:
        return default
    return checked_breadth(int(text) if text.isdigit() else text, ENV_BREADTH)


def rotate_template_key(
    dbs: Sequence[str | Path], *, data_dir: str | Path | None = None
) -> dict[str, int]:
    """Re-encrypt every template of each gallery under a new template key; per gallery, the
    number of templates re-encrypted (0: it already had the new key).

    Each gallery changes in one transaction. With the key in the data folder, the new key is
    written beside the old one first (`template-enc.key.pending`) and replaces it only after
    every gallery was re-encrypted, so a crash part-way leaves each gallery readable by one of
    the two keys, and running the rotation again finishes it. With `UNMASK_TEMPLATE_KEY`, the
    new key comes from `UNMASK_NEW_TEMPLATE_KEY`, and the caller then swaps the variables.
    Galleries not named here keep the old key and refuse to open with the new one (exit 10).
    """
    from_environment = bool(os.environ.get(template_crypto.ENV_KEY))
    if from_environment:
        if not os.environ.get(template_crypto.ENV_NEW_KEY):
            raise InputError(
                f"the template key comes from {template_crypto.ENV_KEY}; set "
                f"{template_crypto.ENV_NEW_KEY} to the new key (64 hex digits) to rotate"
            )
        new_key = template_crypto.key_from_hex(
            os.environ[template_crypto.ENV_NEW_KEY], template_crypto.ENV_NEW_KEY
        )
    else:
        template_crypto.template_key(data_dir)  # the current key exists before a new one
        new_key = template_crypto.pending_key(data_dir) or template_crypto.new_key()
        template_crypto.write_pending(data_dir, new_key)
    done: dict[str, int] = {}
    for db in dbs:
        with open_gallery(db, data_dir=data_dir) as gallery:
            if gallery.meta.get("enc_key_id") == template_crypto.fingerprint(new_key):
                done[str(db)] = 0
            else:
                done[str(db)] = gallery.reencrypt(new_key)
    if not from_environment:
        template_crypto.promote_pending(data_dir)
    return done
