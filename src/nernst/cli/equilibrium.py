"""Commands of the ion table: equilibrium, rest, presets, compare, charge, ghk, donnan."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import InvalidParameter
from ._common import (SET_HELP, _check_plot_path, _console, _emit_json, _esc, _fmt, _fmt_c, _load_spec, _number, _q, _show, app, engine)



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
    z_val = _number(valence, "--valence", "a non-zero number")
    z = engine(lambda: resolve_valence(ion, z_val, "--valence"))
    e = engine(lambda: nernst(ci, co, z, t))
    from ..physics.ions import Ion, parse_ion

    symbol = parse_ion(ion)[0]
    result = {"ion": symbol, "valence": z, "inside_mM": ci, "outside_mM": co, "temperature_c": t, "equilibrium_mV": e,
              "potential_mV": e}  # potential_mV: the key of the previous release, kept for one release
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
    r = _number(pump_ratio, "--pump-ratio", "a positive number")
    report = engine(lambda: resting_state(spec, pump_ratio=r, temperature_c=t))
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
        geom = engine(lambda: cylinder(_q(length, "length", "--length"), r, ends=not no_ends))
    else:
        if length is not None:
            raise InvalidParameter("--length", length, "a sphere has no length (use --radius only)")
        geom = engine(lambda: sphere(r))
    z = _number(valence, "--valence", "a non-zero number")
    rep = engine(
        lambda: charge_to_move(
            geom,
            _q(capacitance, "capacitance", "--capacitance"),
            _q(delta, "voltage", "--delta"),
            z,
            _q(concentration, "concentration", "--concentration"),
            _q(duration, "time", "--duration"),
        ),
    )
    d = rep.as_dict()
    v_excess = None
    if excess is not None:
        v_excess = engine(
            lambda: potential_from_excess_charge(geom, _q(excess, "concentration", "--excess"),
                                                 _q(capacitance, "capacitance", "--capacitance"), z))
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
    z = engine(lambda: resolve_valence(ion, z_val, "--valence"), {"ion": "--ion"})
    ci = _q(inside, "concentration", "--inside")
    co = _q(outside, "concentration", "--outside")
    p = _q(permeability, "permeability", "--permeability")
    t = _q(temperature, "temperature", "--temperature")
    v = np.linspace(vmin, vmax, points)
    i = engine(lambda: ghk_current(v, ci, co, z, p, t),
               {"voltage_mV/inside/outside/permeability": "--inside/--outside/--permeability"})
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
        zs.append(engine(lambda s=sym: resolve_valence(s, zmap.get(s), "--valence"), {"ion": "--outside"}))
    x = _q(impermeant, "concentration", "--impermeant")
    t = _q(temperature, "temperature", "--temperature")
    where = {"valence": "--outside", **{f"outside[{k}]": f"--outside {s}" for k, s in enumerate(symbols)}}
    st = engine(lambda: donnan_equilibrium(conc, zs, x, impermeant_valence, t), where)
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


