"""Encryption of access and refresh tokens at rest."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenDecryptionError(Exception):
    """A stored token could not be decrypted with the configured keys."""


class TokenCipher:
    """Fernet with key rotation: encrypts with the current key, decrypts with either.

    Keys are url-safe base64 of 32 bytes (`Fernet.generate_key()`).
    """

    def __init__(self, current_key: str, previous_key: str | None = None) -> None:
        keys = [Fernet(current_key.encode())]
        if previous_key:
            keys.append(Fernet(previous_key.encode()))
        self._fernet = MultiFernet(keys)

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise TokenDecryptionError(
                "stored token cannot be decrypted: SECRET_KEY changed without "
                "SECRET_KEY_PREVIOUS set to the old key"
            ) from error

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt a token with the current key."""
        return self._fernet.rotate(ciphertext.encode()).decode()
