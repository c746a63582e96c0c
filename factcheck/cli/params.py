"""Plain conversion of the command line's values: text, numbers in a range, flags, paths.

Typer converts every parameter (even --help) through a pydantic TypeAdapter, and importing pydantic
and building the adapters costs more than most commands' own work. factcheck's parameters are
text, bounded numbers, flags and paths, which need none of that: they are converted here, with
pydantic's rules and messages (tests/test_hostile_refs.py and tests/test_bad_input.py check them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import BadParameter
from typer._click import Command, Context
from typer._coercion import RuntimeParam
from typer._param_types import coerce_cli_path
from typer.core import _TyperParameter

_NUMBER_WORDS = {int: "a valid integer", float: "a valid number"}
_PARSE_WORDS = {int: "an integer", float: "a number"}
_BOOLEANS = dict.fromkeys(["1", "true", "t", "yes", "y", "on"], True)
_BOOLEANS |= dict.fromkeys(["", "0", "false", "f", "no", "n", "off"], False)

PLAIN = (str, int, float, bool, Path)


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """Converts one value (or each of a repeated option's values) to its annotation."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if isinstance(value, (list, tuple)):
            return [self._one(item, param, ctx) for item in value]
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        kind, info = _leaf(self.annotation), self.parameter_info
        if kind is str:
            return str(value)
        if kind is bool:  # a flag is a bool already; text comes from an environment variable
            flag = value if isinstance(value, bool) else _BOOLEANS.get(str(value).strip().lower())
            if flag is None:
                raise BadParameter("Input should be a valid boolean, unable to interpret input", ctx=ctx, param=param)
            return flag
        if kind is Path:
            # A Path in hand spares Typer its own pydantic conversion; it still checks exists= etc.
            return coerce_cli_path(Path(value), info, path_type=info.path_type or Path, param=param, ctx=ctx)
        text = str(value).strip()
        if kind is int:  # "5.0" is 5, as pydantic reads it
            text = re.sub(r"(?<=\d)\.0+$", "", text)
        try:
            if not text.isascii():  # int("٣") is 3; pydantic refuses digits beyond ASCII
                raise ValueError(text)
            number = kind(text)
        except ValueError:
            message = f"Input should be {_NUMBER_WORDS[kind]}, unable to parse string as {_PARSE_WORDS[kind]}"
            raise BadParameter(message, ctx=ctx, param=param) from None
        # Compared as pydantic does, so that NaN is refused as above the maximum.
        if info.min is not None and number < info.min:
            raise BadParameter(f"Input should be greater than or equal to {info.min}", ctx=ctx, param=param)
        if info.max is not None and not number <= info.max:
            raise BadParameter(f"Input should be less than or equal to {info.max}", ctx=ctx, param=param)
        return number


def _leaf(annotation: Any) -> Any:
    """str for list[str]; the annotation itself otherwise."""
    return get_args(annotation)[0] if get_origin(annotation) is list else annotation


def plain(command: Command) -> Command:
    """Give the command's text, number, flag and path parameters the plain conversion; anything
    else keeps Typer's."""
    # --help too: the command makes its option once, here, rather than at parse time.
    for param in [*command.params, command.get_help_option(Context(command))]:
        if not isinstance(param, _TyperParameter):
            continue
        descriptor = param.type_descriptor
        if descriptor.parameter_info.parser is None and _leaf(descriptor.annotation) in PLAIN:
            param._runtime_param = _Plain(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
    return command
