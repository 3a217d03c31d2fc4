"""Keyed pseudonyms: HMAC-SHA256 under a key derived per purpose.

Why HMAC and not a hash: the space of valid personnummer is small (about 36 million values for a
century), so an unkeyed SHA-256 of one is reversed by hashing them all in seconds. HMAC-SHA256 is
a keyed pseudo-random function: without the key nobody can compute or test a pseudonym.

Why a key per purpose: pseudonyms of different purposes must not be joinable. The purpose key is
HMAC-SHA256(master key, "privacy-warehouse/pseudonym/v1/" + purpose), the standard HKDF-expand
construction with one block, so knowing one purpose's pseudonyms reveals nothing about another's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

SHA256_BLOCK = 64
KEY_DERIVATION_LABEL = b"privacy-warehouse/pseudonym/v1/"
MINIMUM_KEY_BYTES = 32  # 256 bits: 64 hex characters, or base64 of 32 bytes (44 characters)
HEX_KEY = re.compile(r"[0-9a-fA-F]+")
BASE64_KEY = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")
# Thresholds an honest random key passes with certainty for every practical purpose: 32 random
# bytes hold ~30 distinct values (fewer than 16: probability < 1e-15), 64 random hex characters
# ~16 distinct characters (fewer than 10: < 1e-11), and no step between neighbours repeats for
# more than half of the key (binomial tail < 1e-12).
MINIMUM_DISTINCT_BYTES = 16
MINIMUM_DISTINCT_CHARACTERS = 10
# Common words and defaults. Six characters or more, so a random key contains one by chance with
# probability < 1e-5 (hex keys cannot contain most of them at all); hex words need eight.
COMMON_WORDS = (
    "password", "passw0rd", "secret", "changeme", "change_me", "letmein", "qwerty", "azerty",
    "default", "example", "testkey", "test-key",
    "pseudonym", "privacy", "warehouse", "hunter2", "iloveyou", "dragon", "monkey", "master",
    "welcome", "trustno1", "sunshine", "football", "baseball", "shadow", "superman", "access",
    "deadbeef", "cafebabe", "feedface", "nyckel", "hemlig", "losenord", "please",
)


class PseudonymisationKeyError(RuntimeError):
    """The key is missing, too short or weak. The message never contains the key."""


def derive_purpose_key(master_key: bytes, purpose: str) -> bytes:
    return hmac.new(master_key, KEY_DERIVATION_LABEL + purpose.encode("utf-8"), hashlib.sha256).digest()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer HMAC-SHA256 pads of `key` (RFC 2104): K0 ^ 0x36.. and K0 ^ 0x5c..

    HMAC(K, m) = SHA256(outer pad || SHA256(inner pad || m)): with the pads, an engine that has
    SHA-256 over bytes computes the pseudonym in SQL, and never sees the key itself."""
    if len(key) > SHA256_BLOCK:
        raise ValueError("an HMAC-SHA256 key longer than 64 bytes is hashed first; purpose keys are 32")
    padded = key.ljust(SHA256_BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


def purpose_pads(master_key: bytes, purposes: list[str]) -> list[tuple[str, bytes, bytes]]:
    """(purpose, inner pad, outer pad) of each purpose's key: the rows of the pad table."""
    return [(purpose, *hmac_pads(derive_purpose_key(master_key, purpose))) for purpose in purposes]


# The connection-local table the DuckDB target reads the pads from (macros/privacy/pseudonymise.sql).
PAD_TABLE = "pseudonym_hmac_pads"


def load_pad_table(conn, pads: list[tuple[str, bytes, bytes]]) -> None:
    """Write `pads` into the temporary table temp.main.pseudonym_hmac_pads of the DuckDB
    connection `conn`, through bound parameters: the pads are never part of an SQL text, and a
    temporary table lives in the connection's memory, never in the database file."""
    conn.execute(f"create or replace temp table {PAD_TABLE} "
                 "(purpose varchar primary key, inner_pad blob not null, outer_pad blob not null)")
    rows = ", ".join("(?, ?, ?)" for _ in pads)
    conn.execute(f"insert into {PAD_TABLE} values {rows}", [value for row in pads for value in row])


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
    """Read the key from the environment (or, in development, a key file named by one).

    Refuses (PseudonymisationKeyError) a missing or weak key (key_weakness): the message names
    the variable or file and what is wrong, never the key."""
    key = os.environ.get(key_env_var, "")
    source = f"environment variable {key_env_var}"
    if not key and allow_key_file and key_file_env_var and os.environ.get(key_file_env_var):
        path = Path(os.environ[key_file_env_var])
        source = f"key file named by {key_file_env_var} ({path})"
        if path.is_file():
            # Only the line end a writer adds: other whitespace is refused below.
            key = path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
    if not key:
        hint = (
            f"set {key_env_var}" + (f" or {key_file_env_var}" if allow_key_file else "")
            + " (`make key` writes a random one to .secrets/pseudonymisation.key)"
        )
        raise PseudonymisationKeyError(
            f"No pseudonymisation key: {source} is empty. The build stops rather than "
            f"publish unprotected identifiers; {hint}."
        )
    problem = key_weakness(key)
    if problem:
        raise PseudonymisationKeyError(
            f"The pseudonymisation key from {source} is refused: {problem}. Use 32 bytes or more "
            f"from a secure random source, written as 64 hex characters (`make key`, "
            f"`openssl rand -hex 32`) or as base64 (`openssl rand -base64 32`)."
        )
    # The key's text is the HMAC key (as before this check existed), so pseudonyms made under
    # an accepted key do not change.
    return key.encode("utf-8")


def _decode_key(key: str) -> bytes | None:
    """The bytes a key's text stands for: hex (64 characters or more), else base64."""
    if len(key) >= 2 * MINIMUM_KEY_BYTES and len(key) % 2 == 0 and HEX_KEY.fullmatch(key):
        return bytes.fromhex(key)
    if BASE64_KEY.fullmatch(key):
        padded = key + "=" * (-len(key) % 4)
        try:
            return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            return None
    return None


def _dominant_step_share(values: bytes | list[int]) -> float:
    """The share of neighbour pairs with the most common difference (a sequence scores ~1)."""
    steps = Counter((b - a) % 256 for a, b in zip(values, values[1:], strict=False))
    return max(steps.values()) / max(1, len(values) - 1) if steps else 1.0


def key_weakness(key: str) -> str | None:
    """What is wrong with `key` (never quoting it), or None when it is acceptable.

    Accepted: 64 or more hex characters, or base64 (standard or URL-safe, padding optional)
    that decodes to 32 bytes or more; and not obviously weak: not one repeated character, no
    whitespace, no common word, not few distinct values, not a sequence.
    """
    if not key:
        return "it is empty"
    if any(character.isspace() for character in key):
        return "it contains whitespace" + (" only" if key.isspace() else "")
    if len(set(key)) == 1:
        return f"it is one character repeated {len(key)} times"
    lowered = key.lower()
    for word in COMMON_WORDS:
        if word in lowered:
            return f"it contains a common word or default value ({len(word)} characters long)"
    if HEX_KEY.fullmatch(key) and len(key) < 2 * MINIMUM_KEY_BYTES:
        return (f"it is {len(key)} hex characters long; at least {2 * MINIMUM_KEY_BYTES} "
                f"({MINIMUM_KEY_BYTES} bytes) are required")
    decoded = _decode_key(key)
    if decoded is None and len(key) < 43:  # base64 of 32 bytes has 43 characters and padding
        return (f"it is {len(key)} characters long: too short for {MINIMUM_KEY_BYTES} bytes "
                f"(64 hex characters, or base64 of at least {MINIMUM_KEY_BYTES} bytes)")
    if decoded is None:
        return (f"it is neither hex nor base64 ({len(key)} characters); it must be 64 hex "
                f"characters or base64 of at least {MINIMUM_KEY_BYTES} bytes")
    if len(decoded) < MINIMUM_KEY_BYTES:
        return (f"it decodes to {len(decoded)} bytes ({len(key)} characters); at least "
                f"{MINIMUM_KEY_BYTES} bytes are required (64 hex characters)")
    if len(set(key)) < MINIMUM_DISTINCT_CHARACTERS:
        return f"it has only {len(set(key))} distinct characters (low entropy)"
    if len(set(decoded)) < MINIMUM_DISTINCT_BYTES:
        return f"its {len(decoded)} bytes hold only {len(set(decoded))} distinct values (low entropy)"
    if _dominant_step_share(decoded) > 0.5 or _dominant_step_share(key.encode()) > 0.5:
        return "it is a sequence or a repeated pattern (low entropy)"
    return None


def configured_key_problem() -> str | None:
    """Why the key configured in this environment is refused, or None (also when none is set).

    For commands that do not need the key but must not run beside a weak one (publish): a
    build under a weak key is refused by the build itself; this stops publishing its leftovers.
    """
    if not os.environ.get("PSEUDONYMISATION_KEY") and not (
            os.environ.get("PSEUDONYMISATION_KEY_FILE")
            and Path(os.environ["PSEUDONYMISATION_KEY_FILE"]).is_file()):
        return None
    try:
        load_master_key()
    except PseudonymisationKeyError as refused:
        return str(refused)
    return None
