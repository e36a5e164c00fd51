"""The optional "Remember password": only ever in the operating system's keyring."""

from __future__ import annotations

import json

import keyring
import keyring.errors
from keyring.backends import fail

from .connection import ConnectionSettings

SERVICE = "table-editor"


def keyring_available() -> bool:
    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 0) > 0


def _account(settings: ConnectionSettings) -> str:
    return json.dumps(settings.identity(), sort_keys=True)


def store_password(settings: ConnectionSettings) -> None:
    keyring.set_password(SERVICE, _account(settings), settings.password)


def forget_password(settings: ConnectionSettings) -> None:
    try:
        keyring.delete_password(SERVICE, _account(settings))
    except keyring.errors.PasswordDeleteError:
        pass  # nothing was stored


def load_password(settings: ConnectionSettings) -> str | None:
    try:
        return keyring.get_password(SERVICE, _account(settings))
    except keyring.errors.KeyringError:
        return None
