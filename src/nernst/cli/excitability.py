"""Commands of the Hodgkin-Huxley membrane: spike, clamp, cable."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .._core.names import with_old_names
from ..errors import InvalidParameter, SolverError
from ._common import (FLAGS, _check_out_path, _check_plot_path, _console, _emit_json, _fmt, _q, _save_dataset, app,
                      engine, flag_of)



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
            kw[name] = _q(val, kind, FLAGS[name])
    p = engine(lambda: HHParameters(**kw))
    if temperature is not None:
        p = engine(lambda: p.at_temperature(_q(temperature, "temperature", "--temperature")))
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
    stimulus_flags = {"duration": "--width"}  # a stimulus's duration is its --width
    if stimulus == StimKind.step:
        w = math.inf if width is None else _q(width, "time", "--width")
        wave = engine(lambda: Step(amp, d0, w), stimulus_flags)
    elif stimulus == StimKind.ramp:
        if ramp_to is None:
            raise InvalidParameter("--ramp-to", InvalidParameter.NO_VALUE, "is required with --stimulus ramp")
        dur = _q(duration, "time", "--duration")
        w = (dur - d0) if width is None else _q(width, "time", "--width")
        wave = engine(lambda: Ramp(amp, _q(ramp_to, "current", "--ramp-to"), d0, w), stimulus_flags)
    else:
        w = 1.0 if width is None else _q(width, "time", "--width")
        wave = engine(lambda: Train(amp, w, _q(interval, "time", "--interval"), count, d0), stimulus_flags)
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
        raise exc.renamed(flag_of(exc.field)) from None
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
    try:
        res = simulate_hh_ions(0.0, _q(duration, "time", "--duration"), _q(dt, "time", "--dt"), stimulus=wave,
                               na_in=ions["Na"].inside_mM, na_out=ions["Na"].outside_mM, k_in=ions["K"].inside_mM,
                               k_out=ions["K"].outside_mM, params=base, diameter_um=_q(diameter, "length", "--diameter"),
                               pump_max=None if pump is None else _q(pump, "current", "--pump"),
                               threshold=_q(threshold, "voltage", "--threshold"))
    except InvalidParameter as exc:
        raise exc.renamed(flag_of(exc.field)) from None
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
        raise exc.renamed(flag_of(exc.field)) from None
    data["temperature_c"] = params.temperature_c
    with_old_names(data)
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
    try:
        res = run_axon(**kw)
    except InvalidParameter as exc:
        raise exc.renamed(flag_of(exc.field)) from None
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


