"""Secrets kept in the database (repository tokens) are sealed with a key derived from the
hub's secret key: encrypted and authenticated (Fernet), never stored or shown in clear.
Changing CCHUB_SECRET_KEY makes sealed values unreadable; they must then be set again."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Unreadable(Exception):
    pass


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cchub-sealed", info=b"tokens v1").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise Unreadable(
            "the stored token cannot be read (was the hub's secret key changed?); set it again"
        ) from exc
