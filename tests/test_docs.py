"""The README is part of the product: commands, settings and set-up lines are checked here."""

import re
from pathlib import Path

import typer

from earnest.cli import app
from earnest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out += _commands(cmd, f"{prefix}{name} ")
        else:
            out.append(f"{prefix}{name}")
    return out


def test_every_command_is_documented() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 9
    for command in commands:
        assert re.search(rf"earnest {command}\b", README), f"`earnest {command}` is undocumented"


def test_every_setting_is_documented() -> None:
    names = [name for name, field in Settings.model_fields.items()
             if name != "library" and field.annotation in (int, float, str, bool)]
    assert "max_file_mb" in names and "max_document_chars" in names
    for section, field in Settings.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and hasattr(sub, "model_fields"):
            names += [f"{section}.{name}" for name in sub.model_fields]
    for name in names:
        assert f"`{name}`" in README or f"`{name} " in README or f"{name}` /" in README \
            or f"/ `{name}`" in README, f"setting {name} is not in the README"


def test_two_setup_commands_and_ci_runs_the_test_one() -> None:
    block = re.search(r"```\n(.*?)\n```", README, re.S)
    lines = block.group(1).splitlines()
    assert len(lines) == 2 and "quickstart" in lines[0] and "pytest" in lines[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci.splitlines()


def test_every_route_is_documented(tmp_path, embedder) -> None:
    from earnest import Earnest
    from earnest.api import create_app

    service = Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder)
    try:
        paths = create_app(service=service).openapi()["paths"]
    finally:
        service.close()
    assert len(paths) >= 12
    readme = re.sub(r"\{[^}]*\}", "{}", README)
    for path, operations in paths.items():
        template = re.sub(r"\{[^}]*\}", "{}", path)
        assert f"{template}`" in readme or f"{template} " in readme, f"{path} is undocumented"
        for method in operations:
            assert method.upper() in readme, f"{method.upper()} {path} is undocumented"
