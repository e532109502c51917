"""The ``nernst`` command line: tables for people, ``--json`` for scripts.

Every command calls the engine and formats its result; no physics lives here.
User errors (bad numbers, unknown ions, malformed configs, missing files) print
one line on stderr and exit with code 2.
"""

from __future__ import annotations

import json
import math
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

try:  # typer >= 0.22 ships its own copy of click
    from typer._click.exceptions import ClickException as _ClickException
    from typer._click.exceptions import UsageError as _UsageError
except ImportError:  # older typer depends on click
    from click.exceptions import ClickException as _ClickException
    from click.exceptions import UsageError as _UsageError

from ..errors import InvalidParameter, NernstError, SolverError
from .._core.paths import check_input_file, check_output_file, check_output_folder

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


# ---------------------------------------------------------------------------
# equilibrium
# ---------------------------------------------------------------------------

@app.command()
def equilibrium(
    ion: str = typer.Option(..., "--ion", help="Ion symbol: Na, K, Cl, Ca, Mg, H, HCO3, or any other with --valence."),
    inside: str = typer.Option(..., "--inside", help="Intracellular concentration, mM (or with a unit: '100 nM')."),
    outside: str = typer.Option(..., "--outside", help="Extracellular concentration, mM."),
    valence: Optional[str] = typer.Option(None, "--valence", help="Charge number z (needed for unknown symbols)."),
    temperature: str = typer.Option("37", "--temperature", help="Temperature, degC (or '310.15 K')."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Nernst equilibrium potential of one ion."""
    from ..physics.equilibrium import nernst
    from ..physics.ions import resolve_valence

    ci = _q(inside, "concentration", "--inside")
    co = _q(outside, "concentration", "--outside")
    t = _q(temperature, "temperature", "--temperature")
    z_val = None
    if valence is not None:
        try:
            z_val = float(valence)
        except ValueError:
            raise InvalidParameter("--valence", valence, "must be a non-zero number") from None
    try:
        z = resolve_valence(ion, z_val, "--valence")
    except InvalidParameter as exc:
        raise exc.renamed("--ion" if exc.field == "ion" else exc.field) from None
    try:
        e = nernst(ci, co, z, t)
    except InvalidParameter as exc:
        raise exc.renamed({"inside": "--inside", "outside": "--outside", "valence": "--valence",
                           "temperature_c": "--temperature"}.get(exc.field, exc.field)) from None
    from ..physics.ions import Ion, parse_ion

    symbol = parse_ion(ion)[0]
    result = {"ion": symbol, "valence": z, "inside_mM": ci, "outside_mM": co, "temperature_c": t, "potential_mV": e}
    if as_json:
        _emit_json(result)
        return
    label = Ion(symbol, z, "").label
    typer.echo(f"E({label}) = {e:.2f} mV   at {t:g} degC, inside {ci:g} mM, outside {co:g} mM")


# ---------------------------------------------------------------------------
# rest
# ---------------------------------------------------------------------------

@app.command()
def rest(
    preset: Optional[str] = typer.Option(None, "--preset", help="A shipped cell preset (see 'nernst presets')."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML config file ([ions.K] inside/outside/permeability ...)."),
    temperature: Optional[str] = typer.Option(None, "--temperature", help="Override the temperature, degC."),
    pump_ratio: Optional[str] = typer.Option(None, "--pump-ratio", help="Add an electrogenic Na/K pump with this coupling ratio (1.5 for 3Na:2K): the potential with its current and its electrogenic share."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
):
    """Resting potential: GHK, textbook weighted average, chord; E_X, driving forces, currents."""
    from ..analysis.rest import resting_state

    _check_plot_path(plot)
    spec = _load_spec(preset, config, settings)
    t = _q(temperature, "temperature", "--temperature")
    r = None
    if pump_ratio is not None:
        try:
            r = float(pump_ratio)
        except ValueError:
            raise InvalidParameter("--pump-ratio", pump_ratio, "must be a positive number") from None
        if not (math.isfinite(r) and r > 0):
            raise InvalidParameter("--pump-ratio", pump_ratio, "must be a positive number")
    try:
        report = resting_state(spec, pump_ratio=r, temperature_c=t)
    except InvalidParameter as exc:
        raise exc.renamed({"temperature_c": "--temperature", "pump_ratio": "--pump-ratio"}.get(exc.field, exc.field)) from None
    if plot is not None:
        from ..plot import plot_rest

        plot_rest(report, plot, spec=spec)
    if as_json:
        _emit_json(report.as_dict())
        return
    _print_rest(report, spec, plot)


def _print_rest(report, spec, plot) -> None:
    from rich.table import Table

    con = _console()
    title = spec.title or spec.name or "config"
    t = Table(title=f"{_esc(title)}  ({report.temperature_c:g} degC)", title_justify="left")
    weight_name = "g (mS/cm2)" if report.mode == "conductance" else "P (rel.)" if report.current_unit == "relative" else "P (cm/s)"
    for col in ("ion", "z", "in (mM)", "out (mM)", weight_name, "E_X (mV)", "V - E_X (mV)", "current share"):
        t.add_column(col, justify="right" if col != "ion" else "left")
    for i in report.ions:
        w = i.conductance if report.mode == "conductance" else i.permeability
        t.add_row(
            i.symbol, f"{i.valence:+g}", _fmt_c(i.inside_mM), _fmt_c(i.outside_mM),
            "-" if w is None else f"{w:g}", _fmt(i.equilibrium_mV, 1), _fmt(i.driving_force_mV, 1),
            f"{i.current_share:+.1%}" if i.current_share else "0",
        )
    con.print(t)
    lines = [("GHK zero-current potential", f"[bold]{report.ghk_mV:8.2f} mV[/bold]", "")]
    label = "permeability" if report.mode == "permeability" else "conductance"
    lines.append((f"{label}-weighted average of E_X", f"{report.weighted_mV:8.2f} mV",
                  f"GHK - weighted = {report.ghk_minus_weighted_mV:+.2f} mV"))
    if report.chord_mV is not None:
        lines.append(("chord-conductance potential", f"{report.chord_mV:8.2f} mV", ""))
    if report.pump_ratio is not None:
        base = "GHK" if report.mode == "permeability" else "chord"
        lines.append((f"with a {report.pump_ratio:g}:1 Na/K pump", f"[bold]{report.pumped_mV:8.2f} mV[/bold]",
                      f"the pump's electrogenic share: {report.pump_share_mV:+.2f} mV ({base} + share)"))
        if report.mullins_noda_leaves_out:
            left = ", ".join(report.mullins_noda_leaves_out)
            lines.append(("Mullins-Noda closed form (Na+, K+ only)", f"{report.mullins_noda_mV:8.2f} mV",
                          f"= {report.na_k_ghk_mV:.2f} (GHK of Na+ and K+ alone) "
                          f"{report.mullins_noda_mV - report.na_k_ghk_mV:+.2f}; leaves out {left}"))
    pub = spec.published or {}
    if "rest_mV" in pub:
        lines.append(("published resting potential", f"{pub['rest_mV']:8.1f} mV", pub.get("source", "source not given")))
    for name, value, comment in lines:
        con.print(f"{name:<42s}{value}   {comment}".rstrip())
    bal = report.charge_balance_mM
    if abs(bal["inside"]) > 1e-9 or abs(bal["outside"]) > 1e-9:
        why = report.unlisted_note  # None once the table was changed: its note no longer adds up
        con.print(
            f"[dim]net charge of the listed ions: inside {bal['inside']:+.1f} mM, outside {bal['outside']:+.1f} mM; "
            + (f"balanced by ions not listed. {why}" if why else
               "a real solution is neutral, so ions not listed (e.g. organic anions) must balance it")
            + "[/dim]"
        )
    if plot is not None:
        con.print(f"figure written to {plot}")


# ---------------------------------------------------------------------------
# presets and compare
# ---------------------------------------------------------------------------

def _show(action: Optional[str], name: Optional[str], what: str, text_of, field: str, as_json: bool) -> bool:
    """'show NAME': print the shipped file's TOML (or JSON with it) and return True; nothing: False (list)."""
    shown = _show_action(action, name, what)
    if shown is None:
        return False
    text = _renamed(lambda: text_of(shown), {field: "NAME"})
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


@app.command()
def presets(
    action: Optional[str] = typer.Argument(None, help="'show' to print a preset's TOML (a config to start from)."),
    name: Optional[str] = typer.Argument(None, help="The preset to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """List the shipped cell presets with their sources; 'presets show NAME' prints one as TOML."""
    from ..config.presets import list_presets, load_preset, preset_text

    if _show(action, name, "presets", preset_text, "preset", as_json):
        return

    rows = []
    for name in list_presets():
        spec = load_preset(name)
        rows.append({
            "name": name,
            "title": spec.title,
            "description": spec.description,
            "source": spec.source,
            "temperature_c": spec.temperature_c,
            "ions": [i.symbol for i in spec.ions],
            "published_rest_mV": spec.published.get("rest_mV"),
        })
    if as_json:
        _emit_json(rows)
        return
    from rich.table import Table

    t = Table(title="nernst presets (use with: nernst rest --preset NAME)", title_justify="left", show_lines=True)
    t.add_column("name", style="bold", no_wrap=True)
    t.add_column("description")
    t.add_column("source")
    for r in rows:
        t.add_row(r["name"], r["description"] or "", r["source"] or "")
    _console().print(t)


@app.command()
def compare(
    preset: Optional[List[str]] = typer.Option(None, "--preset", help="Presets to compare (repeat); default: all."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
):
    """Why textbooks disagree: E_K, E_Na, GHK and weighted average of several presets side by side."""
    from ..config.presets import list_presets, load_preset
    from ..analysis.rest import resting_state

    _check_plot_path(plot)
    names = preset or list_presets()
    specs = [load_preset(n) for n in names]
    reports = [resting_state(s) for s in specs]
    rows = []
    for s, r in zip(specs, reports):
        e = {i.symbol: i.equilibrium_mV for i in r.ions}
        rows.append({
            "name": s.name, "temperature_c": r.temperature_c, "ghk_mV": r.ghk_mV, "weighted_mV": r.weighted_mV,
            "chord_mV": r.chord_mV, "equilibrium_mV": e, "published_rest_mV": s.published.get("rest_mV"),
        })
    if plot is not None:
        from ..plot import plot_compare

        plot_compare(reports, specs, plot)
    if as_json:
        _emit_json(rows)
        return
    from rich.table import Table

    t = Table(title="Same physics, different numbers", title_justify="left")
    for col in ("preset", "T (degC)", "E_K", "E_Na", "E_Cl", "GHK", "weighted avg", "published"):
        t.add_column(col, justify="left" if col == "preset" else "right")
    for r in rows:
        e = r["equilibrium_mV"]
        t.add_row(r["name"], f"{r['temperature_c']:g}", _fmt(e.get("K"), 1), _fmt(e.get("Na"), 1), _fmt(e.get("Cl"), 1),
                  _fmt(r["ghk_mV"], 1), _fmt(r["weighted_mV"], 1), _fmt(r["published_rest_mV"], 1))
    con = _console()
    con.print(t)
    con.print("[dim]all potentials in mV; GHK and weighted average use each preset's own concentrations and permeabilities[/dim]")
    if plot is not None:
        con.print(f"figure written to {plot}")


# ---------------------------------------------------------------------------
# charge (the membrane as a capacitor)
# ---------------------------------------------------------------------------

class Shape(str, Enum):
    sphere = "sphere"
    cylinder = "cylinder"


@app.command()
def charge(
    shape: Shape = typer.Option(Shape.cylinder, "--shape", help="Cell shape."),
    length: Optional[str] = typer.Option(None, "--length", help="Cylinder length, um."),
    radius: str = typer.Option(..., "--radius", help="Radius, um."),
    no_ends: bool = typer.Option(False, "--no-ends", help="Cylinder without its two end discs."),
    capacitance: str = typer.Option("1", "--capacitance", help="Specific capacitance, uF/cm^2."),
    delta: str = typer.Option("100", "--delta", help="Voltage change, mV."),
    valence: str = typer.Option("1", "--valence", help="Valence of the ion carrying the charge."),
    concentration: Optional[str] = typer.Option(None, "--concentration", help="Its intracellular concentration, mM (for the fraction of the pool)."),
    duration: Optional[str] = typer.Option(None, "--duration", help="Time for the change, ms (for the capacitive current)."),
    excess: Optional[str] = typer.Option(None, "--excess", help="Also: the V made by this unbalanced excess of the ion inside, mM (e.g. organic anions added without cations)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """How many ions must cross to change V: the membrane as a capacitor."""
    from ..physics.membrane import charge_to_move, cylinder, potential_from_excess_charge, sphere

    r = _q(radius, "length", "--radius")
    if shape == Shape.cylinder:
        if length is None:
            raise InvalidParameter("--length", InvalidParameter.NO_VALUE, "is required for a cylinder")
        geom = _renamed(lambda: cylinder(_q(length, "length", "--length"), r, ends=not no_ends),
                        {"length": "--length", "radius": "--radius"})
    else:
        if length is not None:
            raise InvalidParameter("--length", length, "a sphere has no length (use --radius only)")
        geom = _renamed(lambda: sphere(r), {"radius": "--radius"})
    try:
        z = float(valence)
    except ValueError:
        raise InvalidParameter("--valence", valence, "must be a non-zero number") from None
    rep = _renamed(
        lambda: charge_to_move(
            geom,
            _q(capacitance, "capacitance", "--capacitance"),
            _q(delta, "voltage", "--delta"),
            z,
            _q(concentration, "concentration", "--concentration"),
            _q(duration, "time", "--duration"),
        ),
        {"capacitance": "--capacitance", "delta": "--delta", "valence": "--valence",
         "concentration": "--concentration", "duration": "--duration"},
    )
    d = rep.as_dict()
    v_excess = None
    if excess is not None:
        v_excess = _renamed(
            lambda: potential_from_excess_charge(geom, _q(excess, "concentration", "--excess"),
                                                 _q(capacitance, "capacitance", "--capacitance"), z),
            {"excess": "--excess", "capacitance": "--capacitance", "valence": "--valence"},
        )
        d["excess_mM"] = _q(excess, "concentration", "--excess")
        d["excess_potential_mV"] = v_excess
    if as_json:
        _emit_json(d)
        return
    con = _console()
    con.print(f"{shape.value}: area {rep.area_cm2:.3g} cm^2, volume {rep.volume_L:.3g} L, capacitance {rep.capacitance_F * 1e12:.3g} pF")
    con.print(f"to move V by {rep.delta_mV:g} mV: charge {rep.charge_C:.3g} C = [bold]{rep.ions:.3g} ions[/bold] of valence {rep.valence:+g} "
              f"({rep.ions_per_um2:,.0f} per um^2 of membrane)")
    con.print(f"intracellular concentration change: {rep.concentration_change_mM * 1e3:.3g} uM")
    if rep.fraction_of_pool is not None:
        con.print(f"that is {rep.fraction_of_pool:.3%} of the intracellular pool")
    if rep.current_A is not None:
        con.print(f"capacitive current for that change in the given time: {rep.current_A * 1e9:.3g} nA")
    if v_excess is not None:
        con.print(f"an unbalanced excess of {d['excess_mM']:g} mM of valence {rep.valence:+g} inside would make "
                  f"V = [bold]{v_excess:,.4g} mV[/bold] - which is why bulk solutions stay electroneutral")


def _renamed(fn, mapping):
    try:
        return fn()
    except InvalidParameter as exc:
        raise exc.renamed(mapping.get(exc.field, exc.field)) from None


# ---------------------------------------------------------------------------
# ghk current-voltage curve, pump, donnan
# ---------------------------------------------------------------------------

@app.command()
def ghk(
    ion: str = typer.Option(..., "--ion", help="Ion symbol (or any with --valence)."),
    inside: str = typer.Option(..., "--inside", help="Intracellular concentration, mM."),
    outside: str = typer.Option(..., "--outside", help="Extracellular concentration, mM."),
    permeability: str = typer.Option("1e-6", "--permeability", help="Permeability, cm/s."),
    valence: Optional[str] = typer.Option(None, "--valence", help="Charge number z."),
    temperature: str = typer.Option("37", "--temperature", help="Temperature, degC."),
    vmin: float = typer.Option(-120.0, "--vmin", help="Lowest voltage, mV."),
    vmax: float = typer.Option(60.0, "--vmax", help="Highest voltage, mV."),
    points: int = typer.Option(19, "--points", help="Number of voltages (2 to 10001)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
):
    """GHK current-voltage curve of one ion (rectifies; crosses zero at E_X)."""
    import numpy as np

    from ..physics.equilibrium import ghk_current, ghk_flux, nernst
    from ..physics.ions import resolve_valence

    _check_plot_path(plot)
    for flag, value in (("--vmin", vmin), ("--vmax", vmax)):
        if not (math.isfinite(value) and abs(value) <= 1e4):
            raise InvalidParameter(flag, value, "must be between -10000 and 10000 mV")
    if not vmin < vmax:
        raise InvalidParameter("--vmin", vmin, "must be below --vmax")
    if not 2 <= points <= 10001:
        raise InvalidParameter("--points", points, "must be between 2 and 10001")
    z_val = None
    if valence is not None:
        try:
            z_val = float(valence)
        except ValueError:
            raise InvalidParameter("--valence", valence, "must be a non-zero number") from None
    z = _renamed(lambda: resolve_valence(ion, z_val, "--valence"), {"ion": "--ion"})
    ci = _q(inside, "concentration", "--inside")
    co = _q(outside, "concentration", "--outside")
    p = _q(permeability, "permeability", "--permeability")
    t = _q(temperature, "temperature", "--temperature")
    v = np.linspace(vmin, vmax, points)
    names = {"inside": "--inside", "outside": "--outside", "permeability": "--permeability", "temperature_c": "--temperature",
             "voltage_mV/inside/outside/permeability": "--inside/--outside/--permeability"}
    i = _renamed(lambda: ghk_current(v, ci, co, z, p, t), names)
    j = ghk_flux(v, ci, co, z, p, t)
    e = nernst(ci, co, z, t) if ci > 0 and co > 0 else None
    result = {"ion": ion, "valence": z, "inside_mM": ci, "outside_mM": co, "permeability_cm_s": p, "temperature_c": t,
              "equilibrium_mV": e, "voltage_mV": v.tolist(), "current_uA_cm2": i.tolist(), "flux_pmol_cm2_s": j.tolist()}
    if plot is not None:
        from ..plot import plot_ghk_iv

        plot_ghk_iv(result, plot)
    if as_json:
        _emit_json(result)
        return
    from rich.table import Table

    tab = Table(title=f"GHK current of {ion}: P = {p:g} cm/s, {t:g} degC, E = {_fmt(e, 2)} mV", title_justify="left")
    tab.add_column("V (mV)", justify="right")
    tab.add_column("I (uA/cm^2)", justify="right")
    tab.add_column("flux (pmol/cm^2/s)", justify="right")
    for vv, ii, jj in zip(v, i, j):
        tab.add_row(f"{vv:.1f}", f"{ii:.4g}", f"{jj:.4g}")
    _console().print(tab)


@app.command()
def donnan(
    outside: List[str] = typer.Option(..., "--outside", help="A permeant ion and its outside concentration, e.g. K=5 (repeat)."),
    impermeant: str = typer.Option(..., "--impermeant", help="Concentration of the impermeant species inside, mM."),
    impermeant_valence: float = typer.Option(-1.0, "--impermeant-valence", help="Its mean valence (e.g. -1 or -0.85)."),
    valence: Optional[List[str]] = typer.Option(None, "--valence", help="Valence of an unknown symbol, e.g. X=-2 (repeat)."),
    temperature: str = typer.Option("37", "--temperature", help="Temperature, degC."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Gibbs-Donnan equilibrium: permeant ions against an impermeant charged species."""
    from ..physics.equilibrium import donnan_equilibrium
    from ..physics.ions import resolve_valence

    zmap = {}
    for item in valence or []:
        sym, _, val = item.partition("=")
        try:
            zmap[sym.strip()] = float(val)
        except ValueError:
            raise InvalidParameter("--valence", item, "must look like SYMBOL=NUMBER, e.g. X=-2") from None
    symbols, conc, zs = [], [], []
    for item in outside:
        sym, sep, val = item.partition("=")
        sym = sym.strip()
        if not sep or not sym:
            raise InvalidParameter("--outside", item, "must look like SYMBOL=mM, e.g. K=5")
        if sym in symbols:
            raise InvalidParameter("--outside", item, f"{sym} is given twice")
        symbols.append(sym)
        conc.append(_q(val, "concentration", f"--outside {sym}"))
        zs.append(_renamed(lambda s=sym: resolve_valence(s, zmap.get(s), "--valence"), {"ion": "--outside"}))
    x = _q(impermeant, "concentration", "--impermeant")
    t = _q(temperature, "temperature", "--temperature")
    names = {"impermeant": "--impermeant", "impermeant_valence": "--impermeant-valence", "temperature_c": "--temperature",
             "valence": "--outside"}
    names.update({f"outside[{k}]": f"--outside {s}" for k, s in enumerate(symbols)})
    st = _renamed(lambda: donnan_equilibrium(conc, zs, x, impermeant_valence, t), names)
    result = {
        "temperature_c": t, "potential_mV": st.potential_mV, "impermeant_mM": x, "impermeant_valence": impermeant_valence,
        "ions": {s: {"valence": z, "outside_mM": c, "inside_mM": float(ci)} for s, z, c, ci in zip(symbols, zs, conc, st.inside_mM)},
        "osmotic_excess_mOsm": st.osmotic_excess_mOsm,
    }
    if as_json:
        _emit_json(result)
        return
    con = _console()
    con.print(f"Donnan potential [bold]{st.potential_mV:.2f} mV[/bold] ({t:g} degC, {x:g} mM impermeant, z = {impermeant_valence:g})")
    for s, d in result["ions"].items():
        con.print(f"  {s:>5}: outside {d['outside_mM']:g} mM -> inside {d['inside_mM']:.4g} mM")
    con.print(f"osmotic excess inside: {st.osmotic_excess_mOsm:+.1f} mOsm/L"
              + (" -> water enters; without a pump the cell swells (Tosteson & Hoffman 1960)" if st.osmotic_excess_mOsm > 0 else ""))


# ---------------------------------------------------------------------------
# the living cell: steady states and time courses
# ---------------------------------------------------------------------------

def _load_cell(config: Path, settings=None):
    """A cell config file or shipped cell, with any --set KEY=VALUE applied."""
    from ..config.cell import load_cell

    return load_cell(config, settings)


@app.command()
def steady(
    config: Path = typer.Argument(..., help="A cell config (TOML), or the name of a shipped cell (see 'nernst cells')."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Steady state of a pump-leak cell: V, inside concentrations, volume (Newton on the flux balance)."""
    import time

    from ..solvers.pumpleak import steady_state

    cfg = _load_cell(config, settings)
    t0 = time.perf_counter()
    ss = _renamed(lambda: steady_state(cfg.model, initial=cfg.initial_state()),
                  {"extracellular_volume_ratio": "bath.volume_ratio"})
    wall = time.perf_counter() - t0
    result = {"title": cfg.model.title or cfg.model.name}
    result.update(ss.as_dict())
    share = ss.pump_share()
    result["wall_time_s"] = wall
    if as_json:
        _emit_json(result)
        return
    from rich.table import Table

    con = _console()
    t = Table(title=f"{_esc(result['title'] or '')}: steady state", title_justify="left")
    for col in ("ion", "inside (mM)", "outside (mM)", "E_X (mV)", "V - E_X (mV)"):
        t.add_column(col, justify="left" if col == "ion" else "right")
    for sym in cfg.model.species:
        e = ss.equilibrium_mV[sym]
        t.add_row(sym, f"{ss.inside_mM[sym]:.4g}", f"{cfg.model.outside[sym]:g}", f"{e:.2f}", f"{ss.voltage_mV - e:+.2f}")
    for k, v in ss.state.impermeant_mM.items():
        imp_out = cfg.model.impermeant_outside.get(k)
        t.add_row(f"{k} (impermeant)", f"{v:.4g}", f"{imp_out.concentration_mM:g}" if imp_out else "0", "-", "-")
    for k, imp in cfg.model.impermeant_outside.items():
        if k not in ss.state.impermeant_mM:
            t.add_row(f"{k} (impermeant)", "0", f"{imp.concentration_mM:g}", "-", "-")
    con.print(t)
    con.print(f"V = [bold]{ss.voltage_mV:.2f} mV[/bold], volume {ss.volume_rel:.4f} x initial "
              f"({ss.method}, residual {ss.residual:.1e} pmol/cm^2/s, {wall * 1e3:.1f} ms)")
    con.print(_stability_line(ss))
    if share is not None:
        con.print(f"the pump's electrogenic share: {share['pump_share_mV']:+.2f} mV (V {share['with_pump_mV']:.2f} mV "
                  f"with its current, {share['without_pump_mV']:.2f} mV without it, same ions: where V jumps "
                  "when the pump is blocked)")


def _print_warnings(warnings) -> None:
    """Warnings go to stderr in yellow, before the numbers they qualify."""
    if not warnings:
        return
    from rich.console import Console

    err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line a warning (grep, logs)
    for w in warnings:
        err.print(f"[bold yellow]warning:[/bold yellow] {_esc(w)}")


def _stability_line(ss) -> str:
    """One line on a steady state's stability, with its slowest time constant."""
    lam = ss.max_eigenvalue_per_s
    if ss.stable:
        return (f"stable: the slowest disturbance decays with a time constant of {_duration(ss.slowest_time_constant_s)} "
                f"(largest eigenvalue {lam:.3g} /s)")
    return (f"[bold yellow]unstable[/bold yellow]: a disturbance grows (largest eigenvalue {lam:+.3g} /s); "
            "this state is a fixed point the cell leaves")


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


@app.command()
def simulate(
    config: Path = typer.Argument(..., help="A cell config (TOML), or the name of a shipped cell (see 'nernst cells')."),
    duration: Optional[str] = typer.Option(None, "--duration", help="Simulated time, s (or '2 h'); default: the config's [run] duration_s."),
    points: Optional[int] = typer.Option(None, "--points", help="Number of output times."),
    out: Optional[Path] = typer.Option(None, "--out", help="Save the time course (.nc netCDF or .csv)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary for scripts."),
):
    """Time course of a pump-leak cell with its protocol (pump block, bath changes, ...)."""
    import time

    from ..solvers.pumpleak import simulate as run_sim
    from ..results.trajectory import OUT_SUFFIXES, save_trajectory, trajectory_summary

    _check_plot_path(plot)
    _check_out_path(out, OUT_SUFFIXES)
    cfg = _load_cell(config, settings)
    if duration is not None:
        from ..config.cell import parse_seconds

        d = parse_seconds(duration, "--duration")
    else:
        d = cfg.duration_s
        if d is None:
            raise InvalidParameter("--duration", InvalidParameter.NO_VALUE, "is required (the config has no [run] duration_s)")
    n = points if points is not None else cfg.points
    if not 2 <= n <= 100_000:
        raise InvalidParameter("--points", n, "must be from 2 to 100000")
    t0 = time.perf_counter()
    if sys.stderr.isatty() and not as_json:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                      TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("sim", total=d)
            traj = run_sim(cfg.model, d, initial=cfg.initial_state(), n_points=n, protocol=cfg.protocol,
                           progress=lambda done, total: bar.update(task, completed=done))
    else:
        traj = run_sim(cfg.model, d, initial=cfg.initial_state(), n_points=n, protocol=cfg.protocol)
    wall = time.perf_counter() - t0
    if out is not None:
        save_trajectory(traj, out)
    if plot is not None:
        from ..plot import plot_trajectory

        plot_trajectory(traj, plot)
    summary = trajectory_summary(traj)
    summary["wall_time_s"] = wall
    if as_json:
        _emit_json(summary)
        return
    con = _console()
    _print_warnings(summary["warnings"])
    i, f = summary["initial"], summary["final"]
    con.print(f"[bold]{_esc(summary['title'] or '')}[/bold]: {d:g} s simulated in {wall:.2f} s")
    from ..results.trajectory import summary_lines

    for line in summary_lines(summary):
        con.print(_esc(line))
    for sym in cfg.model.species:
        con.print(f"  [{sym}]i {i['inside_mM'][sym]:.4g} -> {f['inside_mM'][sym]:.4g} mM   "
                  f"E_{sym} {f['equilibrium_mV'][sym]:+.1f} mV")
    c = summary["conservation"]
    worst = max(c["amount_rel_error"].values()) if c["amount_rel_error"] else 0.0
    con.print(f"[dim]conservation: charge {c['charge_rel_error']:.1e}, amounts {worst:.1e} (relative)[/dim]")
    if out is not None:
        con.print(f"time course written to {out}")
    if plot is not None:
        con.print(f"figure written to {plot}")


@app.command()
def story(
    preset: str = typer.Option("story_neuron", "--preset", help="A shipped cell (see 'nernst cells') or a cell config file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Folder for figures (story.png and one time course per step)."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
):
    """How the resting potential forms: from equal concentrations, step by step, with real numbers."""
    import time

    from ..analysis.story import run_story

    if plot is not None:
        check_output_folder("--plot", plot)
    cfg = _load_cell(Path(preset), settings)
    t0 = time.perf_counter()
    result = run_story(cfg)
    wall = time.perf_counter() - t0
    if plot is not None:
        from ..plot import plot_story, plot_trajectory

        plot.mkdir(exist_ok=True)
        plot_story(result, plot / "story.png")
        for k, st in enumerate(result.steps):
            if st.trajectory is not None:
                plot_trajectory(st.trajectory, plot / f"step{k}_{st.name}.png", title=f"step {k}: {st.title}",
                                log_time=True, settle_s=st.settle_time_s if st.settled else None)
    data = result.as_dict()
    data["wall_time_s"] = wall
    if as_json:
        _emit_json(data)
        return
    con = _console()
    con.print(f"[bold]How the resting potential forms[/bold] - {_esc(result.cell)}  ({wall:.2f} s to compute)")
    for k, st in enumerate(result.steps):
        e = ", ".join(f"E_{s} {v:+.1f}" for s, v in st.equilibrium_mV.items())
        con.print(f"\n[bold]{k}. {_esc(st.title)}[/bold]")
        con.print(f"   {_esc(st.text)}")
        stab = ""
        if st.stable is not None:
            stab = (f"; stable (slowest time constant {_duration(-1.0 / st.max_eigenvalue_per_s)})" if st.stable
                    else f"; [bold yellow]unstable[/bold yellow] (eigenvalue {st.max_eigenvalue_per_s:+.3g} /s)")
        con.print(f"   V = [bold]{st.vm_mV:.2f} mV[/bold]; {e} (mV); volume x {st.volume_rel:.3f}{stab}")
        moved = [f"{s} {'in' if a > 0 else 'out'} {abs(a):.3g} amol ({st.crossed_fraction[s]:.2%} of the pool)"
                 for s, a in st.crossed_amol.items() if abs(a) > 0 and st.crossed_fraction[s] > 1e-9]
        if moved:
            took = f"settled in {st.settle_time_s:,.0f} s" if st.settled else f"not settled after {st.settle_time_s:,.0f} s"
            con.print(f"   crossed: {'; '.join(moved)}; {took}")
        if st.pump_share_mV is not None:
            con.print(f"   the pump's electrogenic share: {st.pump_share_mV:+.2f} mV (V {st.vm_mV:.2f} mV with its "
                      f"current, {st.without_pump_mV:.2f} mV without it, same ions)")
        if st.note:
            con.print(f"   [dim]note: {_esc(st.note)}[/dim]")
    if plot is not None:
        con.print(f"\nfigures written to {plot}/")


@app.command()
def cells(
    action: Optional[str] = typer.Argument(None, help="'show' to print a cell's TOML (a config to start from)."),
    name: Optional[str] = typer.Argument(None, help="The cell to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """List the shipped pump-leak cell configs (use with steady / simulate); 'cells show NAME' prints one as TOML."""
    from ..config.presets import cell_text, list_cell_configs

    if _show(action, name, "cells", cell_text, "base", as_json):
        return

    rows = list_cell_configs()
    if as_json:
        _emit_json(rows)
        return
    from rich.table import Table

    t = Table(title="nernst cells (use with: nernst steady NAME, nernst simulate NAME)", title_justify="left")
    t.add_column("name", style="bold", no_wrap=True)
    t.add_column("title")
    t.add_column("source")
    for r in rows:
        t.add_row(r["name"], r["title"] or "", r["source"] or "")
    _console().print(t)


# ---------------------------------------------------------------------------
# excitability: spike, clamp, cable
# ---------------------------------------------------------------------------

class StimKind(str, Enum):
    step = "step"
    ramp = "ramp"
    train = "train"


class EndKind(str, Enum):
    sealed = "sealed"
    infinite = "infinite"
    killed = "killed"


class MethodKind(str, Enum):
    crank_nicolson = "crank_nicolson"
    backward_euler = "backward_euler"


class ReversalKind(str, Enum):
    fixed = "fixed"
    concentrations = "concentrations"


def _hh_params(temperature, reversals, preset, g_na, g_k, g_leak, e_leak):
    """HH parameters from CLI options (the engine validates every value)."""
    from dataclasses import replace

    from ..mechanisms.hh import HHParameters

    kw = {}
    for name, val, kind in (("g_na", g_na, "conductance"), ("g_k", g_k, "conductance"),
                            ("g_l", g_leak, "conductance"), ("e_l", e_leak, "voltage")):
        if val is not None:
            flag = {"g_na": "--g-na", "g_k": "--g-k", "g_l": "--g-leak", "e_l": "--e-leak"}[name]
            kw[name] = _q(val, kind, flag)
    try:
        p = HHParameters(**kw)
        if temperature is not None:
            p = p.at_temperature(_q(temperature, "temperature", "--temperature"))
    except InvalidParameter as exc:
        flag = {"g_na": "--g-na", "g_k": "--g-k", "g_l": "--g-leak", "e_l": "--e-leak",
                "temperature": "--temperature"}.get(exc.field, exc.field)
        raise exc.renamed(flag) from None
    if reversals == ReversalKind.concentrations:
        from ..config.presets import load_preset

        spec = _preset_spec(preset)
        ions = {ion.symbol: ion for ion in spec.ions}
        p = p.with_concentrations(ions["Na"].inside_mM, ions["Na"].outside_mM, ions["K"].inside_mM, ions["K"].outside_mM)
        p = replace(p, concentrations=dict(p.concentrations, preset=spec.name))
    elif preset is not None:
        raise InvalidParameter("--preset", preset, "only applies with --reversals concentrations")
    return p


def _preset_spec(preset):
    """A cell preset with Na+ and K+ (default: the squid giant axon); errors name --preset."""
    from ..config.presets import load_preset

    try:
        spec = load_preset(preset or "squid_giant_axon")
    except InvalidParameter as exc:
        raise exc.renamed("--preset") from None
    symbols = {ion.symbol for ion in spec.ions}
    if not {"Na", "K"} <= symbols:
        raise InvalidParameter("--preset", preset, "needs Na and K concentrations")
    return spec


def _check_out_path(out: Optional[Path], suffixes=(".nc", ".csv")) -> None:
    if out is not None:
        check_output_file("--out", out, suffixes)


def _save_dataset(ds, out: Path) -> None:
    if out.suffix.lower() == ".nc":
        ds.to_netcdf(out, engine="scipy")
    else:
        ds.to_dataframe().to_csv(out)


@app.command()
def spike(
    current: str = typer.Option("10", "--current", help="Injected current density, uA/cm^2 (for a ramp: the start)."),
    duration: str = typer.Option("100", "--duration", help="Simulated time, ms."),
    dt: Optional[str] = typer.Option(None, "--dt", help="Time step, ms (default 0.025, finer when warm: at most 0.1 ms / the Q10 rate factor)."),
    temperature: Optional[str] = typer.Option(None, "--temperature", help="Temperature, degC (default 6.3, HH 1952); rates scale with Q10 = 3."),
    stimulus: StimKind = typer.Option(StimKind.step, "--stimulus", help="Waveform: step, ramp or train."),
    delay: str = typer.Option("0", "--delay", help="Stimulus start, ms."),
    width: Optional[str] = typer.Option(None, "--width", help="Step length or train pulse width, ms (default: to the end; train: 1 ms)."),
    ramp_to: Optional[str] = typer.Option(None, "--ramp-to", help="Ramp end current, uA/cm^2."),
    interval: str = typer.Option("10", "--interval", help="Train: pulse interval, ms."),
    count: int = typer.Option(10, "--count", help="Train: number of pulses."),
    reversals: ReversalKind = typer.Option(ReversalKind.fixed, "--reversals", help="E_Na and E_K fixed (HH 1952) or from a preset's concentrations."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Concentrations for --reversals concentrations (default squid_giant_axon)."),
    g_na: Optional[str] = typer.Option(None, "--g-na", help="Sodium conductance, mS/cm^2 (default 120)."),
    g_k: Optional[str] = typer.Option(None, "--g-k", help="Potassium conductance, mS/cm^2 (default 36)."),
    g_leak: Optional[str] = typer.Option(None, "--g-leak", help="Leak conductance, mS/cm^2 (default 0.3)."),
    e_leak: Optional[str] = typer.Option(None, "--e-leak", help="Leak reversal, mV (default -54.387)."),
    threshold: str = typer.Option("0", "--threshold", help="Spike detection level, mV."),
    ions: bool = typer.Option(False, "--ions", help="Let spikes move Na+ and K+ (concentrations from --preset, default squid) with a Na/K pump restoring them."),
    diameter: str = typer.Option("476", "--diameter", help="With --ions: axon diameter, um (sets volume per membrane area)."),
    pump: Optional[str] = typer.Option(None, "--pump", help="With --ions: maximal pump current, uA/cm^2 (default: the value that makes rest steady)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Save V, gates and currents (.nc or .csv)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Action potentials of the Hodgkin-Huxley membrane under current clamp."""
    from ..solvers.hh import simulate_hh, spikes_phrase
    from ..model.stimulus import Ramp, Step, Train

    _check_plot_path(plot)
    _check_out_path(out)
    if ions and reversals == ReversalKind.concentrations:
        raise InvalidParameter("--reversals", "concentrations", "is implied by --ions (leave it out)")
    params = _hh_params(temperature, reversals, None if ions else preset, g_na, g_k, g_leak, e_leak)
    amp = _q(current, "current", "--current")
    d0 = _q(delay, "time", "--delay")
    try:
        if stimulus == StimKind.step:
            w = math.inf if width is None else _q(width, "time", "--width")
            wave = Step(amp, d0, w)
        elif stimulus == StimKind.ramp:
            if ramp_to is None:
                raise InvalidParameter("--ramp-to", InvalidParameter.NO_VALUE, "is required with --stimulus ramp")
            dur = _q(duration, "time", "--duration")
            w = (dur - d0) if width is None else _q(width, "time", "--width")
            wave = Ramp(amp, _q(ramp_to, "current", "--ramp-to"), d0, w)
        else:
            w = 1.0 if width is None else _q(width, "time", "--width")
            wave = Train(amp, w, _q(interval, "time", "--interval"), count, d0)
    except InvalidParameter as exc:
        flag = {"amplitude": "--current", "start": "--current", "end": "--ramp-to", "delay": "--delay",
                "duration": "--width", "width": "--width", "interval": "--interval", "count": "--count"}
        raise exc.renamed(flag.get(exc.field, exc.field)) from None
    if ions:
        return _spike_ions(params, wave, duration, dt, threshold, preset, diameter, pump, out, plot, as_json)
    dur_ms, dt_ms = _q(duration, "time", "--duration"), _q(dt, "time", "--dt")
    if dt_ms is None:
        from ..mechanisms.hh import auto_time_step

        dt_ms = auto_time_step(params, 0.025, params.g_na + params.g_k > 0)
    # keep at most about a million samples of the trace (spike times come from every step)
    every = max(1, int(dur_ms / dt_ms // 1_000_000)) if dt_ms > 0 and math.isfinite(dur_ms / dt_ms) else 1
    try:
        res = simulate_hh(0.0, dur_ms, dt_ms, params, stimulus=wave, record_every=every,
                          threshold=_q(threshold, "voltage", "--threshold"))
    except InvalidParameter as exc:
        raise exc.renamed({"duration": "--duration", "dt": "--dt", "threshold": "--threshold", "record": "--duration"}
                          .get(exc.field, exc.field)) from None
    except SolverError as exc:
        raise InvalidParameter("--current", amp, f"is too strong ({exc})") from None
    if out is not None:
        ds = res.to_dataset()
        for name, arr in res.currents().items():
            ds[name] = (("time", "cell"), arr[:, None], {"units": "uA/cm^2"})
        _save_dataset(ds, out)
    if plot is not None:
        from ..plot import plot_spike

        plot_spike(res, plot)
    summary = res.summary()
    if as_json:
        _emit_json(summary)
        return
    con = _console()
    f = summary["features"]
    con.print(f"[bold]Hodgkin-Huxley membrane[/bold] at {params.temperature_c:g} degC "
              f"(rates x {params.phi:.3g}); E_Na {params.e_na:+.1f}, E_K {params.e_k:+.1f}, "
              f"E_L {params.e_l:+.1f} mV ({params.reversal_source})")
    con.print(f"stimulus: {summary['stimulus'][0]}; {res.duration_ms:g} ms at dt {res.dt_ms:.3g} ms")
    con.print(f"rest {res.rest_mV:.2f} mV; [bold]{spikes_phrase(f)}[/bold]; peak {f['max_mV']:.1f} mV")
    if f["spike_count"]:
        from rich.table import Table

        tab = Table(show_header=True, header_style="bold")
        for col in ("spike", "time ms", "threshold mV", "peak mV", "width ms", "AHP mV"):
            tab.add_column(col, justify="right")
        for k in range(min(f["spike_count"], 10)):
            tab.add_row(str(k + 1), f"{f['spike_times_ms'][k]:.3f}", f"{f['threshold_mV'][k]:.1f}",
                        f"{f['peak_mV'][k]:.1f}", _fmt(f["width_ms"][k], 3), _fmt(f["ahp_mV"][k], 1))
        con.print(tab)
        if f["spike_count"] > 10:
            con.print(f"[dim]... {f['spike_count'] - 10} more (use --json)[/dim]")
    if out is not None:
        con.print(f"data written to {out}")
    if plot is not None:
        con.print(f"figure written to {plot}")


def _spike_ions(params, wave, duration, dt, threshold, preset, diameter, pump, out, plot, as_json):
    from ..solvers.hh import simulate_hh_ions

    spec = _preset_spec(preset)
    ions = {ion.symbol: ion for ion in spec.ions}
    from dataclasses import replace

    base = replace(params, reversal_source="fixed", concentrations=None)
    flags = {"duration": "--duration", "dt": "--dt", "threshold": "--threshold", "diameter": "--diameter",
             "pump_max": "--pump", "e_l": "--e-leak", "current": "--current"}
    try:
        res = simulate_hh_ions(0.0, _q(duration, "time", "--duration"), _q(dt, "time", "--dt"), stimulus=wave,
                               na_in=ions["Na"].inside_mM, na_out=ions["Na"].outside_mM, k_in=ions["K"].inside_mM,
                               k_out=ions["K"].outside_mM, params=base, diameter_um=_q(diameter, "length", "--diameter"),
                               pump_max=None if pump is None else _q(pump, "current", "--pump"),
                               threshold=_q(threshold, "voltage", "--threshold"))
    except InvalidParameter as exc:
        raise exc.renamed(flags.get(exc.field, exc.field)) from None
    except SolverError as exc:
        raise InvalidParameter("--current", wave.describe("uA/cm^2"), f"cannot be run ({exc})") from None
    if out is not None:
        _save_dataset(res.to_dataset(), out)
    if plot is not None:
        from ..plot import plot_spike_ions

        plot_spike_ions(res, plot)
    summary = res.summary()
    summary["preset"] = spec.name
    summary["peak_mV"] = float(res.v_mV.max())
    if as_json:
        _emit_json(summary)
        return
    con = _console()
    con.print(f"[bold]HH patch with moving ions[/bold] ({spec.name}, {res.diameter_um:g} um, "
              f"{res.params.temperature_c:g} degC): {summary['spike_count']} spikes in {res.duration_ms:g} ms")
    for sym, key, ekey in (("Na", "na_in_mM", "e_na_mV"), ("K", "k_in_mM", "e_k_mV")):
        a, b = summary[key]
        ea, eb = summary[ekey]
        con.print(f"  [{sym}]i {a:.4g} -> {b:.4g} mM   E_{sym} {ea:+.2f} -> {eb:+.2f} mV")
    pa, pb = summary["pump_uA_cm2"]
    con.print(f"  pump {pa:.3f} -> {pb:.3f} uA/cm^2 (max {res.pump_max_uA_cm2:.3f}); "
              f"rest {summary['rest_mV']:.2f} mV, end {summary['final_mV']:.2f} mV")
    if summary["na_entry_per_spike_pmol_cm2"] is not None:
        con.print(f"  Na+ entry per spike {summary['na_entry_per_spike_pmol_cm2']:.2f} pmol/cm^2")
    if out is not None:
        con.print(f"data written to {out}")
    if plot is not None:
        con.print(f"figure written to {plot}")


@app.command()
def clamp(
    to: Optional[List[str]] = typer.Option(None, "--to", help="Command potential(s), mV; repeat for several steps (default: -45 to +55 by 20)."),
    holding: Optional[str] = typer.Option(None, "--holding", help="Holding potential, mV (default: rest)."),
    step: str = typer.Option("10", "--step", help="Step length, ms."),
    temperature: Optional[str] = typer.Option(None, "--temperature", help="Temperature, degC (default 6.3)."),
    iv: bool = typer.Option(False, "--iv", help="Print the I-V relation (peak I_Na, steady I_K) from -100 to +80 mV."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Voltage clamp of the HH membrane (solved exactly): currents after a step, or the I-V curve."""
    from ..solvers.hh import iv_curve, voltage_clamp

    _check_plot_path(plot)
    params = _hh_params(temperature, ReversalKind.fixed, None, None, None, None, None)
    hold = None if holding is None else _q(holding, "voltage", "--holding")
    step_ms = _q(step, "time", "--step")
    try:
        if iv:
            r = iv_curve(holding_mV=hold, step_ms=step_ms, params=params)
            data = {"holding_mV": r["holding_mV"], "test_mV": r["test_mV"], "peak_I_Na_uA_cm2": r["peak_I_Na"],
                    "steady_I_K_uA_cm2": r["steady_I_K"], "I_L_uA_cm2": r["I_L"]}
            if plot is not None:
                from ..plot import plot_iv

                plot_iv(r, params, plot)
        else:
            levels = [_q(v, "voltage", "--to") for v in (to or ["-45", "-25", "-5", "15", "35", "55"])]
            runs = [voltage_clamp([lv], [step_ms], params, holding_mV=hold, dt=0.01) for lv in levels]
            data = {"holding_mV": runs[0]["holding_mV"], "steps": [
                {"to_mV": lv, "peak_I_Na_uA_cm2": float(r["I_Na"][abs(r["I_Na"]).argmax()]),
                 "time_to_peak_I_Na_ms": float(r["t_ms"][abs(r["I_Na"]).argmax()]),
                 "end_I_K_uA_cm2": float(r["I_K"][-1])} for lv, r in zip(levels, runs)]}
            if plot is not None:
                from ..plot import plot_clamp

                plot_clamp(runs, plot)
    except InvalidParameter as exc:
        raise exc.renamed({"levels": "--to", "holding": "--holding", "durations": "--step"}
                          .get(exc.field, exc.field)) from None
    data["temperature_C"] = params.temperature_c
    if as_json:
        _emit_json(data)
        return
    con = _console()
    from rich.table import Table

    tab = Table(show_header=True, header_style="bold",
                title=f"voltage clamp from {data['holding_mV']:.1f} mV at {params.temperature_c:g} degC")
    if iv:
        for col in ("V mV", "peak I_Na uA/cm2", "steady I_K uA/cm2"):
            tab.add_column(col, justify="right")
        for v, a, b in zip(data["test_mV"], data["peak_I_Na_uA_cm2"], data["steady_I_K_uA_cm2"]):
            tab.add_row(f"{v:.0f}", f"{a:.1f}", f"{b:.1f}")
    else:
        for col in ("to mV", "peak I_Na uA/cm2", "at ms", f"I_K at {step_ms:g} ms"):
            tab.add_column(col, justify="right")
        for st in data["steps"]:
            tab.add_row(f"{st['to_mV']:.0f}", f"{st['peak_I_Na_uA_cm2']:.1f}",
                        f"{st['time_to_peak_I_Na_ms']:.2f}", f"{st['end_I_K_uA_cm2']:.1f}")
    con.print(tab)
    con.print("[dim]inward current is negative; the capacitive transient of an ideal step is left out[/dim]")
    if plot is not None:
        con.print(f"figure written to {plot}")


@app.command()
def cable(
    diameter: str = typer.Option("476", "--diameter", help="Axon diameter, um (default 476: the squid giant axon of HH 1952)."),
    length: str = typer.Option("50", "--length", help="Axon length, mm."),
    compartments: Optional[int] = typer.Option(None, "--compartments", help="Number of compartments (default: the d_lambda rule, 0.02 of the 100 Hz length constant)."),
    temperature: Optional[str] = typer.Option(None, "--temperature", help="Temperature, degC (default 6.3)."),
    dt: Optional[str] = typer.Option(None, "--dt", help="Time step, ms (default 0.01, finer when warm: at most 0.1 ms / the Q10 rate factor)."),
    duration: Optional[str] = typer.Option(None, "--duration", help="Simulated time, ms (default: long enough for the spike, or 15 time constants when passive)."),
    r_axial: str = typer.Option("35.4", "--r-axial", help="Axial resistivity, ohm cm."),
    passive: bool = typer.Option(False, "--passive", help="Leak conductance only: a graded potential spreading and fading."),
    end: EndKind = typer.Option(EndKind.sealed, "--end", help="Far end: sealed (a real tip), infinite (behaves as an endless axon) or killed (cut, short-circuited)."),
    method: MethodKind = typer.Option(MethodKind.crank_nicolson, "--method", help="Time scheme: crank_nicolson (second order, damped where the stimulus jumps) or backward_euler (NEURON's default)."),
    g_leak: Optional[str] = typer.Option(None, "--g-leak", help="Leak conductance, mS/cm^2 (default 0.3, the HH leak)."),
    stim_amp: Optional[str] = typer.Option(None, "--stim-amp", help="Stimulus current into the x = 0 end, nA (default 2.5 d^1.5 nA, or d^1.5/20 nA when passive)."),
    stim_dur: Optional[str] = typer.Option(None, "--stim-dur", help="Stimulus length, ms (default 0.1; passive: the whole run)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Save V(t, x) (.nc or .csv)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a figure (.png, .svg or .pdf)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
):
    """Conduction along an unbranched axon: action-potential velocity, or passive spread (--passive)."""
    from ..analysis.axon import run_axon

    _check_plot_path(plot)
    _check_out_path(out)
    params = _hh_params(temperature, ReversalKind.fixed, None, None, None, g_leak, None)
    kw = dict(
        diameter_um=_q(diameter, "length", "--diameter"),
        length_mm=_mm(length, "--length"),
        compartments=compartments, params=params, dt=_q(dt, "time", "--dt"),
        duration=None if duration is None else _q(duration, "time", "--duration"),
        r_axial=_q(r_axial, "resistivity", "--r-axial"), passive=passive,
        stim_amp=None if stim_amp is None else _q(stim_amp, "injected", "--stim-amp"),
        stim_dur=None if stim_dur is None else _q(stim_dur, "time", "--stim-dur"),
        end=end.value, method=method.value,
    )
    flags = {"diameter": "--diameter", "length": "--length", "r_axial": "--r-axial", "compartments": "--compartments",
             "dt": "--dt", "duration": "--duration", "stim_amp": "--stim-amp", "stim_dur": "--stim-dur",
             "g_leak": "--g-leak"}
    try:
        res = run_axon(**kw)
    except InvalidParameter as exc:
        raise exc.renamed(flags.get(exc.field, exc.field)) from None
    except SolverError as exc:
        raise InvalidParameter("--stim-amp", kw["stim_amp"] if kw["stim_amp"] is not None else "default",
                               f"is too strong for this axon ({exc})") from None
    if out is not None:
        _save_dataset(res.result.to_dataset(), out)
    if plot is not None:
        from ..plot import plot_cable

        plot_cable(res, plot)
    summary = res.summary()
    if as_json:
        _emit_json(summary)
        return
    con = _console()
    con.print(f"[bold]{'passive' if passive else 'Hodgkin-Huxley'} axon[/bold]: {summary['diameter_um']:g} um x "
              f"{summary['length_mm']:g} mm, {summary['compartments']} compartments, "
              f"{params.temperature_c:g} degC, dt {summary['dt_ms']:g} ms")
    con.print(f"length constant {summary['length_constant_um'] / 1000:.2f} mm (at rest), "
              f"time constant {summary['time_constant_ms']:.2f} ms")
    v = summary["velocity_m_s"]
    if passive:
        con.print(f"half-amplitude point moves at {_fmt(v, 2, 'm/s')} between 1/4 and 3/4 "
                  f"(2 lambda/tau = {summary['half_amplitude_velocity_theory_m_s']:.2f} m/s on an infinite cable)")
        q, th = summary["steady_mV_at_quarters"], summary["steady_mV_theory"]
        con.print(f"steady depolarization: {q[0]:.3f} mV at 1/4, {q[1]:.3f} mV at 3/4 of the length "
                  f"(cable theory, {end.value} end: {th[0]:.3f} and {th[1]:.3f} mV)")
    else:
        con.print(f"[bold]conduction velocity {_fmt(v, 2, 'm/s')}[/bold] (between 1/4 and 3/4 of the length); "
                  f"spike peak {summary['peak_mV_at_quarters'][0]:.1f} / {summary['peak_mV_at_quarters'][1]:.1f} mV")
    if out is not None:
        con.print(f"data written to {out}")
    if plot is not None:
        con.print(f"figure written to {plot}")


def _mm(text: str, flag: str) -> float:
    """A length in mm: a bare number is mm, text with a unit ("5 cm") is converted."""
    try:
        value = float(text)
    except ValueError:
        return _q(text, "length", flag) / 1000.0
    return _q(value, "length", flag)


# ---------------------------------------------------------------------------
# explorer
# ---------------------------------------------------------------------------

from . import explore as _explore  # noqa: E402  (registered here: the commands are listed in this order)


class BackendKind(str, Enum):
    auto = "auto"
    local = "local"
    processes = "processes"
    dask = "dask"


@app.command()
def sweep(
    file: Optional[Path] = typer.Argument(None, help="A sweep file (TOML): model, base preset or cell, [[axes]], outputs."),
    out: Optional[Path] = typer.Option(None, "--out", help="Zarr store (a path ending in .zarr) that receives each block as it finishes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on this dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Run on N local worker processes (a dask LocalCluster on 127.0.0.1, or a process pool with --backend processes)."),
    backend: BackendKind = typer.Option(BackendKind.auto, "--backend", help="local (this process), processes (a process pool) or dask; auto: dask when --scheduler or --workers is given."),
    resume: bool = typer.Option(False, "--resume", help="Continue the store at --out: compute only the blocks not yet finished."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing store at --out."),
    yes: bool = typer.Option(False, "--yes", help="Run a sweep larger than the model's confirmation size."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Figure (.png, .svg, .pdf): a line (1 axis), heatmap (2 axes), scatter (sampled) or tornado (sensitivity)."),
    output: Optional[str] = typer.Option(None, "--output", help="The output drawn by --plot (default: the first)."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Also write the results as a table (.csv), one row per point."),
    parameters: bool = typer.Option(False, "--parameters", help="List the parameters and outputs of the file's model (and base) and stop."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help="Change one value of the sweep's base preset or cell: KEY=VALUE (repeat for more)."),
    verify: Optional[Path] = typer.Option(None, "--verify", help="Check every block of the store STORE against its checksum and stop (exit 0: all done and sound; 3: some missing or damaged)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (the progress bar goes to stderr)."),
):
    """Sweep parameters of a model over a grid, a list or random/Latin-hypercube samples; sensitivities."""
    import time

    from ..sweep import describe_model, load_sweep, parameter_unit, run_sweep, sensitivity

    if verify is not None:
        others = {"FILE": file, "--out": out, "--scheduler": scheduler, "--workers": workers, "--resume": resume,
                  "--overwrite": overwrite, "--yes": yes, "--plot": plot, "--output": output, "--csv": csv,
                  "--parameters": parameters, "--set": settings,
                  "--backend": None if backend == BackendKind.auto else backend}
        given = [k for k, v in others.items() if v not in (None, False, [])]
        if given:
            raise InvalidParameter("--verify", str(verify), f"checks a store on its own (with --json at most); "
                                   f"not with {', '.join(given)}")
        return _verify_store(verify, as_json)
    if file is None:
        raise InvalidParameter("FILE", InvalidParameter.NO_VALUE, "give a sweep file (or --verify STORE)")
    if parameters:
        info = describe_model(file)
        if as_json:
            _emit_json(info)
            return
        con = _console()
        con.print(f"[bold]{info['model']}[/bold] model of {info['base'] or 'its defaults'}: parameters (base value)")
        for k, v in info["parameters"].items():
            con.print(_esc(f"  {k} = {v:g}") + (f" {_esc('[' + u + ']')}" if (u := parameter_unit(k)) else ""))
        con.print(_esc("outputs: " + ", ".join(f"{k} [{u}]" for k, u in info["outputs"].items())))
        return
    _check_plot_path(plot)
    if csv is not None:
        check_output_file("--csv", csv, (".csv",))
    sw = load_sweep(file, settings=settings)
    if output is not None and output not in sw.outputs:
        raise InvalidParameter("--output", output, f"is not an output of this sweep ({', '.join(sw.outputs)})")
    flags = {"out": "--out", "workers": "--workers", "scheduler": "--scheduler", "resume": "--resume",
             "backend": "--backend", "points": "--yes"}
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)
    columns = [TextColumn("{task.description}"), BarColumn(bar_width=24), MofNCompleteColumn(),
               TextColumn("points, {task.fields[rate]}"), TextColumn("left"), TimeRemainingColumn()]
    title = sw.title or file.stem
    title = title if len(title) <= 24 else title[:23] + "…"
    # the bar appears once the sweep starts: checks, the store and the cluster connection come first
    bar = Progress(*columns, console=err, transient=False, disable=not err.is_terminal and as_json)
    state = {"t0": None, "start": 0, "task": None}

    def progress(done, total):
        now = time.perf_counter()
        if state["task"] is None:
            bar.start()
            state["task"] = bar.add_task(title, total=total, rate="")
            state["t0"], state["start"] = now, done
        dt = now - state["t0"]
        rate = (done - state["start"]) / dt if dt > 0 else 0.0
        bar.update(state["task"], completed=done, rate=_rate(rate) if rate else "")

    try:
        res = run_sweep(sw, out=out, backend=backend.value, workers=workers, scheduler=scheduler, resume=resume,
                        overwrite=overwrite, yes=yes, progress=progress,
                        note=lambda text: sys.stderr.write(f"nernst: {text}\n"))
    except InvalidParameter as exc:
        raise exc.renamed(flags.get(exc.field, exc.field)) from None
    except KeyboardInterrupt:
        if state["task"] is not None:
            bar.stop()
            state["task"] = None
        if out is not None:
            sys.stderr.write(f"nernst: interrupted; finished blocks are saved in {out}: run the same command "
                             "with --resume to compute the rest\n")
        else:
            sys.stderr.write("nernst: interrupted (nothing saved: use --out to keep partial results)\n")
        raise typer.Exit(130)
    finally:
        if state["task"] is not None:  # a bar that never started would print an empty line
            bar.stop()
    import numpy as np

    ds = res.dataset
    sens = sensitivity(res) if sw.sensitivity is not None else None
    if csv is not None:
        frame = ds[list(sw.outputs)].to_dataframe()
        frame.to_csv(csv)
        sys.stderr.write(f"nernst: table written to {csv} ({len(frame):,} rows)\n")
    if plot is not None:
        from ..plot import plot_sweep, plot_tornado

        name = output or sw.outputs[0]
        if sens is not None:
            plot_tornado(sens, name, plot)
        else:
            plot_sweep(ds, name, plot)
        sys.stderr.write(f"nernst: figure written to {plot}\n")
    summary = res.summary()
    if sens is not None:
        summary["sensitivity"] = {
            o: [{"parameter": str(p), "base_value": float(sens["base_value"].sel(parameter=p)),
                 "derivative": _none_nan(sens["derivative"].sel(output=o, parameter=p)),
                 "elasticity": _none_nan(sens["elasticity"].sel(output=o, parameter=p)),
                 "low": _none_nan(sens["low"].sel(output=o, parameter=p)),
                 "high": _none_nan(sens["high"].sel(output=o, parameter=p))}
                for p in sens["parameter"].values[np.argsort(-np.nan_to_num(sens["swing"].sel(output=o).values,
                                                                             nan=-1.0), kind="stable")]]
            for o in sw.outputs}
    if as_json:
        _emit_json(_nan_to_none(summary))
        return
    _print_sweep(summary, sens)


def _verify_store(path: Path, as_json: bool) -> int:
    """``nernst sweep --verify STORE``: the state of every block."""
    from ..sweep.store import ranges, verify_store

    try:
        state = verify_store(path)
    except InvalidParameter as exc:
        raise exc.renamed("--verify") from None
    blocks = state.blocks()
    ok = state.complete
    if as_json:
        _emit_json({"store": str(path), "sweep_key": state.key, "store_version": state.version,
                    "tasks": state.tasks, "done": int(state.done.sum()), "complete": ok, "blocks": blocks,
                    "corrupt": {str(k): v for k, v in sorted(state.corrupt.items())},
                    "missing": [i for i, b in enumerate(blocks) if b == "missing"],
                    "coordinates": state.coords or "verified", "in_use_by": state.owner})
        return 0 if ok else 3
    con = _console()
    con.print(_esc(f"{path}: {int(state.done.sum())} of {state.tasks} blocks done and verified"
                   f" (outputs {', '.join(state.outputs)})"))
    for what in ("corrupt", "missing"):
        ids = [i for i, b in enumerate(blocks) if b == what]
        if not ids:
            continue
        if what == "corrupt":
            for i in ids[:20]:
                con.print(_esc(f"  corrupt: block {i}: {state.corrupt[i]}"))
            if len(ids) > 20:
                con.print(_esc(f"  corrupt: {len(ids) - 20} more ({ranges(ids[20:])})"))
        else:
            con.print(_esc(f"  missing (never finished): block{'s' * (len(ids) != 1)} {ranges(ids)}"))
    if state.coords is not None:
        con.print(_esc(f"  damaged: {state.coords}"))
    if state.owner is not None:
        con.print(_esc(f"  in use: a sweep is writing it now (pid {state.owner.get('pid')} on "
                       f"{state.owner.get('host')}); blocks may still be finishing"))
    if not ok:
        con.print(_esc(f"  run its sweep again with --out {path} --resume to compute the missing and damaged "
                       "blocks" + (" and rewrite the coordinates" if state.coords else "")))
    return 0 if ok else 3


def _rate(points_per_s: float) -> str:
    if points_per_s >= 100:
        return f"{points_per_s:,.0f} points/s"
    if points_per_s >= 1:
        return f"{points_per_s:.1f} points/s"
    return f"{1 / points_per_s:.2g} s/point"


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


def _print_sweep(summary: dict, sens) -> None:
    import numpy as np
    from rich.table import Table

    con = _console()
    n, blocks = summary["points"], summary["tasks"]
    if summary.get("sensitivity"):
        k = (n - 1) // 4
        what = f"sensitivity: the base and 4 points for each of {k} parameter{'s' * (k != 1)}"
    elif summary["method"] == "grid":
        what = "grid of " + " x ".join(f"{k} {v}" for k, v in summary["dims"].items())
    else:
        what = f"{summary['method']} of {len(summary['axes'])} parameter{'s' * (len(summary['axes']) != 1)}"
    con.print(f"[bold]{_esc(summary['title'] or 'sweep')}[/bold]: {summary['model']} model"
              f"{' of ' + summary['base'] if summary['base'] else ''}, {what}: {n:,} point{'s' * (n != 1)} in "
              f"{blocks:,} block{'s' * (blocks != 1)}")
    for line in summary.get("balance", []):
        con.print(f"bath: {_esc(line)}")
    rate = summary["points_per_s"]
    w = summary["workers"]
    con.print(f"{summary['computed_points']:,} computed, {summary['reused_points']:,} reused from the store, "
              f"{summary['failed_points']:,} failed; {summary['elapsed_s']:.2f} s in all "
              f"({summary['compute_s']:.2f} s computing) on {summary['backend']} ({w} worker{'s' * (w != 1)})"
              + (f", {_rate(rate)}" if rate else ""))
    t = Table(title=None)
    for col in ("output", "unit", "min", "median", "max", "NaN"):
        t.add_column(col, justify="left" if col in ("output", "unit") else "right")
    for name, st in summary["outputs"].items():
        t.add_row(name, st["unit"], *(f"{st[k]:.4g}" if k in st else "-" for k in ("min", "median", "max")),
                  str(st["nan"]))
    con.print(t)
    if sens is not None:
        for o in sens["output"].values:
            s = sens.sel(output=o)
            order = np.argsort(-np.nan_to_num(s["swing"].values, nan=-1.0), kind="stable")
            tt = Table(title=f"sensitivity of {o} (base {float(s['base']):.4g}; bars at -/+{sens.attrs['span']:.0%})")
            for col in ("parameter", "base value", "d/dp", "elasticity", "at -", "at +"):
                tt.add_column(col, justify="left" if col == "parameter" else "right")
            for j in order:
                vals = [s[k].values[j] for k in ("derivative", "elasticity", "low", "high")]
                tt.add_row(str(s["parameter"].values[j]), f"{float(s['base_value'].values[j]):.4g}",
                           *(f"{v + 0.0:.4g}" if math.isfinite(v) else "-" for v in vals))
            con.print(tt)
    for e in summary["errors"]:
        con.print(f"[yellow]failed point:[/yellow] {_esc(e)}")
    if summary["store"]:
        con.print(f"results in {summary['store']} (open with nernst.sweep.open_sweep or xarray.open_zarr)")


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI; user errors give one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else list(argv)
    import warnings

    from ..errors import NernstWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NernstWarning)  # the commands print a result's warnings themselves
            rv = app(args=args, prog_name="nernst", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except (_UsageError, _ClickException) as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `nernst`: show the help
            sys.stdout.write(exc.format_message().rstrip() + "\n")
            return 0
        msg = " ".join(exc.format_message().split())
        sys.stderr.write(f"nernst: error: {msg}\n")
        code = EXIT_USAGE
    except typer.Abort:
        sys.stderr.write("nernst: aborted\n")
        code = 130
    except NernstError as exc:
        sys.stderr.write(f"nernst: error: {' '.join(str(exc).split())}\n")
        code = EXIT_USAGE
    except BrokenPipeError:
        code = 0
    except OSError as exc:  # the file system refused a file after the checks (disk full, removed folder)
        name = str(exc.filename or "")
        where = (name if len(name) <= 80 else name[:38] + "..." + name[-38:]) + ": " if name else ""
        sys.stderr.write(f"nernst: error: {where}{exc.strerror or ' '.join(str(exc).split())}\n")
        code = EXIT_USAGE
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("NERNST_DEBUG"):
            raise
        sys.stderr.write(f"nernst: internal error ({type(exc).__name__}: {' '.join(str(exc).split())}); "
                         "set NERNST_DEBUG=1 for a traceback and please report it\n")
        code = 1
    sys.stdout.flush()
    return code


def run() -> None:  # console-script entry
    sys.exit(main())


if __name__ == "__main__":
    run()
