"""The llm settings section: environment variables, prices, nothing configured by default."""

from pathlib import Path

import pytest

from earnest.errors import ConfigError
from earnest.settings import Settings


def test_no_llm_unless_configured(tmp_path: Path) -> None:
    assert not Settings.load(tmp_path, env={}).llm.configured


def test_environment_variables(tmp_path: Path) -> None:
    s = Settings.load(tmp_path, env={"EARNEST_LLM_BASE_URL": "http://127.0.0.1:8080/v1",
                                     "EARNEST_LLM_MODEL": "qwen", "EARNEST_LLM_API_KEY_ENV":
                                     "MY_KEY", "EARNEST_LLM__UNSUPPORTED": "remove"})
    assert s.llm.configured and s.llm.model == "qwen" and s.llm.api_key_env == "MY_KEY"
    assert s.llm.unsupported == "remove"
    with pytest.raises(ConfigError):
        Settings.load(tmp_path, env={"EARNEST_LLM__UNSUPPORTED": "hide"})
    with pytest.raises(ConfigError):  # the key itself is never a setting
        Settings.load(tmp_path, env={"EARNEST_LLM__API_KEY": "sk-..."})


def test_prices_from_a_config_file_extend_the_table(tmp_path: Path) -> None:
    (tmp_path / "earnest.toml").write_text(
        '[llm]\nmodel = "my-model"\n[llm.prices."my-model"]\n'
        "input_per_mtok = 1.0\noutput_per_mtok = 2.0\n")
    llm = Settings.load(tmp_path, env={}).llm
    assert llm.price("my-model").output_per_mtok == 2.0
    assert llm.price("gpt-4o-mini-2024-07-18").input_per_mtok == 0.15  # a dated snapshot
    assert llm.price("llama3") is None
