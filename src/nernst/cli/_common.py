"""What every command shares: the Typer app, flags turned into numbers, JSON and tables, file checks."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Optional

import typer

try:  # typer >= 0.22 ships its own copy of click
    from typer._click.exceptions import ClickException as _ClickException  # noqa: F401
    from typer._click.exceptions import UsageError as _UsageError  # noqa: F401
except ImportError:  # older typer depends on click (both names are used by main)
    from click.exceptions import ClickException as _ClickException
    from click.exceptions import UsageError as _UsageError

from ..errors import InvalidParameter, NernstError
from .._core.paths import check_output_file

app = typer.Typer(
    name="nernst",
    help="The neuronal membrane potential from first principles: Nernst, GHK, "
    "weighted averages, the membrane capacitor and cited cell presets.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_USAGE = 2


def _version_callback(value: bool):
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("nernst")
        except PackageNotFoundError:  # run from a source tree without installing
            from .. import __version__ as v
        typer.echo(f"nernst {v}")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True,
                                 callback=_version_callback),
):
    """The neuronal membrane potential from first principles: Nernst, GHK, weighted averages, the membrane
    capacitor, the pump-leak cell, action potentials and cited cell presets."""
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _q(value: Optional[str], kind: str, flag: str) -> Optional[float]:
    """Parse an option that may carry a unit ("140 mM")."""
    if value is None:
        return None
    from .._core.quantities import parse_quantity

    return parse_quantity(value, kind, flag)


def _emit_json(data) -> None:
    typer.echo(json.dumps(_clean(data), indent=2, allow_nan=False))


def _clean(obj):
    """Make a result JSON-safe: numpy scalars to float; a non-finite number is a bug."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if getattr(obj, "ndim", 0) > 0 and hasattr(obj, "tolist"):  # numpy arrays
        return [_clean(v) for v in obj.tolist()]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        raise NernstError("internal error: a non-finite number reached the output")
    return obj


def _check_plot_path(path: Optional[Path]) -> None:
    if path is not None:
        check_output_file("--plot", path, PLOT_SUFFIXES)


def _console():
    from rich.console import Console

    # Piped output (scripts, CI logs) gets a fixed, generous width instead of 80 columns.
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)


def _esc(text: str) -> str:
    """Text from a file, a unit or an engine message, safe to print through Rich (no '[mV]' eaten as markup)."""
    from rich.markup import escape

    return escape(str(text))


def _fmt(x, digits=2, unit=""):
    if x is None:
        return "-"
    return f"{x:.{digits}f}{(' ' + unit) if unit else ''}"


def _fmt_c(x):
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) < 0.01:
        return f"{x:.2g}"
    return f"{x:g}" if abs(x) < 1e4 else f"{x:.3g}"


def _load_spec(preset: Optional[str], config: Optional[Path], settings=None):
    """The ion table of --preset or --config, with any --set KEY=VALUE applied."""
    from ..config.ion_table import load_config, spec_from_dict
    from ..config.overrides import apply_settings
    from ..config.presets import DEFAULT_PRESET, load_preset

    if preset is not None and config is not None:
        raise InvalidParameter("--preset", preset, "give --preset or --config, not both")
    if not settings:
        if config is not None:
            return load_config(config)
        return load_preset(DEFAULT_PRESET if preset is None else preset)
    if config is not None:
        from ..config.cell import read_toml

        data, name = read_toml(config, "--config"), Path(config).stem
    else:
        name = DEFAULT_PRESET if preset is None else preset
        load_preset(name)  # an unknown name is named as such
        data = {"base": name}  # the preset with the changes on top (its published value no longer applies)
    return spec_from_dict(apply_settings(data, settings), name=name)


SET_HELP = ("Change one value of the config or preset: KEY=VALUE with a dotted key, units allowed "
            "(e.g. ions.K.outside=10, ions.Na.permeability=0.025, temperature_c='20 degC'); repeat for more.")


#: Engine parameter -> the flag that sets it: the one table through which every command names, in an
#: error, the flag a user typed instead of the engine's field.  A command whose flag for a field differs
#: (a stimulus's ``duration`` is ``--width``) says so where it calls the engine (``engine(fn, {...})``).
#: The engine checks every value; a command only parses the text of a flag.
FLAGS = {
    "inside": "--inside", "outside": "--outside", "valence": "--valence", "ion": "--ion",
    "permeability": "--permeability", "temperature_c": "--temperature", "temperature": "--temperature",
    "pump_ratio": "--pump-ratio", "impermeant": "--impermeant", "impermeant_valence": "--impermeant-valence",
    "radius": "--radius", "length": "--length", "capacitance": "--capacitance", "delta": "--delta",
    "concentration": "--concentration", "excess": "--excess", "duration": "--duration", "dt": "--dt",
    "threshold": "--threshold", "record": "--duration", "diameter": "--diameter", "pump_max": "--pump",
    "current": "--current", "g_na": "--g-na", "g_k": "--g-k", "g_l": "--g-leak", "g_leak": "--g-leak",
    "e_l": "--e-leak", "r_axial": "--r-axial", "compartments": "--compartments", "stim_amp": "--stim-amp",
    "stim_dur": "--stim-dur", "levels": "--to", "holding": "--holding", "durations": "--step",
    "amplitude": "--current", "start": "--current", "end": "--ramp-to", "delay": "--delay", "width": "--width",
    "interval": "--interval", "count": "--count", "out": "--out", "workers": "--workers",
    "scheduler": "--scheduler", "resume": "--resume", "backend": "--backend",
}


def flag_of(field: str, flags=None) -> str:
    """The flag that sets engine field *field* (:data:`FLAGS`, *flags* first); the field itself if none."""
    return (flags or {}).get(field, FLAGS.get(field, field))


def engine(fn, flags=None):
    """``fn()``, with an engine error renamed to the flag the user typed (:data:`FLAGS`, then *flags*
    for the fields this command names differently)."""
    try:
        return fn()
    except InvalidParameter as exc:
        raise exc.renamed(flag_of(exc.field, flags)) from None


def _number(text: Optional[str], flag: str, what: str = "a number") -> Optional[float]:
    """The number a flag's text spells (its range is the engine's to check)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidParameter(flag, text, f"must be {what}") from None




def _show(action: Optional[str], name: Optional[str], what: str, text_of, field: str, as_json: bool) -> bool:
    """'show NAME': print the shipped file's TOML (or JSON with it) and return True; nothing: False (list)."""
    shown = _show_action(action, name, what)
    if shown is None:
        return False
    text = engine(lambda: text_of(shown), {field: "NAME"})
    if as_json:
        _emit_json({"name": shown, "toml": text})
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return True


def _show_action(action: Optional[str], name: Optional[str], what: str) -> Optional[str]:
    """'show NAME' -> NAME; nothing -> None (list); anything else is a one-line error."""
    if action is None:
        if name is not None:
            raise InvalidParameter("ACTION", name, "must be 'show' (e.g. nernst %s show NAME)" % what)
        return None
    if action != "show":
        raise InvalidParameter("ACTION", action, f"must be 'show' (nernst {what} show NAME prints its TOML)")
    if name is None:
        raise InvalidParameter("NAME", InvalidParameter.NO_VALUE, f"is required: nernst {what} show NAME")
    return name


def _print_warnings(warnings) -> None:
    """Warnings go to stderr in yellow, before the numbers they qualify."""
    if not warnings:
        return
    from rich.console import Console

    err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line a warning (grep, logs)
    for w in warnings:
        err.print(f"[bold yellow]warning:[/bold yellow] {_esc(w)}")


def _check_out_path(out: Optional[Path], suffixes=(".nc", ".csv")) -> None:
    if out is not None:
        check_output_file("--out", out, suffixes)


def _save_dataset(ds, out: Path) -> None:
    if out.suffix.lower() == ".nc":
        ds.to_netcdf(out, engine="scipy")
    else:
        ds.to_dataframe().to_csv(out)


def _none_nan(x):
    v = float(x)
    return v if math.isfinite(v) else None


def _nan_to_none(obj):
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _rate(points_per_s: float) -> str:
    if points_per_s >= 100:
        return f"{points_per_s:,.0f} points/s"
    if points_per_s >= 1:
        return f"{points_per_s:.1f} points/s"
    return f"{1 / points_per_s:.2g} s/point"
