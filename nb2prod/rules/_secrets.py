"""Secret detection for hardcoded-secret: provider token patterns, private keys, credentials, and masking."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "SecretMatch",
    "find_token_secrets",
    "is_secret_name",
    "looks_like_secret_value",
    "mask_secret",
    "may_hold_token_secret",
]


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A secret found in text: what kind, and where (0-based offsets of the secret itself)."""

    kind: str
    start: int
    end: int
    value: str


# (kind, pattern); the secret is group "secret" when present, else the whole match.
# Each pattern starts with its literal marker, which the regex engine finds with a fast search
# (outputs are megabytes of HTML and JavaScript); a lookbehind after the marker stands for the
# word boundary before it: `AKIA(?<!\w.{4})` is `\bAKIA`. That scans about 50x faster than a
# pattern starting with `\b`.
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key", re.compile(r"(?:AKIA|ASIA|ABIA|ACCA)(?<!\w.{4})[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"gh[pousr]_(?<!\w.{4})[A-Za-z0-9]{36,255}\b")),
    ("GitHub token", re.compile(r"github_pat_(?<!\w.{11})[A-Za-z0-9_]{60,255}\b")),
    ("Slack token", re.compile(r"xox[baprse]-(?<!\w.{5})[A-Za-z0-9-]{10,250}")),
    (
        "Slack webhook",
        re.compile(
            r"https://hooks\.slack\.com/services/(?P<secret>T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{12,})"
        ),
    ),
    ("Anthropic API key", re.compile(r"sk-ant-(?<!\w.{7})[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"sk-(?<!\w.{3})(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    # Two patterns: "r" or "s" as the first character would stop the scan at every r and s.
    ("Stripe key", re.compile(r"rk_live_(?<!\w.{8})[0-9A-Za-z]{20,}")),
    ("Stripe key", re.compile(r"sk_live_(?<!\w.{8})[0-9A-Za-z]{20,}")),
    ("Google API key", re.compile(r"AIza(?<!\w.{4})[0-9A-Za-z_-]{35}\b")),
    ("Hugging Face token", re.compile(r"hf_(?<!\w.{3})[A-Za-z0-9]{30,}\b")),
    (
        "private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
        ),
    ),
    (
        "credential in a URL query",
        re.compile(
            r"[?&](?P<name>[A-Za-z][A-Za-z0-9_-]{1,30})=(?P<secret>[A-Za-z0-9._~+/%-]{6,256})"
        ),
    ),
    ("bearer token", re.compile(r"Bearer(?<!\w.{6})\s+(?P<secret>[A-Za-z0-9._~+/=-]{20,})")),
    # `scheme://user:password@host`; the scheme before `://` is checked by _URL_SCHEME_BEFORE.
    (
        "password in a URL",
        re.compile(r"://[^\s:/@'\"]{1,64}:(?P<secret>[^\s@/'\"]{3,128})@[\w.-]+"),
    ),
)
_URL_PASSWORD = "password in a URL"
# The scheme that must end where `://` starts: searched with ``endpos`` at the `://`, so `\Z` is
# there, while `\b` still sees the character before the scheme.
_URL_SCHEME_BEFORE = re.compile(r"\b[a-z][a-z0-9+.-]{1,20}\Z")


def _url_password_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of ``\b[a-z][a-z0-9+.-]{1,20}`` + ``pattern``, in the order ``finditer`` of
    that pattern would give them. Every such match holds exactly one `://` (the parts after it
    exclude `/`), so each match of ``pattern`` is one candidate, kept when a scheme ends at it."""
    resume = 0  # where finditer of the whole pattern would go on searching
    for match in pattern.finditer(text):
        start = match.start()
        if _URL_SCHEME_BEFORE.search(text, max(resume, start - 21), start) is not None:
            resume = match.end()
            yield match


# Names whose literal value is a credential: api_key, SECRET, token, password, passwd...
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|secret_?key|"
    r"private_?key|auth_?key|client_?secret|credentials?|bearer)(?:$|_)|(?:^|_)key$|token",
    re.IGNORECASE,
)
_TOKEN_CHARACTERS = re.compile(r"^[A-Za-z0-9+/=_.:-]+$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PASSWORD_NAME = re.compile(r"pass(?:word|wd|phrase)?$|pwd$", re.IGNORECASE)
_NOT_SECRET_NAME = re.compile(
    r"(?:(?:sort|primary|foreign|cache|partition|dict|group|join|index|lookup|hash|row|map|sort_by|unique)_?key$)|(?:_?(?:file|path|dir|url|name|len|length|size|env|var|type|id|prefix|field|col(?:umn)?)$)|tokeniz|max_tokens|num_tokens|n_tokens",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(?:<.*>|\{.*\}|\$\{?\w+\}?|x+|\*+|\.+|-+|_+|#+|your[\w\s-]*|my[\w\s-]*|enter[\w\s-]*|insert[\w\s-]*|"
    r"changeme|change_me|placeholder|dummy|example|test|testing|secret|password|passwd|token|none|null|"
    r"todo|tbd|fixme|xxx.*|redacted|hidden|api[_-]?key|key|\w*here\w*)$",
    re.IGNORECASE,
)


def _entropy(text: str) -> float:
    counts = Counter(text)
    length = len(text)
    return -sum(count / length * math.log2(count / length) for count in counts.values())


# Prefixes that also start ordinary identifiers (CSS classes such as ``sk-toggleable__label``).
_NEEDS_RANDOM_BODY = frozenset({"OpenAI API key", "Anthropic API key", "Slack token"})


def _is_random_looking(value: str) -> bool:
    body = value.split("-", 1)[-1]
    return (
        len(body) >= 20
        and "__" not in body
        and any(character.isdigit() for character in body)
        and any(character.isupper() for character in body)
        and any(character.islower() for character in body)
        and _entropy(body) >= 3.5
    )


# Legacy Slack tokens (`xoxp-<team>-<user>-<id>-<32 hex digits>`) have no upper case to look random
# by; their shape is distinctive enough.
_LEGACY_SLACK_TOKEN = re.compile(r"xox[baprse]-(?:[0-9]+-){3}(?P<secret>[0-9a-f]{32})")


def _has_secret_body(kind: str, value: str) -> bool:
    """Whether a prefix that also starts ordinary identifiers is followed by a real secret."""
    if kind == "Slack token":
        legacy = _LEGACY_SLACK_TOKEN.fullmatch(value)
        if legacy is not None:
            return _entropy(legacy.group("secret")) >= 3.0  # not a placeholder such as 000...0
    return _is_random_looking(value)


# Literal text each kind of secret must contain: a cheap test before its regular expression.
_MARKERS: dict[str, tuple[str, ...]] = {
    "AWS access key": ("AKIA", "ASIA", "ABIA", "ACCA"),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "Slack token": ("xox",),
    "Slack webhook": ("hooks.slack",),
    "Anthropic API key": ("sk-ant-",),
    "OpenAI API key": ("sk-",),
    "Stripe key": ("k_live_",),
    "Google API key": ("AIza",),
    "Hugging Face token": ("hf_",),
    "private key": ("PRIVATE KEY",),
    "password in a URL": ("://",),
    "bearer token": ("Bearer",),
    "credential in a URL query": ("?",),
}
_QUERY = "credential in a URL query"


# Any marker at all: one scan in C rejects the great majority of texts (outputs are megabytes).
_ANY_MARKER = re.compile(
    "|".join(
        sorted(
            {
                re.escape(item)
                for kind, items in _MARKERS.items()
                for item in items
                if kind != _QUERY
            }
        )
    )
)
# Kept apart: a case-insensitive branch would slow the scan above several times.
_QUERY_MARKER = re.compile(r"[?&][A-Za-z_-]*(?i:key|token|secret|pass|pwd|appid|app_id)=")
# Query parameters that carry a credential (`?apikey=...`, `&access_token=...`); `key=` alone
# also names documents (`?key=<spreadsheet id>`), so it is not enough.
_QUERY_SECRET_NAMES = frozenset({"appid", "app_id", "app-id"})


def may_hold_token_secret(text: str) -> bool:
    """False when ``text`` holds none of the literal markers every provider token starts with."""
    return _ANY_MARKER.search(text) is not None or (
        "?" in text and "=" in text and _QUERY_MARKER.search(text) is not None
    )


def find_token_secrets(text: str) -> tuple[SecretMatch, ...]:
    """Provider tokens, private key blocks and URL passwords in ``text`` (source or output).

    Short texts are cached: the panel re-lints the same cells on every keystroke.
    """
    return _find_cached(text) if len(text) <= 20_000 else _find(text)


@lru_cache(maxsize=8192)
def _find_cached(text: str) -> tuple[SecretMatch, ...]:
    return _find(text)


def _find(text: str) -> tuple[SecretMatch, ...]:
    if not may_hold_token_secret(text):
        return ()
    found: list[SecretMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _TOKEN_PATTERNS:
        # The patterns start with their markers, so they scan as fast as a test for them would;
        # a query credential is only looked for in texts with a `?` (the pattern takes `&` too).
        if kind == _QUERY and "?" not in text:
            continue
        matches = (
            _url_password_matches(pattern, text)
            if kind == _URL_PASSWORD
            else pattern.finditer(text)
        )
        for match in matches:
            group = "secret" if "secret" in pattern.groupindex else 0
            start, end = match.span(group)
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            value = match.group(group)
            if kind == _URL_PASSWORD and _PLACEHOLDER.match(value):
                continue
            if kind == _QUERY and not _is_query_secret(match.group("name"), value):
                continue
            if kind == "bearer token" and not looks_like_secret_value("token", value):
                continue
            if kind in _NEEDS_RANDOM_BODY and not _has_secret_body(kind, value):
                continue
            taken.append((start, end))
            found.append(SecretMatch(kind, start, end, value))
    return tuple(sorted(found, key=lambda item: item.start))


def _is_query_secret(name: str, value: str) -> bool:
    lowered = name.lower().replace("-", "_")
    if lowered == "key" or not (lowered in _QUERY_SECRET_NAMES or is_secret_name(lowered)):
        return False
    if "%" in value or _PLACEHOLDER.match(value):
        return False  # `%s`, `%7B...`: filled in later
    if _PASSWORD_NAME.search(lowered):
        return looks_like_secret_value(lowered, value)
    return (
        len(value) >= 12
        and any(character.isdigit() for character in value)
        and any(character.isalpha() for character in value)
        and _entropy(value) >= 3.0
    )


def is_secret_name(name: str) -> bool:
    """True for names like ``API_KEY``, ``github_token``, ``db_password``; not ``token_file``."""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def looks_like_secret_value(name: str, value: str) -> bool:
    """A literal assigned to a secret-looking name that is a real value, not a placeholder."""
    stripped = value.strip()
    if stripped != value or not stripped or "\n" in stripped or " " in stripped:
        return False
    if (
        _PLACEHOLDER.match(stripped)
        or "://" in stripped
        or stripped.startswith(("/", "~", "./", "os."))
    ):
        return False
    if _PASSWORD_NAME.search(name):
        return len(stripped) >= 6
    # Keys and tokens are long and random-looking; short or word-like values are labels.
    if len(stripped) < 16 or _entropy(stripped) < 3.0 or not _TOKEN_CHARACTERS.match(stripped):
        return False
    has_digit = any(character.isdigit() for character in stripped)
    mixed_case = any(character.isupper() for character in stripped) and any(
        character.islower() for character in stripped
    )
    is_hex = bool(_HEX.match(stripped)) and len(stripped) >= 32
    return has_digit and (mixed_case or is_hex)


def mask_secret(value: str) -> str:
    """Show enough to recognise the secret (a few leading characters of long ones), never the whole."""
    if len(value) >= 16:
        shown = value[:4]
        return f"{shown}{'*' * 8} ({len(value)} characters)"
    return f"{'*' * 8} ({len(value)} characters)"
