"""Keyed pseudonyms: HMAC-SHA256 under a key derived per purpose.

Why HMAC and not a hash: the space of valid personnummer is small (about 36 million values for a
century), so an unkeyed SHA-256 of one is reversed by hashing them all in seconds. HMAC-SHA256 is
a keyed pseudo-random function: without the key nobody can compute or test a pseudonym.

Why a key per purpose: pseudonyms of different purposes must not be joinable. The purpose key is
HMAC-SHA256(master key, "privacy-warehouse/pseudonym/v1/" + purpose), the standard HKDF-expand
construction with one block, so knowing one purpose's pseudonyms reveals nothing about another's.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

MINIMUM_KEY_LENGTH = 32  # characters; a 256-bit key written as hex is 64
KEY_DERIVATION_LABEL = b"privacy-warehouse/pseudonym/v1/"


class PseudonymisationKeyError(RuntimeError):
    """The key is missing or too short. The message never contains the key."""


def derive_purpose_key(master_key: bytes, purpose: str) -> bytes:
    return hmac.new(master_key, KEY_DERIVATION_LABEL + purpose.encode("utf-8"), hashlib.sha256).digest()


def pseudonym(master_key: bytes, purpose: str, value: str) -> str:
    """The pseudonym of `value` for `purpose`: 64 lowercase hex characters."""
    return _pseudonymiser(master_key)(purpose, value)


def _pseudonymiser(master_key: bytes):
    @lru_cache(maxsize=64)
    def purpose_key(purpose: str) -> bytes:
        return derive_purpose_key(master_key, purpose)

    def compute(purpose: str, value: str) -> str:
        return hmac.new(purpose_key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()

    return compute


def load_master_key(
    key_env_var: str = "PSEUDONYMISATION_KEY",
    key_file_env_var: str | None = "PSEUDONYMISATION_KEY_FILE",
    allow_key_file: bool = True,
) -> bytes:
    """Read the key from the environment (or, in development, a key file named by one)."""
    key = os.environ.get(key_env_var, "")
    source = f"environment variable {key_env_var}"
    if not key and allow_key_file and key_file_env_var and os.environ.get(key_file_env_var):
        path = Path(os.environ[key_file_env_var])
        source = f"key file named by {key_file_env_var} ({path})"
        if path.is_file():
            key = path.read_text(encoding="utf-8").strip()
    if not key:
        hint = (
            f"set {key_env_var}" + (f" or {key_file_env_var}" if allow_key_file else "")
            + " (`make key` writes a random one to .secrets/pseudonymisation.key)"
        )
        raise PseudonymisationKeyError(
            f"No pseudonymisation key: {source} is empty. The build stops rather than "
            f"publish unprotected identifiers; {hint}."
        )
    if len(key) < MINIMUM_KEY_LENGTH:
        raise PseudonymisationKeyError(
            f"The pseudonymisation key from {source} is {len(key)} characters long; at least "
            f"{MINIMUM_KEY_LENGTH} are required (use 64 hex characters from a secure random source)."
        )
    return key.encode("utf-8")
