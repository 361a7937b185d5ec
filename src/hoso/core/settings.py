"""Settings from the environment only: secrets and URLs never live in the repo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CCCD_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd"
DEFAULT_BHYT_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/bhyt"
DEFAULT_BHXH_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-so-bhxh"
DEFAULT_FACILITY_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb"


# Per-role rate limits for `hoso serve` (requests a minute / burst); other roles and
# requests without a token get HOSO_RATE_LIMIT_PER_MINUTE (600) / _BURST (60).
DEFAULT_RATE_LIMITS = (
    "facility-system=12000/600,operator=60000/3000,clinician=1200/120,"
    "record-system=60000/3000"  # a province's sync: a Bundle of 200 changes every 0.1 s
)


def role_limits(*specs: str) -> tuple[tuple[str, int, int], ...]:
    """"role=per_minute/burst,…" specs, later ones overriding earlier ones per role."""
    limits: dict[str, tuple[int, int]] = {}
    for spec in specs:
        for item in filter(None, (part.strip() for part in spec.split(","))):
            role, _, value = item.partition("=")
            rate, _, burst = value.partition("/")
            try:
                limits[role.strip()] = (int(rate), int(burst or max(1, int(rate) // 10)))
            except ValueError:
                raise ValueError(
                    f"HOSO_RATE_LIMITS: '{item}' is not role=per_minute/burst"
                ) from None
    return tuple((role, rate, burst) for role, (rate, burst) in limits.items())


def _role_limits(env: Mapping[str, str]) -> tuple[tuple[str, int, int], ...]:
    """The defaults and HOSO_RATE_LIMITS; none when HOSO_RATE_LIMIT_PER_MINUTE=0 turns
    rate limiting off and no role is given a limit of its own."""
    if env.get("HOSO_RATE_LIMIT_PER_MINUTE") == "0" and not env.get("HOSO_RATE_LIMITS"):
        return ()
    return role_limits(DEFAULT_RATE_LIMITS, env.get("HOSO_RATE_LIMITS", ""))


def default_database_url() -> str:
    return f"sqlite:///{Path('var') / 'hoso.db'}"


@dataclass(frozen=True)
class ExternalIdp:
    """An OpenID provider people may log in with instead of a password here."""

    name: str  # as in /auth/authorize?idp=<name>
    issuer: str  # its discovery document is at <issuer>/.well-known/openid-configuration
    jwks_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    username_claim: str = "preferred_username"  # the id_token claim holding our username
    roles: tuple[str, ...] = ("resident",)  # which accounts may log in through it


@dataclass(frozen=True)
class Settings:
    database_url: str
    cccd_system: str = DEFAULT_CCCD_SYSTEM
    bhyt_system: str = DEFAULT_BHYT_SYSTEM
    bhxh_system: str = DEFAULT_BHXH_SYSTEM
    facility_system: str = DEFAULT_FACILITY_SYSTEM
    max_body_bytes: int = 16 * 1024 * 1024
    default_page_size: int = 20
    max_page_size: int = 1000
    check_references: bool = True
    # Access policy: how long an encounter, appointment or referral keeps a care
    # relationship open, and how long a break-the-glass grant lasts.
    care_window_days: int = 365
    break_glass_minutes: int = 60
    # Key of the audit chain's HMAC; without it the chain is plain SHA-256 (see
    # docs/security.md: only the key stops someone who can write the database from
    # rebuilding the chain after an edit).
    audit_key: bytes | None = None
    # Reads' audit entries are made durable in a local spool file and chained into the
    # database by a thread (hoso.store.audit_spool); None: each is committed to the
    # database before the answer. `from_env`: var/audit-spool unless HOSO_AUDIT_SPOOL_DIR
    # says otherwise ("" turns it off). The interval (seconds) lets entries gather
    # between chaining passes (`from_env`: 0.05, HOSO_AUDIT_CHAIN_INTERVAL): one append
    # of a hundred entries costs little more than one of one; 0 chains at once.
    audit_spool_dir: str | None = None
    audit_chain_interval: float = 0.0
    # -- authentication (hoso.access tokens, keys, accounts; docs/security-auth.md) --
    # Public URL of this server: OAuth issuer; the FHIR audience is `<base>/fhir`.
    public_base_url: str = "http://127.0.0.1:8000"
    access_token_seconds: int = 300
    refresh_token_hours: int = 12  # absolute lifetime of a login (refresh-token family)
    authorization_code_seconds: int = 60
    signing_alg: str = "ES256"  # ES256 or RS256
    revocation_refresh_seconds: float = 2.0
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Browser sessions of the web pages (hoso.access.web_sessions): idle timeout,
    # absolute lifetime, and how often the cookie value rotates while in use.
    session_idle_minutes: int = 30
    session_hours: int = 12
    session_rotate_minutes: int = 10
    # Fernet key(s), comma separated, newest first; None stores private keys plainly.
    key_encryption_key: str | None = field(default=None, repr=False)
    # External OpenID providers (national resident IdP, the city's staff IdP): names in
    # HOSO_EXTERNAL_IDPS, each configured by HOSO_IDP_<NAME>_… (see `external_idps_from`).
    external_idps: tuple[ExternalIdp, ...] = ()
    # -- hardening (hoso.api.rate_limit, hoso.api.security_headers; docs/security.md) --
    # Token bucket per client id (or per IP without a bearer token); 0 turns it off.
    # Off for Settings built in code (tests, tools); `from_env` (`hoso serve`) turns it
    # on at 600 a minute unless HOSO_RATE_LIMIT_PER_MINUTE says otherwise.
    rate_limit_per_minute: int = 0
    rate_limit_burst: int = 60
    # (role, per minute, burst) for tokens of that role, above: a hospital's HIS sends
    # an episode every few hundred ms all day; a resident's app does not. `from_env`:
    # DEFAULT_RATE_LIMITS, changed by HOSO_RATE_LIMITS ("role=per_minute/burst,…").
    rate_limits_by_role: tuple[tuple[str, int, int], ...] = ()
    # Honour X-Forwarded-Proto (for HSTS) only behind a TLS proxy that sets it.
    trust_proxy_headers: bool = False
    # Where bulk `$export` jobs write their NDJSON files, one folder per job (hoso.bulk).
    bulk_dir: str = str(Path("var") / "bulk")
    # The health data warehouse's snapshots (hoso.warehouse; `hoso warehouse build`).
    warehouse_dir: str = str(Path("var") / "warehouse")
    # `$import` by URL fetches only under these prefixes (none by default: no fetching).
    import_sources: tuple[str, ...] = ()
    import_forward_token: bool = False  # send the caller's token along to those sources
    max_import_bytes: int = 1024 * 1024 * 1024  # an NDJSON body posted to `$import`
    # Self-claimed care (hoso.access.care_claims): a caller opening more records in an
    # hour than factor × its busiest hour of 30 days (and more than floor) is slowed to
    # one opening per slow_seconds and flagged for the data-protection officer.
    care_claim_floor: int = 30
    care_claim_factor: float = 2.0
    care_claim_slow_seconds: int = 10
    # -- how much work one request may ask for (docs/api.md#giới-hạn--limits) --
    max_json_depth: int = 64  # nesting of objects and arrays in a body
    max_element_repeats: int = 1000  # items of any one array in a body
    max_bundle_entries: int = 1000  # entries of a transaction or batch
    max_patch_operations: int = 1000  # operations of one JSON Patch or FHIRPath Patch
    max_search_parameters: int = 50  # parameters of one search (each repeat counts)
    max_search_values: int = 100  # comma-separated values of one parameter
    max_sort_keys: int = 8
    # A statement running longer is cancelled (PostgreSQL statement_timeout, a SQLite
    # progress handler) and the request answers 503; 0 = no limit (the CLI's bulk jobs).
    statement_timeout_ms: int = 10_000
    body_idle_seconds: float = 30.0  # a body that stalls this long answers 408
    body_timeout_seconds: float = 300.0  # and one that takes longer than this in all
    # -- interconnection (docs/interop.md) --
    # XML 130: a file whose facility signature (CHUKYDONVI) is missing or invalid is
    # refused instead of accepted with a warning.
    xml130_require_signature: bool = False
    # The national health record database (hoso.exchange.national): its FHIR R4 base,
    # our SMART Backend Services client id there and the private key file (JWK) that
    # signs our client assertions. No URL: the sync worker does not run.
    national_fhir_url: str | None = None
    national_client_id: str | None = None
    national_key_file: str | None = None
    sync_batch_size: int = 200  # changes per transaction Bundle sent
    # Subscriptions (hoso.exchange.subscriptions): rest-hook endpoints must start with
    # one of these (none by default: a Subscription cannot make this server call out).
    subscription_endpoints: tuple[str, ...] = ()
    # Booking messages (one-time codes, reminders, waitlist offers; hoso.booking.sender):
    # "log" writes them to the server log (development, demos), "module:Class" plugs a
    # gateway (an SMS provider's client) built with no arguments.
    booking_sender: str = "log"

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        env = os.environ
        return cls(
            database_url=database_url or env.get("HOSO_DATABASE_URL") or default_database_url(),
            cccd_system=env.get("HOSO_CCCD_SYSTEM", DEFAULT_CCCD_SYSTEM),
            bhyt_system=env.get("HOSO_BHYT_SYSTEM", DEFAULT_BHYT_SYSTEM),
            bhxh_system=env.get("HOSO_BHXH_SYSTEM", DEFAULT_BHXH_SYSTEM),
            facility_system=env.get("HOSO_FACILITY_SYSTEM", DEFAULT_FACILITY_SYSTEM),
            max_body_bytes=int(env.get("HOSO_MAX_BODY_BYTES", 16 * 1024 * 1024)),
            care_window_days=int(env.get("HOSO_CARE_WINDOW_DAYS", 365)),
            break_glass_minutes=int(env.get("HOSO_BREAK_GLASS_MINUTES", 60)),
            audit_key=env["HOSO_AUDIT_KEY"].encode() if env.get("HOSO_AUDIT_KEY") else None,
            audit_spool_dir=env.get("HOSO_AUDIT_SPOOL_DIR", str(Path("var") / "audit-spool"))
            or None,
            audit_chain_interval=float(env.get("HOSO_AUDIT_CHAIN_INTERVAL", 0.05)),
            public_base_url=env.get("HOSO_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            access_token_seconds=int(env.get("HOSO_ACCESS_TOKEN_SECONDS", 300)),
            refresh_token_hours=int(env.get("HOSO_REFRESH_TOKEN_HOURS", 12)),
            authorization_code_seconds=int(env.get("HOSO_AUTHORIZATION_CODE_SECONDS", 60)),
            signing_alg=env.get("HOSO_SIGNING_ALG", "ES256"),
            revocation_refresh_seconds=float(env.get("HOSO_REVOCATION_REFRESH_SECONDS", 2.0)),
            login_max_failures=int(env.get("HOSO_LOGIN_MAX_FAILURES", 5)),
            login_lockout_minutes=int(env.get("HOSO_LOGIN_LOCKOUT_MINUTES", 15)),
            key_encryption_key=env.get("HOSO_KEY_ENCRYPTION_KEY") or None,
            external_idps=external_idps_from(env),
            rate_limit_per_minute=int(env.get("HOSO_RATE_LIMIT_PER_MINUTE", 600)),
            rate_limit_burst=int(env.get("HOSO_RATE_LIMIT_BURST", 60)),
            rate_limits_by_role=_role_limits(env),
            trust_proxy_headers=_flag(env.get("HOSO_TRUST_PROXY_HEADERS", "")),
            bulk_dir=env.get("HOSO_BULK_DIR") or str(Path("var") / "bulk"),
            warehouse_dir=env.get("HOSO_WAREHOUSE_DIR") or str(Path("var") / "warehouse"),
            import_sources=tuple(
                p.strip() for p in env.get("HOSO_IMPORT_SOURCES", "").split(",") if p.strip()
            ),
            import_forward_token=_flag(env.get("HOSO_IMPORT_FORWARD_TOKEN", "")),
            max_import_bytes=int(env.get("HOSO_MAX_IMPORT_BYTES", 1024 * 1024 * 1024)),
            xml130_require_signature=_flag(env.get("HOSO_XML130_REQUIRE_SIGNATURE", "")),
            national_fhir_url=(env.get("HOSO_NATIONAL_FHIR_URL") or "").rstrip("/") or None,
            national_client_id=env.get("HOSO_NATIONAL_CLIENT_ID") or None,
            national_key_file=env.get("HOSO_NATIONAL_KEY_FILE") or None,
            subscription_endpoints=tuple(
                p.strip() for p in env.get("HOSO_SUBSCRIPTION_ENDPOINTS", "").split(",")
                if p.strip()
            ),
            booking_sender=env.get("HOSO_BOOKING_SENDER", "").strip() or "log",
            **_limits_from(env),
        )


_LIMITS = {
    "care_claim_floor": ("HOSO_CARE_CLAIM_FLOOR", int),
    "care_claim_factor": ("HOSO_CARE_CLAIM_FACTOR", float),
    "care_claim_slow_seconds": ("HOSO_CARE_CLAIM_SLOW_SECONDS", int),
    "max_json_depth": ("HOSO_MAX_JSON_DEPTH", int),
    "max_element_repeats": ("HOSO_MAX_ELEMENT_REPEATS", int),
    "max_bundle_entries": ("HOSO_MAX_BUNDLE_ENTRIES", int),
    "max_patch_operations": ("HOSO_MAX_PATCH_OPERATIONS", int),
    "max_search_parameters": ("HOSO_MAX_SEARCH_PARAMETERS", int),
    "max_search_values": ("HOSO_MAX_SEARCH_VALUES", int),
    "max_sort_keys": ("HOSO_MAX_SORT_KEYS", int),
    "statement_timeout_ms": ("HOSO_STATEMENT_TIMEOUT_MS", int),
    "body_idle_seconds": ("HOSO_BODY_IDLE_SECONDS", float),
    "body_timeout_seconds": ("HOSO_BODY_TIMEOUT_SECONDS", float),
    "session_idle_minutes": ("HOSO_SESSION_IDLE_MINUTES", int),
    "session_hours": ("HOSO_SESSION_HOURS", int),
    "session_rotate_minutes": ("HOSO_SESSION_ROTATE_MINUTES", int),
    "sync_batch_size": ("HOSO_SYNC_BATCH_SIZE", int),
}


def _limits_from(env: Mapping[str, str]) -> dict[str, float | int]:
    """The request limits set in the environment (the rest keep their defaults)."""
    return {field: kind(env[name]) for field, (name, kind) in _LIMITS.items() if env.get(name)}


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def external_idps_from(env: Mapping[str, str]) -> tuple[ExternalIdp, ...]:
    """HOSO_EXTERNAL_IDPS=vneid,city with, for each NAME, HOSO_IDP_<NAME>_ISSUER,
    _JWKS_URL, _CLIENT_ID, _CLIENT_SECRET (optional), _CLAIM (default preferred_username)
    and _ROLES (comma separated, default resident)."""
    idps = []
    for name in filter(None, (n.strip() for n in env.get("HOSO_EXTERNAL_IDPS", "").split(","))):
        prefix = f"HOSO_IDP_{name.upper()}_"
        required = [prefix + k for k in ("ISSUER", "JWKS_URL", "CLIENT_ID")]
        missing = [variable for variable in required if not env.get(variable)]
        if missing:
            raise ValueError(f"Thiếu / missing {', '.join(missing)} for HOSO_EXTERNAL_IDPS={name}")
        idps.append(
            ExternalIdp(
                name=name,
                issuer=env[prefix + "ISSUER"].rstrip("/"),
                jwks_url=env[prefix + "JWKS_URL"],
                client_id=env[prefix + "CLIENT_ID"],
                client_secret=env.get(prefix + "CLIENT_SECRET") or None,
                username_claim=env.get(prefix + "CLAIM", "preferred_username"),
                roles=tuple(r.strip() for r in env.get(prefix + "ROLES", "resident").split(",")),
            )
        )
    return tuple(idps)
