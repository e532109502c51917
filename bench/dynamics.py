"""Benchmark: pump-leak dynamics and steady states of the Kay (2017) cell.

Times nernst's `simulate` and `steady_state` against the same model written
plainly in this file: a few dozen lines of Python/NumPy with SciPy's BDF (Python
right-hand side, no Jacobian) and forward Euler, and `scipy.optimize.root` on
the flux balance.  Every case reports its accuracy against a tight reference:
nernst `simulate` at rtol 1e-11 for time courses, the closed-form steady state
for steady states.  The story (`nernst.story.run_story`) is timed as a whole.

Cases:
  C1  one hour of the Kay cell from its initial state (pump on)
  C2  one hour of pump block, starting from the steady state
  C3  one steady state
  C4  1,000 steady states over a grid of pump currents and Na conductances
  C5  the story's wall time (story_neuron)

Run:  .venv/bin/python bench/dynamics.py [--repeat 5] [--json]
Results are recorded, with the machine, in BENCHMARKS.md.  Benchmarks are not
tests: nothing here asserts a time.  Only nernst's public API is used.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import time

import numpy as np
from scipy import constants as sc
from scipy.integrate import solve_ivp
from scipy.optimize import root

from nernst import dynamics
from nernst.cellconfig import load_cell_config
from nernst.errors import NernstError
from nernst.presets import resolve_cell_config

HOUR = 3600.0
AMOL = 1e-18  # nernst's amounts are in amol


def timeit(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


from common import machine  # noqa: E402  (bench/common.py, beside this script)


# ----------------------------------------------------------------------------- the plain model
class PlainKay:
    """The Kay (2017) pump-leak cell written plainly, in SI units.

    State: amounts of Na, K, Cl inside (mol).  Volume from instantaneous osmotic
    balance, W = (N_Na + N_K + N_Cl + N_X) / Osm_o; V from charge,
    V = F (N_Na + N_K - N_Cl + z_X N_X) / (C_m A).  Ohmic leaks I_X = g_X (V - E_X)
    and a constant pump I_p (3 Na out, 2 K in per cycle).  Concentrations in
    mol/m^3 (= mM), area m^2, volume m^3, V in volts.
    """

    def __init__(self, g_na=0.01, g_k=0.3, g_cl=0.2, i_pump=0.5, temperature_c=25.0, radius_um=5.0,
                 cm_uF_cm2=1.0, bath=(147.0, 3.0, 150.0), inside=(120.0, 30.0, 100.0), x_mM=50.0, z_x=-1.0):
        r = radius_um * 1e-6
        self.area = 4.0 * math.pi * r * r  # m^2, fixed while the volume changes
        w0 = 4.0 / 3.0 * math.pi * r ** 3  # m^3
        self.w0 = w0
        self.cap = cm_uF_cm2 * 1e-2 * self.area  # F  (1 uF/cm^2 = 1e-2 F/m^2)
        self.g = tuple(g * 10.0 for g in (g_na, g_k, g_cl))  # S/m^2 (1 mS/cm^2 = 10 S/m^2)
        self.ip = i_pump * 1e-2  # A/m^2 (1 uA/cm^2 = 1e-2 A/m^2)
        self.F = sc.physical_constants["Faraday constant"][0]
        self.vt = sc.R * (temperature_c + sc.zero_Celsius) / self.F  # V
        self.co = tuple(bath)
        self.osm_o = float(sum(bath))
        self.nx = x_mM * w0
        self.zx = z_x
        self.n0 = np.array(inside) * w0

    def rhs(self, t, n):
        """dN/dt (mol/s) of Na, K, Cl: a plain Python right-hand side."""
        nna, nk, ncl = n
        w = (nna + nk + ncl + self.nx) / self.osm_o
        v = self.F * (nna + nk - ncl + self.zx * self.nx) / self.cap
        vt, (gna, gk, gcl), (cna, ck, ccl) = self.vt, self.g, self.co
        i_na = gna * (v - vt * math.log(cna * w / nna)) + 3.0 * self.ip  # outward, A/m^2
        i_k = gk * (v - vt * math.log(ck * w / nk)) - 2.0 * self.ip
        i_cl = gcl * (v + vt * math.log(ccl * w / ncl))
        s = self.area / self.F  # dN/dt = -A I / (z F)
        return [-s * i_na, -s * i_k, s * i_cl]

    def observe(self, n):
        """(V in mV, concentrations in mM, volume in m^3) of a state."""
        n = np.asarray(n, dtype=float)
        w = (n.sum() + self.nx) / self.osm_o
        v = self.F * (n[0] + n[1] - n[2] + self.zx * self.nx) / self.cap
        return 1e3 * v, n / w, w

    def atol(self):
        return 1e-12 * float(self.n0.min())  # nernst's default: 1e-12 of the smallest initial amount

    def bdf(self, n0, duration, rtol=1e-8, n_points=400):
        sol = solve_ivp(self.rhs, (0.0, duration), n0, method="BDF", rtol=rtol, atol=self.atol(),
                        t_eval=np.linspace(0.0, duration, n_points), first_step=1e-6)
        if not sol.success:
            raise RuntimeError(sol.message)
        return sol.y[:, -1], sol.nfev

    def euler(self, n0, duration, dt):
        """Forward Euler; NaN amounts if it diverges (an amount goes negative: dt > 2 C_m/g_total)."""
        rhs = self.rhs
        n = [float(x) for x in n0]
        steps = round(duration / dt)
        try:
            for _ in range(steps):
                d = rhs(0.0, n)
                n = [n[0] + dt * d[0], n[1] + dt * d[1], n[2] + dt * d[2]]
        except (ValueError, OverflowError):  # log of a negative amount
            return np.full(3, np.nan)
        return np.array(n)

    def steady_root(self, x0=None, method="lm"):
        """scipy.optimize.root on the flux balance (the formulation of nernst's Newton).

        Unknowns: ln c_Na, ln c_K, ln c_Cl (mM), ln(W/W0) and u = V/V_T.
        Residuals: the three net currents over g_K V_T, osmotic balance and the
        capacitor relation (net charge density minus C_m A V/(F W)), both over Osm_o.
        MINPACK's Levenberg-Marquardt ("lm"); its Powell hybrid ("hybr") stalls
        on this badly scaled system from the initial state.
        """
        (gna, gk, gcl), lco = self.g, [math.log(c) for c in self.co]
        ipv = self.ip / self.vt  # S/m^2
        nx, zx, osm_o, w0 = self.nx, self.zx, self.osm_o, self.w0
        cap_v = self.cap * self.vt / self.F  # mol per unit of V/V_T

        def resid(x):
            na, k, cl, w, u = math.exp(x[0]), math.exp(x[1]), math.exp(x[2]), w0 * math.exp(x[3]), x[4]
            return [(gna * (u - lco[0] + x[0]) + 3.0 * ipv) / gk,
                    (gk * (u - lco[1] + x[1]) - 2.0 * ipv) / gk,
                    gcl * (u + lco[2] - x[2]) / gk,
                    (na + k + cl + nx / w) / osm_o - 1.0,
                    (na + k - cl + zx * nx / w - cap_v * u / w) / osm_o]

        if x0 is None:
            v0, c0, wi = self.observe(self.n0)
            x0 = [math.log(c0[0]), math.log(c0[1]), math.log(c0[2]), math.log(wi / w0), 1e-3 * v0 / self.vt]
        sol = root(resid, x0, method=method, options={"xtol": 1e-12})
        if not sol.success:
            raise RuntimeError(sol.message)
        return 1e3 * self.vt * sol.x[4], np.exp(sol.x[:3])

    def steady_analytic(self, corrected=True):
        """Closed-form steady state (V in mV, concentrations in mM).

        Zero flux of each ion: Na_i = Na_o exp(-(V + 3 I_p/g_Na)/V_T),
        K_i = K_o exp(-(V - 2 I_p/g_K)/V_T), Cl_i = Cl_o exp(V/V_T).  Osmotic
        balance plus electroneutrality (z_X = -1) give Na_i + K_i = Osm_o/2, so
        V = -V_T ln u with u = (Osm_o/2) / (Na_o e^(-3 I_p/(g_Na V_T)) + K_o e^(2 I_p/(g_K V_T))).
        With *corrected* the charge on the membrane capacitor, q = C_m A V/(F W)
        (a fraction of a uM), is kept: Na_i + K_i = Osm_o/2 + q/2 (a few fixed-point steps).
        """
        assert self.zx == -1.0
        vt, (gna, gk, _), (cna, ck, ccl) = self.vt, self.g, self.co
        a = cna * math.exp(-3.0 * self.ip / (gna * vt)) + ck * math.exp(2.0 * self.ip / (gk * vt))
        q = 0.0
        for _ in range(4 if corrected else 1):
            u = (self.osm_o / 2 + q / 2) / a
            v = -vt * math.log(u)
            cl = ccl / u
            x = self.osm_o / 2 - q / 2 - cl
            w = self.nx / x
            q = self.cap * v / (self.F * w)
        c = np.array([cna * math.exp(-3.0 * self.ip / (gna * vt)) * u, ck * math.exp(2.0 * self.ip / (gk * vt)) * u, cl])
        return 1e3 * v, c


# ----------------------------------------------------------------------------- helpers
def _without_pump(model):
    return model.replace(mechanisms=tuple(m for m in model.mechanisms if m.kind != "nak_pump"))


def _with_params(model, i_pump, g_na):
    mechs = []
    for m in model.mechanisms:
        if m.kind == "nak_pump":
            m = dataclasses.replace(m, current_uA_cm2=i_pump)
        elif m.kind == "leak" and m.ion == "Na":
            m = dataclasses.replace(m, conductance_mS_cm2=g_na)
        mechs.append(m)
    return model.replace(mechanisms=tuple(mechs))


def _nernst_end(traj):
    st = traj.final
    return st.voltage_mV, np.array([st.inside_mM[s] for s in ("Na", "K", "Cl")]), st.volume_um3 * 1e-18


def _err(v, c, v_ref, c_ref):
    return float(abs(v - v_ref)), float(np.max(np.abs(np.asarray(c) / np.asarray(c_ref) - 1.0)))


def _grid(n_pump=40, n_gna=25):
    ip = np.linspace(0.2, 1.0, n_pump)
    gna = np.geomspace(0.005, 0.05, n_gna)
    return [(float(a), float(b)) for a in ip for b in gna]


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repeats of the fast cases (min is reported)")
    ap.add_argument("--euler-repeat", type=int, default=1, help="repeats of the forward-Euler runs (seconds each)")
    ap.add_argument("--euler-dt", type=float, default=1e-3, help="forward-Euler step, s")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rep, erep = args.repeat, args.euler_repeat

    cfg = load_cell_config(resolve_cell_config("kay2017"))
    model = cfg.model
    st0 = model.initial_state()
    plain = PlainKay()
    rows, notes = [], {}

    def row(case, method, t, err_v=None, err_c=None, detail=""):
        rows.append({"case": case, "method": method, "min_s": t[0], "median_s": t[1], "V_err_mV": err_v,
                     "conc_rel_err": err_c, "detail": detail})

    # first calls in this process: Numba compiles or loads its cache
    t0 = time.perf_counter()
    dynamics.simulate(model, 1.0, initial=st0, n_points=2)
    notes["first_simulate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ss = dynamics.steady_state(model, initial=st0)
    notes["first_steady_state_s"] = time.perf_counter() - t0

    # units check: the plain model starts where nernst starts
    v_p0, _, w_p0 = plain.observe(plain.n0)
    notes["start_V_nernst_mV"], notes["start_V_plain_mV"] = st0.voltage_mV, v_p0
    notes["start_volume_rel_diff"] = abs(w_p0 / (st0.volume_um3 * 1e-18) - 1)

    # C1: one hour from the initial state, pump on ---------------------------------
    ref = dynamics.simulate(model, HOUR, initial=st0, rtol=1e-11)
    v_ref, c_ref, _ = _nernst_end(ref)
    notes["C1_reference_V_mV"] = v_ref
    t = timeit(lambda: dynamics.simulate(model, HOUR, initial=st0), rep)
    row("C1 1 h from initial state", "nernst simulate (rtol 1e-8, 400 points)", t, *_err(*_nernst_end(t[2])[:2], v_ref, c_ref))
    t = timeit(lambda: dynamics.simulate(model, HOUR, initial=st0, n_points=2), rep)
    row("C1 1 h from initial state", "nernst simulate (rtol 1e-8, 2 points)", t, *_err(*_nernst_end(t[2])[:2], v_ref, c_ref))
    t = timeit(lambda: plain.bdf(plain.n0, HOUR), rep)
    v, c, _ = plain.observe(t[2][0])
    row("C1 1 h from initial state", "plain BDF, Python RHS, no Jacobian (rtol 1e-8)", t, *_err(v, c, v_ref, c_ref),
        f"{t[2][1]} RHS calls")
    n_tight, _ = plain.bdf(plain.n0, HOUR, rtol=1e-11)
    v, c, _ = plain.observe(n_tight)
    notes["C1_plain_bdf_rtol1e-11_vs_reference"] = _err(v, c, v_ref, c_ref)
    t = timeit(lambda: plain.euler(plain.n0, HOUR, args.euler_dt), erep)
    v, c, _ = plain.observe(t[2])
    row("C1 1 h from initial state", f"plain forward Euler, dt = {args.euler_dt * 1e3:g} ms", t, *_err(v, c, v_ref, c_ref),
        f"{round(HOUR / args.euler_dt)} steps" + ("" if np.isfinite(v) else ", diverged"))

    # C2: one hour of pump block from the steady state -------------------------------
    blocked = _without_pump(model)
    s_start = ss.state
    n_start = np.asarray(s_start.n_in, dtype=float) * AMOL
    ref = dynamics.simulate(blocked, HOUR, initial=s_start, rtol=1e-11)
    v_ref, c_ref, _ = _nernst_end(ref)
    notes["C2_reference_V_mV"] = v_ref
    plain_b = PlainKay(i_pump=0.0)
    t = timeit(lambda: dynamics.simulate(blocked, HOUR, initial=s_start), rep)
    row("C2 1 h pump block from steady state", "nernst simulate (rtol 1e-8, 400 points)", t,
        *_err(*_nernst_end(t[2])[:2], v_ref, c_ref))
    t = timeit(lambda: plain_b.bdf(n_start, HOUR), rep)
    v, c, _ = plain_b.observe(t[2][0])
    row("C2 1 h pump block from steady state", "plain BDF, Python RHS, no Jacobian (rtol 1e-8)", t,
        *_err(v, c, v_ref, c_ref), f"{t[2][1]} RHS calls")
    n_tight, _ = plain_b.bdf(n_start, HOUR, rtol=1e-11)
    v, c, _ = plain_b.observe(n_tight)
    notes["C2_plain_bdf_rtol1e-11_vs_reference"] = _err(v, c, v_ref, c_ref)
    t = timeit(lambda: plain_b.euler(n_start, HOUR, args.euler_dt), erep)
    v, c, _ = plain_b.observe(t[2])
    row("C2 1 h pump block from steady state", f"plain forward Euler, dt = {args.euler_dt * 1e3:g} ms", t,
        *_err(v, c, v_ref, c_ref), f"{round(HOUR / args.euler_dt)} steps" + ("" if np.isfinite(v) else ", diverged"))

    # Euler's stability limit: dt < 2 C_m / g_total; the capacitive time constant C_m / g_total is 1.96 ms
    tau = 1e3 * plain.cap / plain.area / sum(plain.g)  # ms
    notes["capacitive_tau_ms"] = tau
    for factor in (1.9, 2.05):  # 20 s from the steady state, just below and just above the limit
        v_e = plain.observe(plain.euler(n_start, 20.0, factor * tau * 1e-3))[0]
        notes[f"euler_dt_{factor:g}tau_20s_from_steady_V_mV"] = v_e if np.isfinite(v_e) else "diverged"

    # C3: one steady state ----------------------------------------------------------
    v_an, c_an = plain.steady_analytic()
    v_an0, _ = plain.steady_analytic(corrected=False)
    notes["C3_analytic_V_mV"] = v_an
    notes["C3_capacitor_correction_mV"] = v_an - v_an0
    t = timeit(lambda: dynamics.steady_state(model, initial=st0), rep)
    row("C3 one steady state", "nernst steady_state", t, *_err(t[2].voltage_mV,
        [t[2].inside_mM[s] for s in ("Na", "K", "Cl")], v_an, c_an), f"{t[2].method}, {t[2].iterations} iterations")
    t = timeit(lambda: plain.bdf(plain.n0, 1e5, n_points=2), rep)
    v, c, _ = plain.observe(t[2][0])
    row("C3 one steady state", "plain BDF to 1e5 s (rtol 1e-8)", t, *_err(v, c, v_an, c_an), f"{t[2][1]} RHS calls")
    t = timeit(lambda: plain.steady_root(), rep)
    row("C3 one steady state", "plain scipy.optimize.root (lm)", t, *_err(t[2][0], t[2][1], v_an, c_an))
    try:
        plain.steady_root(method="hybr")
        notes["C3_root_hybr"] = "converged"
    except RuntimeError as exc:
        notes["C3_root_hybr"] = f"failed: {' '.join(str(exc).split())}"

    # C4: 1,000 steady states -------------------------------------------------------
    grid = _grid()
    models = [_with_params(model, a, b) for a, b in grid]
    plains = [PlainKay(i_pump=a, g_na=b) for a, b in grid]
    exact = [p.steady_analytic() for p in plains]
    notes["C4_grid"] = "I_p 0.2..1.0 uA/cm^2 (40, linear) x g_Na 0.005..0.05 mS/cm^2 (25, geometric)"
    notes["C4_V_range_mV"] = (min(e[0] for e in exact), max(e[0] for e in exact))

    def grid_err(vs, cs):
        ev = max(abs(v - e[0]) for v, e in zip(vs, exact))
        ec = max(float(np.max(np.abs(np.asarray(c) / e[1] - 1))) for c, e in zip(cs, exact))
        return ev, ec

    def nernst_loop():
        return [dynamics.steady_state(m, initial=st0) for m in models]

    t = timeit(nernst_loop, max(2, rep // 2))
    res = t[2]
    row("C4 1,000 steady states", "nernst steady_state in a loop", t,
        *grid_err([r.voltage_mV for r in res], [[r.inside_mM[s] for s in ("Na", "K", "Cl")] for r in res]),
        f"methods: {sorted({r.method for r in res})}")
    vec = getattr(dynamics, "steady_states", None)
    if vec is not None:
        try:
            t = timeit(lambda: vec(models), max(2, rep // 2))
            res = list(t[2])
            row("C4 1,000 steady states", "nernst steady_states (vectorized)", t,
                *grid_err([r.voltage_mV for r in res], [[r.inside_mM[s] for s in ("Na", "K", "Cl")] for r in res]))
        except (TypeError, AttributeError, ValueError, IndexError, NernstError) as exc:  # its signature is not known to this script yet
            notes["C4_steady_states"] = f"present but not called as steady_states(models): {exc!r}"
    else:
        notes["C4_steady_states"] = "nernst.dynamics.steady_states: not available yet"

    def root_loop():
        return [p.steady_root() for p in plains]

    t = timeit(root_loop, max(2, rep // 2))
    row("C4 1,000 steady states", "plain scipy.optimize.root (lm) loop", t,
        *grid_err([r[0] for r in t[2]], [r[1] for r in t[2]]))

    # C5: the story -----------------------------------------------------------------
    try:
        from nernst.story import run_story
    except ImportError:
        run_story = None
    if run_story is None:
        notes["C5_story"] = "story: not available yet"
    else:
        story_cfg = load_cell_config(resolve_cell_config("story_neuron"))
        t0 = time.perf_counter()
        run_story(story_cfg)
        notes["first_story_s"] = time.perf_counter() - t0
        t = timeit(lambda: run_story(story_cfg), max(2, rep // 2))
        row("C5 story (story_neuron)", "nernst run_story", t, None, None,
            f"{len(t[2].steps)} steps, final V {t[2].steps[-1].vm_mV:.3f} mV")

    result = {"machine": machine(), "rows": rows, "notes": notes}
    if args.json:
        print(json.dumps(result, indent=2, default=float))
        return
    print(f"machine: {result['machine']}")
    print(f"{'case':38s} {'method':50s} {'min (ms)':>10s} {'median (ms)':>12s} {'|dV| (mV)':>10s} "
          f"{'max rel dc':>10s}  detail")
    for r in rows:
        ev = "" if r["V_err_mV"] is None else f"{r['V_err_mV']:.1e}"
        ec = "" if r["conc_rel_err"] is None else f"{r['conc_rel_err']:.1e}"
        print(f"{r['case']:38s} {r['method']:50s} {r['min_s'] * 1e3:10.3f} {r['median_s'] * 1e3:12.3f} {ev:>10s} "
              f"{ec:>10s}  {r['detail']}")
    for k, v in notes.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
