"""Help that reads like the best CLIs': QUESTION and `--k N`, not typer's `{question} <str>`
and `--json <bool>`. The root command group calls ``plain_help`` on its tree before parsing."""

from __future__ import annotations

from typing import Any

import typer
import typer.core


class _Argument(typer.core.TyperArgument):
    """Help shows QUESTION, not `{question} <str>`: no internal type labels."""

    def _usage_display_name(self) -> str:
        return self.display_name_raw if self.required else f"[{self.display_name_raw}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Option(typer.core.TyperOption):
    """Help shows `--k N`, `--library PATH`; a flag shows nothing after its name."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or _metavar(self)


def _metavar(param: Any) -> str:
    desc = param.type_descriptor
    if desc.is_path:
        return "PATH"
    return {int: "N", float: "NUMBER"}.get(desc.annotation, (param.name or "text").upper())


def plain_help(command: Any) -> None:
    """Swap typer's parameter classes for ours, once per command tree."""
    if getattr(command, "_help_option", None) is None and hasattr(command, "get_help_option"):
        command.get_help_option(typer.core._click.Context(command))
    for param in [*getattr(command, "params", []), getattr(command, "_help_option", None)]:
        if type(param) is typer.core.TyperArgument:
            param.__class__ = _Argument
            if param.metavar is None:
                param.metavar = (param.name or "arg").upper() + ("..." if param.nargs != 1
                                                                 else "")
        elif type(param) is typer.core.TyperOption:
            param.__class__ = _Option
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
