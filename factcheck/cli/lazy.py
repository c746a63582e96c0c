"""Commands made when first used: a command runs after importing its own module and building its
own parameters, not every command's."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

import typer
from typer._click.core import Command

from .params import plain


class OnDemand(MutableMapping[str, Command]):
    """Commands by name, each made by `make(name)` the first time it is looked up; listing the
    names makes none."""

    def __init__(self, names: Iterable[str], make: Callable[[str], Command]) -> None:
        self._names = list(names)
        self._make = make
        self._made: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._made:
            if name not in self._names:
                raise KeyError(name)
            self._made[name] = self._make(name)
        return self._made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._made[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        if name not in self._names:
            raise KeyError(name)
        self._names.remove(name)
        self._made.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def mounted(name: str, target: typer.Typer | Callable[..., Any]) -> Command:
    """The Click command that `app.add_typer(target, name=name)` (a group) or
    `app.command(name)(target)` would put on factcheck's top-level app; a group's own commands
    are made on demand."""
    from typer.main import get_command_from_info, get_command_name, get_group

    mount = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
    if not isinstance(target, typer.Typer):
        mount.command(name)(target)
        return plain(get_group(mount).commands[name])
    infos = {
        info.name or get_command_name(getattr(info.callback, "__name__", "")): info
        for info in target.registered_commands
    }
    shell = copy.copy(target)
    shell.registered_commands = []  # Typer makes the group alone; its commands are made below
    mount.add_typer(shell, name=name)
    group = plain(get_group(mount).commands[name])
    group.commands = OnDemand(  # type: ignore[attr-defined]
        infos,
        lambda each: plain(
            get_command_from_info(
                infos[each],
                pretty_exceptions_short=mount.pretty_exceptions_short,
                rich_markup_mode=mount.rich_markup_mode,
            )
        ),
    )
    return group
