"""Settings from the environment (see CONTRACTS.md) and configuration from TOML.

``assets/config/defaults.toml`` holds the administrator's defaults; ``PARLEY_CONFIG`` may
name a TOML file whose values override them, table by table.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TRUE = {"1", "true", "yes", "on"}


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


# --- carrier gateway (issue 13) ---
GATEWAYS = ("simulator", "kannel", "twilio")
DEFAULT_KANNEL_SENDSMS_URL = "http://127.0.0.1:13013/cgi-bin/sendsms"


@dataclass(frozen=True)
class KannelSettings:
    """Where Parley reaches smsbox's sendsms interface, as which ``sendsms-user``."""

    sendsms_url: str
    username: str
    password: str


def _gateway(env: Mapping[str, str]) -> str:
    gateway = env.get("PARLEY_GATEWAY", "simulator").strip().lower() or "simulator"
    if gateway not in GATEWAYS:
        raise SettingsError(
            f"PARLEY_GATEWAY must be one of {', '.join(GATEWAYS)}, got {gateway!r}.")
    return gateway


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, "").strip() or default
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise SettingsError(f"{name} must be an http:// or https:// URL, got {url!r}.")
    return url.rstrip("/")


# --- Twilio (issue 13) ---
DEFAULT_TWILIO_API_BASE = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioSettings:
    """The Twilio account Parley sends as (and whose signatures it checks)."""

    account_sid: str
    auth_token: str
    messaging_service_sid: str | None  # send through a Messaging Service instead of From
    api_base: str  # Twilio's REST API; tests point it at a local stand-in


def _twilio(env: Mapping[str, str]) -> TwilioSettings:
    _require(env, ("PARLEY_TWILIO_ACCOUNT_SID", "PARLEY_TWILIO_AUTH_TOKEN"),
             "PARLEY_GATEWAY=twilio (Account SID and Auth Token from the Twilio console).")
    sid = env["PARLEY_TWILIO_ACCOUNT_SID"].strip()
    if not sid.startswith("AC"):
        raise SettingsError(f"PARLEY_TWILIO_ACCOUNT_SID starts with 'AC', got {sid[:6]!r}...")
    service = env.get("PARLEY_TWILIO_MESSAGING_SERVICE_SID", "").strip() or None
    if service is not None and not service.startswith("MG"):
        raise SettingsError("PARLEY_TWILIO_MESSAGING_SERVICE_SID starts with 'MG'.")
    return TwilioSettings(
        account_sid=sid,
        auth_token=env["PARLEY_TWILIO_AUTH_TOKEN"].strip(),
        messaging_service_sid=service,
        api_base=_http_url(env, "PARLEY_TWILIO_API_BASE", DEFAULT_TWILIO_API_BASE),
    )


def _kannel(env: Mapping[str, str]) -> KannelSettings:
    _require(env, ("PARLEY_KANNEL_USERNAME", "PARLEY_KANNEL_PASSWORD"),
             "PARLEY_GATEWAY=kannel (the sendsms-user in kannel.conf).")
    return KannelSettings(
        sendsms_url=_http_url(env, "PARLEY_KANNEL_SENDSMS_URL", DEFAULT_KANNEL_SENDSMS_URL),
        username=env["PARLEY_KANNEL_USERNAME"].strip(),
        password=env["PARLEY_KANNEL_PASSWORD"].strip(),
    )


def _require(env: Mapping[str, str], names: tuple[str, ...], why: str) -> None:
    missing = [name for name in names if not env.get(name, "").strip()]
    if missing:
        raise SettingsError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required with "
            f"{why}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str
    port: int
    api_token: str
    demo: bool
    test_mode: bool
    config_file: Path | None
    storage_secret: str
    config: dict[str, Any] = field(default_factory=dict)
    # --- carrier gateway (issue 13) ---
    gateway: str = "simulator"  # one of GATEWAYS
    public_url: str = ""  # how Kannel / Twilio reach Parley (dlr-url, signatures)
    twilio: TwilioSettings | None = None  # set when gateway == "twilio"
    kannel: KannelSettings | None = None  # set when gateway == "kannel"

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.config.get(name, {}))


def _flag(env: Mapping[str, str], name: str, default: str) -> bool:
    return env.get(name, default).strip().lower() in TRUE


def merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (tables merge, values replace)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(defaults: Path, override: Path | None) -> dict[str, Any]:
    config = tomllib.loads(defaults.read_text(encoding="utf-8"))
    if override is not None:
        try:
            config = merge(config, tomllib.loads(override.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise SettingsError(f"PARLEY_CONFIG names a missing file: {override}") from exc
        except OSError as exc:  # a folder, no permission, ...
            raise SettingsError(f"PARLEY_CONFIG {override} cannot be read: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"PARLEY_CONFIG {override} is not valid TOML: {exc}") from exc
    return config


def _storage_secret(env: Mapping[str, str], data_dir: Path) -> str:
    if env.get("PARLEY_STORAGE_SECRET"):
        return env["PARLEY_STORAGE_SECRET"]
    path = data_dir / "storage-secret"
    if path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:  # an empty file (e.g. an interrupted first start) is no secret at all
            return stored
    secret = secrets.token_urlsafe(32)
    # Created readable by the owner only, from the first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def load_settings(env: Mapping[str, str] | None = None, assets: Path | None = None) -> Settings:
    """Read every ``PARLEY_*`` setting, creating the data folder if needed."""
    env = os.environ if env is None else env
    assets = assets or Path(__file__).resolve().parent.parent / "assets"
    data_dir = Path(env.get("PARLEY_DATA_DIR", "./data")).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    demo = _flag(env, "PARLEY_DEMO", "1")
    token = env.get("PARLEY_API_TOKEN", "").strip()
    if not token:
        if not demo:
            raise SettingsError("PARLEY_API_TOKEN is required when PARLEY_DEMO is off.")
        token = "demo-token"
    try:
        port = int(env.get("PARLEY_PORT", "8080"))
    except ValueError as exc:
        raise SettingsError("PARLEY_PORT must be a number.") from exc
    if not 1 <= port <= 65535:
        raise SettingsError("PARLEY_PORT must be between 1 and 65535.")
    config_file = Path(env["PARLEY_CONFIG"]) if env.get("PARLEY_CONFIG") else None
    host = env.get("PARLEY_HOST", "127.0.0.1")
    # --- carrier gateway (issue 13) ---
    gateway = _gateway(env)
    public_url = _http_url(env, "PARLEY_PUBLIC_URL", f"http://{host}:{port}")
    twilio = _twilio(env) if gateway == "twilio" else None
    kannel = _kannel(env) if gateway == "kannel" else None
    return Settings(
        data_dir=data_dir,
        database_url=env.get("PARLEY_DATABASE_URL") or f"sqlite:///{data_dir / 'parley.db'}",
        host=host,
        port=port,
        api_token=token,
        demo=demo,
        test_mode=_flag(env, "PARLEY_TEST_MODE", "0"),
        config_file=config_file,
        storage_secret=_storage_secret(env, data_dir),
        config=load_config(assets / "config" / "defaults.toml", config_file),
        gateway=gateway,
        public_url=public_url,
        twilio=twilio,
        kannel=kannel,
    )
