from __future__ import annotations

from pathlib import Path

import pytest

from brickyard.core import ExitCode
from brickyard.jobs.errors import ConfigError
from brickyard.jobs.settings import load_settings


def test_committed_defaults_load(config_dir: Path) -> None:
    settings = load_settings(config_dir, environ={})
    assert settings.environment == "dev"
    assert settings.dataset.source == "sample:seattle_weather"
    assert settings.run.log_format == "text"


def test_layers_apply_in_order(config_dir: Path) -> None:
    (config_dir / "local.toml").write_text("[model]\nmax_iter = 50\nlearning_rate = 0.2\n")
    environ = {"BRICKYARD__MODEL__MAX_ITER": "75"}
    settings = load_settings(config_dir, "prod", ["model.max_leaf_nodes=15"], environ)
    assert settings.run.log_format == "json"  # env/prod.toml
    assert settings.model.learning_rate == 0.2  # local.toml
    assert settings.model.max_iter == 75  # environment beats local.toml
    assert settings.model.max_leaf_nodes == 15  # --set
    overridden = load_settings(config_dir, "prod", ["model.max_iter=99"], environ)
    assert overridden.model.max_iter == 99  # --set beats the environment


def test_environment_comes_from_variable(config_dir: Path) -> None:
    settings = load_settings(config_dir, environ={"BRICKYARD_ENV": "prod"})
    assert settings.environment == "prod"
    assert settings.output.dir == "/var/lib/brickyard"


def test_unknown_key_names_key_and_file(config_dir: Path) -> None:
    (config_dir / "env" / "prod.toml").write_text("[model]\nmax_iterations = 3\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config_dir, "prod", environ={})
    message = str(raised.value)
    assert "model.max_iterations" in message
    assert "prod.toml" in message
    assert raised.value.exit_code == ExitCode.CONFIG


def test_unknown_section_is_refused(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"modle \(set in --set"):
        load_settings(config_dir, overrides=["modle.max_iter=3"], environ={})


def test_wrong_type_names_key_and_layer(config_dir: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(config_dir, environ={"BRICKYARD__MODEL__MAX_ITER": "many"})
    assert "model.max_iter (set in environment variables)" in str(raised.value)
    assert "integer" in str(raised.value)


def test_unknown_environment_lists_known_ones(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown environment 'staging'.*\['dev', 'prod'\]"):
        load_settings(config_dir, "staging", environ={})


def test_malformed_override_is_refused(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match="expected section.key=value"):
        load_settings(config_dir, overrides=["model.max_iter"], environ={})


def test_invalid_toml_names_file(config_dir: Path) -> None:
    (config_dir / "local.toml").write_text("[model\n")
    with pytest.raises(ConfigError, match=r"local.toml: not valid TOML"):
        load_settings(config_dir, environ={})


def test_command_line_options_are_typed_values_that_win_over_every_layer(
    config_dir: Path,
) -> None:
    settings = load_settings(
        config_dir,
        overrides=["engine.name=duckdb", "run.log_format=text"],
        environ={"BRICKYARD__ENGINE__SPARK_MASTER": "spark://elsewhere:7077"},
        engine="spark",
        spark_master="local[2]",
        log_format="json",
    )
    assert (settings.engine.name, settings.engine.spark_master) == ("spark", "local[2]")
    assert settings.run.log_format == "json"
    assert load_settings(config_dir, environ={}).engine.name == "duckdb"


def test_an_invalid_option_value_names_the_option(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"engine.spark_master \(set in --spark-master\)"):
        load_settings(config_dir, environ={}, spark_master="")
