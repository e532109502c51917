"""Commands of the pump-leak cell: steady, simulate, story, cells."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import InvalidParameter
from .._core.paths import check_output_folder
from ._common import (SET_HELP, _check_out_path, _check_plot_path, _console, _emit_json, _esc, _print_warnings, _show, app, engine)



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

    from ..solvers.pumpleak import start_state, steady_state

    cfg = _load_cell(config, settings)
    t0 = time.perf_counter()
    ss = engine(lambda: steady_state(cfg.model, initial=start_state(cfg)),
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
    from ..solvers.pumpleak import start_state
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
            traj = run_sim(cfg.model, d, initial=start_state(cfg), n_points=n, protocol=cfg.protocol,
                           progress=lambda done, total: bar.update(task, completed=done))
    else:
        traj = run_sim(cfg.model, d, initial=start_state(cfg), n_points=n, protocol=cfg.protocol)
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


