from pathlib import Path

import pytest

from earnest.errors import ConfigError
from earnest.settings import Settings


def test_library_precedence(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "a", env={"EARNEST_HOME": str(tmp_path / "b")}).library \
        == tmp_path / "a"
    assert Settings.load(env={"EARNEST_HOME": str(tmp_path / "b")}).library == tmp_path / "b"
    assert Settings.load(env={}).library == Path("~/.earnest").expanduser()


def test_env_and_file_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "earnest.toml").write_text("[retrieve]\nk = 7\n[answer]\nmax_sentences = 3\n")
    s = Settings.load(tmp_path, env={"EARNEST_ANSWER__MAX_SENTENCES": "4",
                                     "EARNEST_RETRIEVE_CANDIDATES": "30"})
    assert (s.retrieve.k, s.answer.max_sentences, s.retrieve.candidates) == (7, 4, 30)
    assert Settings.load(tmp_path, env={}, retrieve__k=9).retrieve.k == 9


def test_bad_settings_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid settings"):
        Settings.load(tmp_path, env={"EARNEST_RETRIEVE__K": "zero"})
    with pytest.raises(ConfigError, match="invalid settings"):
        Settings.load(tmp_path, env={"EARNEST_RETRIEVE__NO_SUCH_FIELD": "1"})
    assert Settings.load(tmp_path, env={"EARNEST_SHARED_DATA": "/x"}).retrieve.k == 5
    (tmp_path / "earnest.toml").write_text("this is [ not toml")
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.load(tmp_path, env={})


def test_index_identity_tracks_index_settings(tmp_path: Path) -> None:
    a = Settings.load(tmp_path, env={})
    assert a.index_identity() == Settings.load(tmp_path, env={}, retrieve__k=3).index_identity()
    assert a.index_identity() != Settings.load(tmp_path, env={},
                                               chunk__max_tokens=100).index_identity()
