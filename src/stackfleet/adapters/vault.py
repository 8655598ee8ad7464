"""Sealing site credentials at rest with Fernet; the key lives outside the database.

The key comes from STACKFLEET_KEY, or from a key file (created with mode 0600 on first run).
`bootstrap.py` builds the vault; the SQL site repository seals and opens cloud configs with it.
"""

from __future__ import annotations

import os
import pathlib

from cryptography.fernet import Fernet, InvalidToken

from stackfleet.kernel.errors import PermanentError


class Vault:
    """Encrypts and decrypts small secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as bad:
            raise PermanentError(
                "The credential key is not a Fernet key (32 url-safe base64-encoded bytes); "
                "fix STACKFLEET_KEY or the key file."
            ) from bad

    @classmethod
    def from_key_file(cls, path: pathlib.Path) -> Vault:
        """Read the key file, creating it (0600) if it does not exist."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken as wrong:
            raise PermanentError(
                "Cannot decrypt stored site credentials: the credential key differs from the "
                "one they were sealed with. Restore the original STACKFLEET_KEY or key file."
            ) from wrong
