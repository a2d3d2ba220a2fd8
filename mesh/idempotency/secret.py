"""The key of request fingerprints: from settings, or for the embedded default a key file.

On PostgreSQL (a real deployment) the key is a setting, a secret like any other, and the
service refuses to start without it. On the embedded SQLite default a random key is generated
once and kept beside the database file (mode 0600), so replays survive a restart.
"""

from __future__ import annotations

import base64
import binascii
import os
import pathlib

from sqlalchemy.engine import make_url

from mesh.config import MeshSettings
from mesh.idempotency.keys import KEY_BYTES

SETTING = "IDEMPOTENCY_FINGERPRINT_KEY"


def fingerprint_key(settings: MeshSettings) -> bytes:
    if settings.idempotency_fingerprint_key is not None:
        return _decoded(settings.idempotency_fingerprint_key.get_secret_value())
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise ValueError(
            f"{SETTING} is required outside the embedded SQLite default (base64 of {KEY_BYTES} random bytes)"
        )
    return _key_file(pathlib.Path(url.database).with_suffix(".fingerprint-key"))


def _decoded(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error as err:
        raise ValueError(f"{SETTING} is not valid base64") from err
    if len(key) < KEY_BYTES:
        raise ValueError(f"{SETTING} must decode to at least {KEY_BYTES} bytes")
    return key


def _key_file(path: pathlib.Path) -> bytes:
    if not path.exists():
        # Written aside, then linked: a second process starting at once finds the whole key or none.
        draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(os.urandom(KEY_BYTES))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # the other process won; its key is the one
        finally:
            draft.unlink()
    return path.read_bytes()
