"""The `darkmiss` command: a thin typer app. Each command lives in its own module with ``register``.

User errors print one line (parameter, value, what is allowed) on stderr and exit with code 2.
"""

from __future__ import annotations

import importlib
import sys

import typer

try:  # typer >= 0.20 vendors click as typer._click
    from typer._click import exceptions as cexc  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    from click import exceptions as cexc  # type: ignore[no-redef]

from darkmiss import __version__
from darkmiss.errors import DarkmissError, UserInputError

app = typer.Typer(
    name="darkmiss",
    help="The NA64 invisible dark-photon search (PRD 97, 072002) re-created from first principles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
plot_app = typer.Typer(help="Figures of the chain (mplhep).", no_args_is_help=True)
app.add_typer(plot_app, name="plot")

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
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"darkmiss.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"darkmiss.cli.{name}":
                continue
            raise
        module.register(app, plot_app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = app(args=args, prog_name="darkmiss", standalone_mode=False)
    except UserInputError as exc:
        sys.stderr.write(f"darkmiss: error: {exc}\n")
        return 2
    except DarkmissError as exc:
        sys.stderr.write(f"darkmiss: error: {exc}\n")
        return 2
    except cexc.NoArgsIsHelpError as exc:
        sys.stderr.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
        return 0
    except cexc.UsageError as exc:
        msg = " ".join(exc.format_message().split())
        sys.stderr.write(f"darkmiss: error: {msg}\n")
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except cexc.ClickException as exc:
        sys.stderr.write(f"darkmiss: error: {' '.join(exc.format_message().split())}\n")
        return 2
    except typer.Abort:
        sys.stderr.write("darkmiss: aborted\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("darkmiss: interrupted\n")
        return 130
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
