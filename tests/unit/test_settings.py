"""Settings from the environment (CONTRACTS.md) and configuration from TOML."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from domain.auth import LockoutPolicy
from domain.settings import Settings, SettingsError, load_settings, merge

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEFAULTS = tomllib.loads((ASSETS / "config" / "defaults.toml").read_text(encoding="utf-8"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def load(data_dir: Path, **env: str) -> Settings:
    return load_settings(env={"PARLEY_DATA_DIR": str(data_dir), **env}, assets=ASSETS)


def test_defaults(data_dir: Path) -> None:
    settings = load(data_dir)

    assert settings.data_dir == data_dir.resolve()
    assert data_dir.is_dir()  # created on first start
    assert settings.database_url == f"sqlite:///{data_dir.resolve() / 'parley.db'}"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.demo is True
    assert settings.api_token == "demo-token"
    assert settings.test_mode is False
    assert settings.config_file is None
    assert settings.config == DEFAULTS


def test_default_assets_are_the_projects(data_dir: Path) -> None:
    settings = load_settings(env={"PARLEY_DATA_DIR": str(data_dir)})
    assert settings.config == DEFAULTS


def test_default_configuration_is_usable(data_dir: Path) -> None:
    settings = load(data_dir)

    assert "Lunch" in settings.section("presence")["not_ready_reasons"]
    LockoutPolicy(**settings.section("login"))  # main.py builds the policy like this
    assert settings.section("no such table") == {}


def test_section_is_a_copy(data_dir: Path) -> None:
    settings = load(data_dir)
    settings.section("login")["lock_seconds"] = 1
    assert settings.section("login")["lock_seconds"] == DEFAULTS["login"]["lock_seconds"]


def test_every_setting_can_be_changed(data_dir: Path) -> None:
    settings = load(
        data_dir,
        PARLEY_DATABASE_URL="postgresql+psycopg://parley@db/parley",
        PARLEY_HOST="0.0.0.0",
        PARLEY_PORT="9000",
        PARLEY_API_TOKEN="  s3cret  ",
        PARLEY_DEMO="0",
        PARLEY_TEST_MODE="1",
    )

    assert settings.database_url == "postgresql+psycopg://parley@db/parley"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.api_token == "s3cret"
    assert settings.demo is False
    assert settings.test_mode is True


def test_a_token_is_used_with_demo_data_too(data_dir: Path) -> None:
    assert load(data_dir, PARLEY_API_TOKEN="mine").api_token == "mine"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " 1 "])
def test_flags_accept_common_true_spellings(data_dir: Path, value: str) -> None:
    assert load(data_dir, PARLEY_TEST_MODE=value).test_mode is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "False"])
def test_flags_accept_common_false_spellings(data_dir: Path, value: str) -> None:
    settings = load(data_dir, PARLEY_DEMO=value, PARLEY_API_TOKEN="t")
    assert settings.demo is False


@pytest.mark.parametrize("token", [None, "", "   "])
def test_without_demo_data_a_token_is_required(data_dir: Path, token: str | None) -> None:
    env = {"PARLEY_DEMO": "0"} | ({} if token is None else {"PARLEY_API_TOKEN": token})

    with pytest.raises(SettingsError, match="PARLEY_API_TOKEN is required"):
        load(data_dir, **env)


@pytest.mark.parametrize("port", ["eighty", "80.5", "8080x"])
def test_a_port_must_be_a_number(data_dir: Path, port: str) -> None:
    with pytest.raises(SettingsError, match="^PARLEY_PORT must be a number.$"):
        load(data_dir, PARLEY_PORT=port)


@pytest.mark.parametrize("port", ["0", "-1", "65536", "80800"])
def test_a_port_must_be_in_range(data_dir: Path, port: str) -> None:
    with pytest.raises(SettingsError, match="^PARLEY_PORT must be between 1 and 65535.$"):
        load(data_dir, PARLEY_PORT=port)


def test_settings_errors_are_value_errors() -> None:
    assert issubclass(SettingsError, ValueError)


def test_a_config_file_overrides_only_what_it_names(data_dir: Path, tmp_path: Path) -> None:
    override = tmp_path / "site.toml"
    override.write_text(
        """
        [login]
        lock_seconds = 5

        [transcript.colours]
        agent = "#000000"

        [brand_new]
        flag = true
        """,
        encoding="utf-8",
    )

    settings = load(data_dir, PARLEY_CONFIG=str(override))

    assert settings.config_file == override
    expected = {**DEFAULTS, "brand_new": {"flag": True}}
    expected["login"] = {**DEFAULTS["login"], "lock_seconds": 5}
    expected["transcript"] = {"colours": {**DEFAULTS["transcript"]["colours"], "agent": "#000000"}}
    assert settings.config == expected
    assert settings.config != DEFAULTS  # the override really did something


def test_a_config_file_may_replace_a_list(data_dir: Path, tmp_path: Path) -> None:
    override = tmp_path / "site.toml"
    override.write_text('[presence]\nnot_ready_reasons = ["Tea"]\n', encoding="utf-8")

    settings = load(data_dir, PARLEY_CONFIG=str(override))

    assert settings.section("presence")["not_ready_reasons"] == ["Tea"]


def test_a_missing_config_file_is_named(data_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(SettingsError) as raised:
        load(data_dir, PARLEY_CONFIG=str(missing))

    assert "PARLEY_CONFIG" in str(raised.value) and str(missing) in str(raised.value)


def test_an_invalid_config_file_is_named(data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[login\nlock_seconds = ", encoding="utf-8")

    with pytest.raises(SettingsError) as raised:
        load(data_dir, PARLEY_CONFIG=str(broken))

    assert "not valid TOML" in str(raised.value) and str(broken) in str(raised.value)


def test_a_folder_as_config_file_is_named(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load(data_dir, PARLEY_CONFIG=str(tmp_path))

    assert str(tmp_path) in str(raised.value)


def test_merge_does_not_change_its_inputs() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": 1}
    override = {"a": {"y": 3}}

    assert merge(base, override) == {"a": {"x": 1, "y": 3}, "b": 1}
    assert base == {"a": {"x": 1, "y": 2}, "b": 1}
    assert override == {"a": {"y": 3}}


def test_a_value_may_replace_a_table_and_back() -> None:
    assert merge({"a": {"x": 1}}, {"a": 5}) == {"a": 5}
    assert merge({"a": 5}, {"a": {"x": 1}}) == {"a": {"x": 1}}


def test_the_storage_secret_is_created_once_and_kept(data_dir: Path) -> None:
    first = load(data_dir).storage_secret
    second = load(data_dir).storage_secret

    assert first == second
    assert len(first) >= 32
    stored = data_dir / "storage-secret"
    assert stored.read_text(encoding="utf-8") == first
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_each_data_folder_has_its_own_secret(tmp_path: Path) -> None:
    assert load(tmp_path / "one").storage_secret != load(tmp_path / "two").storage_secret


def test_an_empty_secret_file_is_replaced(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "storage-secret").write_text("\n", encoding="utf-8")

    secret = load(data_dir).storage_secret

    assert len(secret) >= 32
    assert load(data_dir).storage_secret == secret


def test_the_storage_secret_setting_wins(data_dir: Path) -> None:
    load(data_dir)
    stored = (data_dir / "storage-secret").read_text(encoding="utf-8")

    settings = load(data_dir, PARLEY_STORAGE_SECRET="from-the-environment")

    assert settings.storage_secret == "from-the-environment"
    assert (data_dir / "storage-secret").read_text(encoding="utf-8") == stored


TWILIO = {"PARLEY_GATEWAY": "twilio", "PARLEY_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
          "PARLEY_TWILIO_AUTH_TOKEN": "secret-token"}


def test_twilio_settings(data_dir: Path) -> None:
    settings = load(data_dir, **TWILIO)
    assert settings.gateway == "twilio"
    assert settings.twilio is not None
    assert settings.twilio.account_sid == "AC" + "1" * 32
    assert settings.twilio.auth_token == "secret-token"
    assert settings.twilio.messaging_service_sid is None
    assert settings.twilio.api_base == "https://api.twilio.com"  # Twilio's own by default
    assert settings.public_url == "http://127.0.0.1:8080"
    other = load(data_dir, **TWILIO, PARLEY_TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32,
                 PARLEY_TWILIO_API_BASE="http://127.0.0.1:9999/",
                 PARLEY_PUBLIC_URL="https://parley.example.com/")
    assert other.twilio is not None
    assert other.twilio.messaging_service_sid == "MG" + "2" * 32
    assert other.twilio.api_base == "http://127.0.0.1:9999"
    assert other.public_url == "https://parley.example.com"
    assert load(data_dir).twilio is None  # the simulator needs no Twilio account


@pytest.mark.parametrize(("missing", "named"), [
    ("PARLEY_TWILIO_ACCOUNT_SID", "PARLEY_TWILIO_ACCOUNT_SID is required"),
    ("PARLEY_TWILIO_AUTH_TOKEN", "PARLEY_TWILIO_AUTH_TOKEN is required"),
])
def test_twilio_needs_its_account(data_dir: Path, missing: str, named: str) -> None:
    env = {k: v for k, v in TWILIO.items() if k != missing}
    with pytest.raises(SettingsError, match=named):
        load(data_dir, **env)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("PARLEY_TWILIO_ACCOUNT_SID", "SK123", "starts with 'AC'"),
    ("PARLEY_TWILIO_MESSAGING_SERVICE_SID", "PN1", "starts with 'MG'"),
    ("PARLEY_TWILIO_API_BASE", "api.twilio.com", "http:// or https://"),
])
def test_wrong_twilio_settings_are_named(
    data_dir: Path, name: str, value: str, words: str
) -> None:
    with pytest.raises(SettingsError, match=words):
        load(data_dir, **{**TWILIO, name: value})
# --- carrier gateway (issue 13) ---
KANNEL_USER = {"PARLEY_KANNEL_USERNAME": "parley", "PARLEY_KANNEL_PASSWORD": "s3cret"}


def test_gateway_defaults_to_the_simulator(data_dir: Path) -> None:
    settings = load(data_dir, PARLEY_HOST="127.0.0.2", PARLEY_PORT="9001")

    assert settings.gateway == "simulator"
    assert settings.kannel is None
    assert settings.public_url == "http://127.0.0.2:9001"


def test_kannel_gateway_settings(data_dir: Path) -> None:
    settings = load(data_dir, PARLEY_GATEWAY="Kannel", PARLEY_PUBLIC_URL="https://parley.example/",
                    **KANNEL_USER)

    assert settings.gateway == "kannel"
    assert settings.public_url == "https://parley.example"  # no trailing slash to double
    assert settings.kannel is not None
    assert settings.kannel.sendsms_url == "http://127.0.0.1:13013/cgi-bin/sendsms"
    assert (settings.kannel.username, settings.kannel.password) == ("parley", "s3cret")
    custom = load(data_dir, PARLEY_GATEWAY="kannel",
                  PARLEY_KANNEL_SENDSMS_URL="http://kannel:14013/cgi-bin/sendsms", **KANNEL_USER)
    assert custom.kannel is not None
    assert custom.kannel.sendsms_url == "http://kannel:14013/cgi-bin/sendsms"


def test_an_unknown_gateway_is_refused(data_dir: Path) -> None:
    with pytest.raises(SettingsError, match="PARLEY_GATEWAY must be one of simulator, kannel, "
                                            "twilio, got 'smpp'"):
        load(data_dir, PARLEY_GATEWAY="smpp")


def test_kannel_needs_its_sendsms_user(data_dir: Path) -> None:
    with pytest.raises(SettingsError, match="PARLEY_KANNEL_USERNAME and PARLEY_KANNEL_PASSWORD "
                                            "are required with PARLEY_GATEWAY=kannel"):
        load(data_dir, PARLEY_GATEWAY="kannel")
    with pytest.raises(SettingsError, match="PARLEY_KANNEL_PASSWORD is required"):
        load(data_dir, PARLEY_GATEWAY="kannel", PARLEY_KANNEL_USERNAME="parley")


@pytest.mark.parametrize("name", ["PARLEY_PUBLIC_URL", "PARLEY_KANNEL_SENDSMS_URL"])
def test_gateway_urls_must_be_http(data_dir: Path, name: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be an http:// or https:// URL"):
        load(data_dir, PARLEY_GATEWAY="kannel", **KANNEL_USER, **{name: "127.0.0.1:13013"})
