"""The MongoDB schema sample size comes from the config (``mongo_sample_size``) wherever dbscope opens an
adapter: ``open_adapter`` (the CLI's path) and the app's session. No MongoDB server exists here, so
the app test points at a closed port with a short server-selection timeout and checks the adapter it
built before the connection failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.adapters import open_adapter
from tui.adapters.mongo import DEFAULT_SAMPLE_SIZE, MongoAdapter
from tui.config import Settings, load_settings
from tui.core.connspec import parse_url
from tui.core.errors import DbscopeError

CLOSED = "mongodb://127.0.0.1:1/shop?serverSelectionTimeoutMS=200&connectTimeoutMS=200"


def test_open_adapter_applies_the_sample_size() -> None:
    adapter = open_adapter(parse_url(CLOSED), mongo_sample_size=37)
    assert isinstance(adapter, MongoAdapter) and adapter.sample_size == 37
    assert open_adapter(parse_url(CLOSED)).sample_size == DEFAULT_SAMPLE_SIZE  # type: ignore[attr-defined]
    # Other engines take no sample size and are built as before.
    assert not hasattr(open_adapter(parse_url("postgresql:///x"), mongo_sample_size=37), "sample_size")


def test_config_file_value_reaches_the_app_adapter(tmp_path: Path) -> None:
    from tui.app import DbscopeApp

    config = tmp_path / "config.toml"
    config.write_text("mongo_sample_size = 25\n", encoding="utf-8")
    settings = load_settings(config)
    assert settings.mongo_sample_size == 25
    app = DbscopeApp(spec=settings.connection_spec(CLOSED), settings=settings, watch_terminal=False)
    with pytest.raises(DbscopeError):
        app.open_session("connect")  # what the connect worker calls
    assert isinstance(app.adapter, MongoAdapter) and app.adapter.sample_size == 25
    app.adapter.close()


def test_default_settings_keep_the_adapter_default() -> None:
    assert Settings().mongo_sample_size == DEFAULT_SAMPLE_SIZE
