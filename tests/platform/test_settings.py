import os
import stat

import pytest

from brickwork.platform.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("BRICKWORK_"):
            monkeypatch.delenv(name)


def test_defaults_put_the_database_and_secret_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path / "var"))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{(tmp_path / 'var' / 'brickwork.db').resolve()}"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.default_locale == "zh-CN"
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_generated_secret_is_kept_across_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path))
    assert load_settings().secret_key == load_settings().secret_key
    assert len(load_settings().secret_key) >= 48


def test_an_explicit_secret_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRICKWORK_SECRET_KEY", "from-the-environment")
    assert load_settings().secret_key == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("BRICKWORK_TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("BRICKWORK_DEFAULT_LOCALE", "fr", "'fr' is not one of zh-CN, en"),
        ("BRICKWORK_DATABASE_URL", "mysql://x/y", "only sqlite and postgresql"),
        ("BRICKWORK_DATABASE_URL", "::not a url::", "cannot parse"),
        ("BRICKWORK_LOGIN_MAX_FAILURES", "many", "integer"),
        ("BRICKWORK_LOGIN_MAX_FAILURES", "0", "greater than or equal to 1"),
        ("BRICKWORK_LOGIN_WINDOW_SECONDS", "-1", "greater than or equal to 1"),
        ("BRICKWORK_SESSION_DAYS", "1000000000", "less than or equal to 3650"),
        ("BRICKWORK_SESSION_DAYS", "0", "greater than or equal to 1"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_variable(tmp_path, monkeypatch, variable, value, reason):
    monkeypatch.setenv("BRICKWORK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert reason in message
    assert "\n" not in message
