"""Who may call the service: CDS Hooks bearer tokens from trusted EHRs, else loopback only.

A CDS client signs a JWT for every call (CDS Hooks 2.0, "Trusting CDS Clients"). With
``--trust ISSUER=JWKS_FILE`` the service accepts a call only when its token

- is signed with ES384 or RS384 (nothing else: no ``none``, no HMAC) by a key of that issuer's
  JWKS, chosen by ``kid``;
- names that issuer (``iss``), this endpoint's URL (``aud``), a subject, an issue time and an
  expiry no more than :data:`MAX_LIFETIME` seconds ahead (``exp``);
- carries a ``jti`` not seen before within the token's lifetime (a replayed token is refused).

Without any ``--trust`` there are no tokens, and only loopback clients are served.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcfgraph.errors import UsageError

__all__ = ["AuthError", "Trust", "load_trust", "is_loopback", "ALGORITHMS", "MAX_LIFETIME"]

ALGORITHMS = ("ES384", "RS384")
MAX_LIFETIME = 300 + 60        # CDS Hooks: exp at most 5 minutes ahead; one minute of clock skew
LEEWAY = 60
MAX_REPLAY_ENTRIES = 100_000


class AuthError(Exception):
    """A call that is not allowed: ``status`` is 401 (no or bad token) or 403 (not permitted)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Trust:
    """The trusted issuers and their keys, and the replay memory of token ids."""

    keys: dict[str, Any] = field(default_factory=dict)      # issuer -> PyJWKSet
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def verify(self, authorization: str | None, audience: str, now: float | None = None) -> dict[str, Any]:
        """Check a request's ``Authorization`` header for ``audience``; returns the claims.

        Raises:
            AuthError: 401 with the reason the token is refused.
        """
        import jwt

        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError(401, "a bearer token is required (Authorization: Bearer <JWT>)")
        token = authorization[len("Bearer "):].strip()
        if len(token) > 16_384:
            raise AuthError(401, "the bearer token is too long")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError(401, "the bearer token is not a well-formed JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(401, f"token algorithm {str(alg)[:20]!r} is not accepted; use ES384 or RS384")
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self.keys:
            raise AuthError(401, "the token's issuer is not trusted")
        key = self._key(issuer, header.get("kid"), alg)
        now = time.time() if now is None else now
        try:
            claims = jwt.decode(
                token, key, algorithms=[alg], audience=audience, issuer=issuer, leeway=LEEWAY,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError(401, "the token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(401, f"the token's audience is not this service ({audience})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(401, f"the token lacks the '{exc.claim}' claim") from None
        except jwt.InvalidSignatureError:
            raise AuthError(401, "the token's signature does not verify") from None
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise AuthError(401, f"the token is not valid: {str(exc)[:120]}") from None
        exp = float(claims["exp"])
        if exp - now > MAX_LIFETIME:
            raise AuthError(401, "the token's expiry is more than 5 minutes ahead")
        self._remember(issuer, str(claims["jti"]), exp, now)
        return claims

    def _key(self, issuer: str, kid: Any, alg: str) -> Any:
        keyset = self.keys[issuer]
        candidates = [k for k in keyset.keys if (kid is None or k.key_id == kid)]
        if kid is None and len(candidates) != 1:
            raise AuthError(401, "the token names no key id (kid) and the issuer has several keys")
        if not candidates:
            raise AuthError(401, "the token's key id (kid) is not among the issuer's keys")
        key = candidates[0]
        if key.key_type != {"ES384": "EC", "RS384": "RSA"}[alg]:
            raise AuthError(401, f"the token's key ({key.key_type}) does not fit its algorithm {alg}")
        return key.key

    def _remember(self, issuer: str, jti: str, exp: float, now: float) -> None:
        with self._lock:
            if len(self._seen) >= MAX_REPLAY_ENTRIES:
                for k in [k for k, t in self._seen.items() if t + LEEWAY < now]:
                    del self._seen[k]
            if (issuer, jti) in self._seen:
                raise AuthError(401, "this token was already used (replayed jti)")
            if len(self._seen) >= MAX_REPLAY_ENTRIES:
                raise AuthError(401, "too many live tokens; try again shortly")
            self._seen[(issuer, jti)] = exp


def load_trust(items: list[str] | None) -> Trust:
    """Read ``ISSUER=JWKS_FILE`` options.

    Raises:
        UsageError: an option is malformed, a file is unreadable or holds no ES384/RS384 key.
    """
    import jwt

    trust = Trust()
    for item in items or ():
        issuer, sep, name = item.partition("=")
        if not sep or not issuer or not name:
            raise UsageError(f"--trust needs ISSUER=JWKS_FILE, got '{item}'")
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"{name}: no such file") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"{name}: not a JSON Web Key Set ({str(exc)[:120]})") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise UsageError(f"{name}: a JSON Web Key Set is an object with a 'keys' list")
        for i, k in enumerate(data["keys"]):
            if isinstance(k, dict) and ("d" in k or "p" in k):
                raise UsageError(f"{name}: key {i + 1} holds private key material; give the public keys only")
            if isinstance(k, dict) and k.get("kty") not in ("EC", "RSA"):
                raise UsageError(f"{name}: key {i + 1} is not an EC or RSA key")
            if isinstance(k, dict):  # a key set drops a key it cannot use without a word: say which and why
                try:
                    jwt.PyJWK(k)
                except jwt.PyJWTError as exc:
                    kid = str(k.get("kid"))[:40] if "kid" in k else "no kid"
                    raise UsageError(f"{name}: key {i + 1} ({kid!r}) cannot be used ({str(exc)[:120]})") from None
        try:
            keyset = jwt.PyJWKSet.from_dict(data)
        except jwt.PyJWTError as exc:
            raise UsageError(f"{name}: not a usable JSON Web Key Set ({str(exc)[:120]})") from None
        trust.keys[issuer] = keyset
    return trust


def is_loopback(host: str | None) -> bool:
    """Whether a client address is this machine (127.0.0.0/8 or ::1)."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"
