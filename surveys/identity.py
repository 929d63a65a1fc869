"""Respondent identity: e-mail addresses become keyed hashes before anything is stored.

The key comes from the environment (``surveys.key_env``, default ``PULSE_SURVEY_KEY``). A keyed hash (HMAC-SHA256)
rather than a plain one: without the key, nobody holding the warehouse can confirm a guessed address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pulse.config import SurveyConfig

# Public, so it protects nothing: only the bundled demo (surveys.allow_demo_key) may fall back to it.
DEMO_KEY = b"platform-pulse-demo-key"


class SurveyKeyError(RuntimeError):
    """No hash key is available; the message names the variable to set."""


@dataclass(frozen=True)
class SurveyKey:
    value: bytes
    is_demo: bool


def survey_key(cfg: SurveyConfig) -> SurveyKey:
    """The hash key from the environment; the demo key only where the configuration allows it."""
    secret = cfg.key()
    if secret:
        return SurveyKey(secret.encode("utf-8"), False)
    if cfg.allow_demo_key:
        return SurveyKey(DEMO_KEY, True)
    raise SurveyKeyError(
        f"${cfg.key_env} is not set: survey e-mail addresses are stored only as keyed hashes, "
        f"so set it to a long random string (and keep it: changing it makes every respondent new)"
    )


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def hash_identity(email: str, key: bytes) -> str:
    """A keyed hash of a normalised e-mail address: stable per respondent, not reversible without the key."""
    return hmac.new(key, normalise_email(email).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def anonymous_identity(file_sha256: str, row_number: int, key: bytes) -> str:
    """An id for a response without an address: unique to its row, so it is never merged with another."""
    return "anon-" + hmac.new(key, f"{file_sha256}:{row_number}".encode(), hashlib.sha256).hexdigest()[:27]


def key_fingerprint(key: bytes) -> str:
    """Changes when the key changes (so stored hashes are redone) without revealing the key."""
    return hmac.new(key, b"platform-pulse survey key fingerprint", hashlib.sha256).hexdigest()[:16]
