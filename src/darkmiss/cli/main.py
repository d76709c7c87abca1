"""The `darkmiss` command: a thin typer app. Each command lives in its own module with ``register``.

User errors print one line (parameter, value, what is allowed) on stderr and exit with code 2.
Shell completion: ``darkmiss --install-completion`` (bash, zsh, fish, PowerShell).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from darkmiss import __version__
from darkmiss.errors import DarkmissError, UserInputError
from darkmiss.parallel import single_threaded_blas


def _click_exception(name: str) -> Any:
    """click's exception class ``name`` (``UsageError``, ``ClickException``), from typer's public API.

    typer >= 0.20 vendors click, older typer uses the click package; either way ``typer.BadParameter``
    derives from that click's ``UsageError`` and ``ClickException``, which are the ones its parser raises.
    """
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise ImportError(f"typer.BadParameter does not derive from click's {name}")


_USAGE_ERROR = _click_exception("UsageError")
_CLICK_EXCEPTION = _click_exception("ClickException")

app = typer.Typer(
    name="darkmiss",
    help="The NA64 invisible dark-photon search (PRD 97, 072002) re-created from first principles.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
plot_app = typer.Typer(help="Figures of the chain (mplhep).", no_args_is_help=True)
app.add_typer(plot_app, name="plot", short_help="Figures (mplhep): Figs. 2–4, 6, 7, 15–17 and projections.")

# Each module defines register(app, plot_app).
COMMAND_MODULES = (
    "xsec",
    "width",
    "kfactor",
    "yields",
    "shower",
    "calorimetry",
    "simulate",
    "analyze",
    "limits",
    "reproduce",
    "project",
    "preset",
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


def _register_all() -> None:
    """Register every command module; a module that fails to import stops the program with its error."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"darkmiss.cli.{name}").register(app, plot_app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        with single_threaded_blas():  # parallel over processes (darkmiss.parallel), not BLAS threads
            result = app(args=args, prog_name="darkmiss", standalone_mode=False)
    except UserInputError as exc:
        sys.stderr.write(f"darkmiss: error: {exc}\n")
        return 2
    except DarkmissError as exc:
        sys.stderr.write(f"darkmiss: error: {exc}\n")
        return 2
    except _USAGE_ERROR as exc:
        if _is_no_args_help(exc):
            sys.stderr.write(exc.format_message() + "\n")
            return 0
        sys.stderr.write(f"darkmiss: error: {_one_line(exc, args)}\n")
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except _CLICK_EXCEPTION as exc:
        sys.stderr.write(f"darkmiss: error: {_one_line(exc)}\n")
        return 2
    except typer.Abort:
        sys.stderr.write("darkmiss: aborted\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("darkmiss: interrupted\n")
        return 130
    return int(result) if isinstance(result, int) else 0


def _is_no_args_help(exc: Any) -> bool:
    """A group called without a command (``darkmiss plot``): click (>= 8.2) raises its help as a usage
    error (``NoArgsIsHelpError``, not exported by typer), whose message is the group's help text."""
    return exc.ctx is not None and exc.format_message() == exc.ctx.get_help()


def _one_line(exc: Any, args: list[str] | None = None) -> str:
    """click's message on one line; the ``Value error, `` prefix of typer's enum coercion dropped. A bad
    value that the message does not show (typer's number parsing) is added from ``args``:
    ``invalid --showers='abc': a valid integer, unable to parse string as an integer``."""
    message = " ".join(exc.format_message().split()).replace(": Value error, ", ": ")
    opts = list(getattr(getattr(exc, "param", None), "opts", None) or [])
    value = _given_value(opts, args or [])
    head = f"Invalid value for '{opts[0]}': " if opts else ""
    if value is None or not head or not message.startswith(head) or repr(value) in message:
        return message
    allowed = message[len(head) :].removeprefix("Input should be ")
    return f"invalid {opts[0]}={value!r}: {allowed}"


def _given_value(opts: list[str], args: list[str]) -> str | None:
    """The value given on the command line to the option named by ``opts`` (the last one given)."""
    value = None
    for i, arg in enumerate(args):
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(f"{opt}="):
                value = arg[len(opt) + 1 :]
    return value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
