"""The encrypted password field, made loud about keys it cannot read.

django-encrypted-model-fields returns the *ciphertext* when decryption fails
(a wrong or rotated-away key). Sending that to a mail server would be both a
leak and a false "password rejected", so we hand back a marked value instead.
"""

import cryptography.fernet
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField, decrypt_str


class UnreadableSecret(str):
    """Ciphertext that none of the configured keys decrypts."""

    def __repr__(self):
        return "<UnreadableSecret>"


class _ReadsLoudly:
    def to_python(self, value):
        if value is None or isinstance(value, UnreadableSecret):
            return value
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        try:
            return decrypt_str(value)
        except cryptography.fernet.InvalidToken:
            if _looks_like_fernet_token(value):
                return UnreadableSecret(value)
            # A plaintext assigned in Python, not read from the database.
            return value

    def get_db_prep_save(self, value, connection):
        if isinstance(value, UnreadableSecret):
            # Re-encrypting ciphertext would bury the password under two keys.
            return str(value)
        return super().get_db_prep_save(value, connection)


class EncryptedPasswordField(_ReadsLoudly, EncryptedCharField):
    pass


class EncryptedTokenField(_ReadsLoudly, EncryptedTextField):
    """An OAuth2 token: a few KB at Microsoft, more than a CharField wants."""


def _looks_like_fernet_token(value: str) -> bool:
    # Fernet tokens are url-safe base64 of version byte 0x80 + ...: "gAAAAA".
    return value.startswith("gAAAAA") and len(value) >= 100
