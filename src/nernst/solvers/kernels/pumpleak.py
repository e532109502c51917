"""Compiled (Numba) right-hand side, Jacobian and steady-state Newton of the pump-leak cell.

The reference is the Python model in :mod:`nernst.cell` and :mod:`nernst.mechanisms`
(each mechanism's ``flux`` method); this module translates a :class:`CellModel`
into flat tables (one row per mechanism: a type code, ion indices, parameters)
and evaluates the same equations in compiled loops.  The tests compare both on
random states for every mechanism type (tests/pumpleak/test_cellkernels.py).

Each mechanism packs its own row (``compiled_row``: its type code, ion indices and parameters); the
kernels below have one branch per type code.  A model can be compiled when every mechanism packs a row;
otherwise :func:`compile_model` returns None and the Python path is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...mechanisms.cotransporters import KCC2_CODE, NKCC1_CODE
from ...mechanisms.electrodes import CLAMP_CODE, INJECT_CODE
from ...mechanisms.exchangers import NCX_CODE, PMCA_CODE
from ...mechanisms.leak import GHK_CODE, LEAK_CODE
from ...mechanisms.pumps import PUMP_CODE
from ...model.cell import FLUX_TO_RATE, V_PER_CHARGE, WATER_FACTOR, WATER_MOLAR_VOLUME_CM3_MOL, CellModel
from ...physics.constants import FARADAY
from ...physics.ghk_kernel import njit

__all__ = ["CompiledCell", "compile_model"]

_UA = 1e6 / FARADAY  # 1 uA/cm^2 of a monovalent ion in pmol/(cm^2 s)

# mechanism type codes: the branches of the kernels (each mechanism module owns its code)
LEAK, GHK, PUMP, KCC2, NKCC1, NCX, PMCA, INJECT, CLAMP = (LEAK_CODE, GHK_CODE, PUMP_CODE, KCC2_CODE, NKCC1_CODE,
                                                          NCX_CODE, PMCA_CODE, INJECT_CODE, CLAMP_CODE)
_WATER = {"flux": 0, "instant": 1, "rigid": 2}


@dataclass
class CompiledCell:
    """Flat arrays describing one model, ready for the compiled kernels."""

    z: np.ndarray          # valence of each ion
    co: np.ndarray         # bath concentrations (infinite bath)
    mtype: np.ndarray      # int, one per mechanism
    mion: np.ndarray       # int (n_mech, 3): ion indices used by the mechanism
    mpar: np.ndarray       # float (n_mech, 8): parameters
    area: float
    cap: float
    vt: float
    water: int
    finite: bool
    pf_rate: float         # um^3/s per mM of osmotic difference
    x_in_amount: float     # impermeant amount inside (amol)
    x_in_charge: float     # sum z_X N_X (amol)
    x_out_conc: float      # impermeant concentration outside (mM, at the initial volume)
    w0: float
    w_total: float         # cell + extracellular volume (finite bath)
    w_out0: float


def compile_model(model: CellModel, initial) -> CompiledCell | None:
    """Tables for *model* starting from state *initial*, or None if a mechanism has no compiled form."""
    sp = list(model.species)
    idx = {s: i for i, s in enumerate(sp)}
    rows_t, rows_i, rows_p = [], [], []
    for m in model.mechanisms:
        row = m.compiled_row(idx)
        if row is None:
            return None
        code, ions, par = row
        rows_t.append(code)
        rows_i.append([*ions, -1, -1, -1][:3])
        rows_p.append([*par, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0][:8])
    n_mech = len(rows_t)
    x_out = sum(imp.concentration_mM for imp in model.impermeant_outside.values())
    w0 = initial.volume_um3
    w_out0 = initial.volume_out_um3 if model.finite_bath else 0.0
    return CompiledCell(
        z=np.array([model.valence[s] for s in sp], dtype=float),
        co=np.array([model.outside[s] for s in sp], dtype=float),
        mtype=np.array(rows_t, dtype=np.int64).reshape(n_mech),
        mion=np.array(rows_i, dtype=np.int64).reshape(n_mech, 3),
        mpar=np.array(rows_p, dtype=float).reshape(n_mech, 8),
        area=model.area_um2,
        cap=model.capacitance_uF_cm2,
        vt=model.vt,
        water=_WATER[model.water],
        finite=model.finite_bath,
        pf_rate=model.water_permeability_cm_s * model.area_um2 * WATER_MOLAR_VOLUME_CM3_MOL * WATER_FACTOR,
        x_in_amount=float(sum(initial.impermeant_in.values())),
        x_in_charge=float(sum(model.impermeant_inside[k].valence * a for k, a in initial.impermeant_in.items())),
        x_out_conc=x_out,
        w0=w0,
        w_total=w0 + w_out0,
        w_out0=w_out0,
    )


# --------------------------------------------------------------------------- kernels
@njit(cache=True)
def _bern(s):
    if s == 0.0:
        return 1.0
    x = -s
    return x / math.expm1(x)


@njit(cache=True)
def fluxes(v, ci, co, z, vt, mtype, mion, mpar, out):
    """Outward flux density of every ion (pmol/cm^2/s) into *out*: the compiled twin of the
    mechanisms' ``flux`` methods."""
    for i in range(out.size):
        out[i] = 0.0
    for k in range(mtype.size):
        t = mtype[k]
        if t == LEAK:
            i = mion[k, 0]
            e = vt / z[i] * math.log(co[i] / ci[i])
            out[i] += mpar[k, 0] * (v - e) * _UA / z[i]
        elif t == GHK:
            i = mion[k, 0]
            s = z[i] * v / vt
            out[i] += 1e6 * mpar[k, 0] * (ci[i] * _bern(s) - co[i] * _bern(-s))
        elif t == PUMP:
            na = mion[k, 0]
            kk = mion[k, 1]
            cur = mpar[k, 0]
            form = int(mpar[k, 1])
            if form == 1:
                r = ci[na] / co[na]
                cur = cur * r * r * r
            elif form == 2:
                a = ci[na] ** mpar[k, 4]
                b = co[kk] ** mpar[k, 5]
                cur = cur * a / (a + mpar[k, 2] ** mpar[k, 4]) * b / (b + mpar[k, 3] ** mpar[k, 5])
            if mpar[k, 7] != 0.0:
                u = v / vt
                sigma = (math.exp(co[na] / 67.3) - 1.0) / 7.0
                cur = cur / (1.0 + 0.1245 * math.exp(-0.1 * u) + 0.0365 * sigma * math.exp(-u))
            stoich = int(mpar[k, 6])
            n_na = stoich // 100
            n_k = stoich % 100
            cycles = cur * _UA / (n_na - n_k)
            out[na] += n_na * cycles
            out[kk] -= n_k * cycles
        elif t == KCC2:
            kk = mion[k, 0]
            cl = mion[k, 1]
            j = mpar[k, 0] * vt * math.log(ci[kk] * ci[cl] / (co[kk] * co[cl])) * _UA
            out[kk] += j
            out[cl] += j
        elif t == NKCC1:
            na = mion[k, 0]
            kk = mion[k, 1]
            cl = mion[k, 2]
            j_in = mpar[k, 0] * vt * math.log(co[na] * co[kk] * co[cl] ** 2 / (ci[na] * ci[kk] * ci[cl] ** 2)) * _UA
            out[na] -= j_in
            out[kk] -= j_in
            out[cl] -= 2.0 * j_in
        elif t == NCX:
            na = mion[k, 0]
            ca = mion[k, 1]
            e_ncx = 3.0 * vt / z[na] * math.log(co[na] / ci[na]) - 2.0 * vt / z[ca] * math.log(co[ca] / ci[ca])
            forward = -mpar[k, 0] * (v - e_ncx) * _UA
            out[ca] += forward
            out[na] -= 3.0 * forward
        elif t == PMCA:
            ca = mion[k, 0]
            out[ca] += mpar[k, 0] * _UA / 2.0 * ci[ca] / (ci[ca] + mpar[k, 1])
        elif t == INJECT:
            i = mion[k, 0]
            out[i] += -mpar[k, 0] * _UA / z[i]
        elif t == CLAMP:
            i = mion[k, 0]
            out[i] += mpar[k, 0] * (v - mpar[k, 1]) * _UA / z[i]


@njit(cache=True)
def _volumes(y, n, water, finite, w0, w_total, x_in_amount, x_out_amount, osm_out_fixed):
    """Cell and extracellular volume for the state vector (same rules as dynamics._Layout)."""
    if water == 0:
        w = y[y.size - 1]
    elif water == 2:
        w = w0
    else:
        inside = x_in_amount
        for i in range(n):
            inside += y[i]
        if finite:
            outside = x_out_amount
            for i in range(n):
                outside += y[n + i]
            w = w_total * inside / (inside + outside)
        else:
            w = inside / osm_out_fixed
    return w, w_total - w


@njit(cache=True)
def rhs(y, dy, z, co_bath, vt, mtype, mion, mpar, area, cap, water, finite, pf_rate, x_in_amount, x_in_charge,
        x_out_conc, w0, w_total, w_out0, ci, co, j):
    _rhs_v(y, dy, np.nan, z, co_bath, vt, mtype, mion, mpar, area, cap, water, finite, pf_rate, x_in_amount,
           x_in_charge, x_out_conc, w0, w_total, w_out0, ci, co, j)


@njit(cache=True)
def _rhs_v(y, dy, v_fixed, z, co_bath, vt, mtype, mion, mpar, area, cap, water, finite, pf_rate, x_in_amount,
           x_in_charge, x_out_conc, w0, w_total, w_out0, ci, co, j):
    """The right-hand side; with a finite *v_fixed* the fluxes use that V instead of the charge's."""
    n = z.size
    x_out_amount = x_out_conc * w_out0
    osm_out_fixed = x_out_conc
    for i in range(n):
        osm_out_fixed += co_bath[i]
    w, w_out = _volumes(y, n, water, finite, w0, w_total, x_in_amount, x_out_amount, osm_out_fixed)
    charge = x_in_charge
    for i in range(n):
        ci[i] = y[i] / w
        charge += z[i] * y[i]
        co[i] = y[n + i] / w_out if finite else co_bath[i]
    v = V_PER_CHARGE * FARADAY * charge / (cap * area) if math.isnan(v_fixed) else v_fixed
    fluxes(v, ci, co, z, vt, mtype, mion, mpar, j)
    for i in range(n):
        r = -j[i] * FLUX_TO_RATE * area
        dy[i] = r
        dy[n + i] = -r
    if water == 0:
        osm_in = x_in_amount / w
        for i in range(n):
            osm_in += ci[i]
        if finite:
            osm_out = x_out_amount / w_out
            for i in range(n):
                osm_out += co[i]
        else:
            osm_out = osm_out_fixed
        dy[y.size - 1] = pf_rate * (osm_in - osm_out)


@njit(cache=True)
def jacobian(y, jac, z, co_bath, vt, mtype, mion, mpar, area, cap, water, finite, pf_rate, x_in_amount,
             x_in_charge, x_out_conc, w0, w_total, w_out0, ci, co, j):
    """Jacobian split as df/dy = df/dy|_V + df/dV dV/dy.

    V is a difference of large charges, so a plain finite difference in an amount
    moves V by a fraction of a mV and its truncation error (GHK currents are
    curved in V) swamps the slow modes, even giving spurious positive
    eigenvalues.  Here df/dV comes from a central difference in V alone, dV/dN_k
    = F z_k / (C_m A) is exact, and the concentration effects at fixed V are
    forward differences.  The columns of the extracellular amounts of an infinite
    bath (cumulative efflux) are exactly zero.
    """
    n = z.size
    m = y.size
    f0 = np.empty(m)
    f1 = np.empty(m)
    fm = np.empty(m)
    dfdv = np.empty(m)
    yp = y.copy()
    charge = x_in_charge
    for i in range(n):
        charge += z[i] * y[i]
    dv_dq = V_PER_CHARGE * FARADAY / (cap * area)
    v0 = dv_dq * charge
    args = (z, co_bath, vt, mtype, mion, mpar, area, cap, water, finite, pf_rate, x_in_amount, x_in_charge,
            x_out_conc, w0, w_total, w_out0, ci, co, j)
    _rhs_v(y, f0, v0, *args)
    dv = 1e-4
    _rhs_v(y, f1, v0 + dv, *args)
    _rhs_v(y, fm, v0 - dv, *args)
    for a in range(m):
        dfdv[a] = (f1[a] - fm[a]) / (2.0 * dv)
    for a in range(m):
        for b in range(m):
            jac[a, b] = 0.0
    for k in range(m):
        if (not finite) and n <= k < 2 * n:
            continue
        h = 1e-7 * max(abs(y[k]), 1e-300)
        yp[k] = y[k] + h
        _rhs_v(yp, f1, v0, *args)
        yp[k] = y[k]
        for a in range(m):
            jac[a, k] = (f1[a] - f0[a]) / h
        if k < n:
            for a in range(m):
                jac[a, k] += dfdv[a] * dv_dq * z[k]


@njit(cache=True)
def _steady_residual(x, r, moved, n_fixed, z, co, vt, mtype, mion, mpar, area, cap, water, x_amount, x_charge,
                     osm_o, w_rigid, ci, j):
    n = z.size
    w = math.exp(x[n])
    v = x[n + 1]
    for i in range(n):
        ci[i] = math.exp(x[i])
    fluxes(v, ci, co, z, vt, mtype, mion, mpar, j)
    for i in range(n):
        if moved[i]:
            r[i] = j[i]
        else:
            r[i] = (ci[i] * w - n_fixed[i]) / n_fixed[i]
    if water == 2:
        r[n] = (w - w_rigid) / w_rigid
    else:
        s = x_amount / w
        for i in range(n):
            s += ci[i]
        r[n] = (s - osm_o) / osm_o
    charge = x_charge / w
    for i in range(n):
        charge += z[i] * ci[i]
    r[n + 1] = charge - v * cap * area / (V_PER_CHARGE * FARADAY * w)


@njit(cache=True)
def steady_newton(x0, moved, n_fixed, z, co, vt, mtype, mion, mpar, area, cap, water, x_amount, x_charge, osm_o,
                  w_rigid, tol, max_iter):
    """Damped Newton in (ln c, ln W, V) with a forward-difference Jacobian.

    Returns (x, iterations); iterations < 0 means failure.
    """
    n = z.size
    m = n + 2
    x = x0.copy()
    r = np.empty(m)
    rp = np.empty(m)
    rn = np.empty(m)
    jac = np.empty((m, m))
    ci = np.empty(n)
    j = np.empty(n)
    _steady_residual(x, r, moved, n_fixed, z, co, vt, mtype, mion, mpar, area, cap, water, x_amount, x_charge,
                     osm_o, w_rigid, ci, j)
    norm = 0.0
    for a in range(m):
        norm = max(norm, abs(r[a]))
    for it in range(max_iter):
        for k in range(m):
            h = 1e-7 * max(1.0, abs(x[k]))
            old = x[k]
            x[k] = old + h
            _steady_residual(x, rp, moved, n_fixed, z, co, vt, mtype, mion, mpar, area, cap, water, x_amount,
                             x_charge, osm_o, w_rigid, ci, j)
            x[k] = old
            for a in range(m):
                jac[a, k] = (rp[a] - r[a]) / h
        dx = np.linalg.solve(jac, -r)
        big = 1.0
        for a in range(m - 1):
            big = max(big, abs(dx[a]))
        big = max(big, abs(dx[m - 1]) / 50.0)
        for a in range(m):
            dx[a] /= big
        step = 1.0
        nn = np.inf
        xn = x.copy()
        for _ in range(30):
            for a in range(m):
                xn[a] = x[a] + step * dx[a]
            _steady_residual(xn, rn, moved, n_fixed, z, co, vt, mtype, mion, mpar, area, cap, water, x_amount,
                             x_charge, osm_o, w_rigid, ci, j)
            nn = 0.0
            finite = True
            for a in range(m):
                if not math.isfinite(rn[a]):
                    finite = False
                nn = max(nn, abs(rn[a]))
            if not finite:
                nn = np.inf
            if nn < norm or step < 1e-6:
                break
            step *= 0.5
        if not math.isfinite(nn):
            return x, -1
        dmax = 0.0
        for a in range(m):
            dmax = max(dmax, abs(step * dx[a]))
            x[a] = xn[a]
            r[a] = rn[a]
        norm = nn
        if dmax < tol:
            return x, it + 1
    return x, -1
