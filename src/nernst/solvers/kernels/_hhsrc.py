"""Numba sources of the Hodgkin-Huxley kernels (compiled just in time or ahead of time).

Importing this module imports Numba.  :mod:`nernst.hhkernels` loads these
kernels from an ahead-of-time (AOT) build when one is cached, so that a short
run such as ``nernst spike`` does not pay Numba's import (about 0.5 s); the same
functions are JIT-compiled when no AOT build is available.  The pure-NumPy
reference of both kernels is in :mod:`nernst.hhkernels`.

The scheme is the staggered one of Hines (1984) and NEURON's Crank-Nicolson
option: gates live at half steps and advance with the exact exponential
solution at fixed V (``x += (x_inf - x) (1 - exp(-dt/tau))``); V advances from
t to t + dt with Crank-Nicolson, the ionic conductances taken at t + dt/2.
The result is second-order accurate in dt.

Speed notes (measured on the benchmark machine; see BENCHMARKS.md):
* the per-cell loop is written so that LLVM vectorizes it (AVX-512 here):
  no Python-style division checks (``error_model='numpy'``) and exponentials
  computed by the small polynomial below, since the standard ``exp`` is a
  scalar library call that LLVM cannot vectorize (Numba has no SVML here);
* the six HH rate exponentials are powers of one exponential,
  b = exp(-(V + 65)/720): exp(-(V+65)/80) = b^9, /20 = b^36, /18 = b^40,
  /10 = b^72, so one polynomial exponential serves all six rates;
* cells are processed in blocks of 256, time-inner, so a block's state stays
  in L1 cache for the whole run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FLAGS = dict(fastmath=True, error_model="numpy", cache=True, nogil=True)

#: Cells per block in :func:`population`.
BLOCK = 256
#: |V| beyond which the rates are evaluated at the clipped value (the run is
#: then reported as failed by the caller: no membrane gets there).
V_GUARD = 1000.0


@njit(inline="always", fastmath=True)
def _taylor11(r):
    # exp(r) by its degree-11 Taylor polynomial (Horner): 4e-18 relative for |r| <= 0.19
    return 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (
        1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0 + r * (
            1.0 / 3628800.0 + r * (1.0 / 39916800.0)))))))))))


@njit(inline="always", fastmath=True)
def _taylor9(r):
    # exp(r) by its degree-9 Taylor polynomial: 3e-15 relative for |r| <= 0.16
    return 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (
        1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0)))))))))


@njit(inline="always", fastmath=True)
def _exp_small(x):
    """exp(x) for |x| <= 1.5 as (exp(x/8))^8: about 1e-15 relative."""
    p = _taylor11(x * 0.125)
    p = p * p
    p = p * p
    return p * p


@njit(inline="always", fastmath=True)
def _exp_neg(z):
    """exp(-z) for z >= 0 as (exp(-z/32))^32: about 1e-13 relative for z <= 5,
    1e-10 for z <= 10; z is capped at 40 (exp(-40) = 4e-18 is below any gate's
    resolution).  Always positive."""
    z = min(z, 40.0)
    p = _taylor9(z * (-1.0 / 32.0))
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


@njit(inline="always", fastmath=True, error_model="numpy")
def _gates(v, m, h, n, phidt):
    """Advance m, h, n by one step at fixed v (exact exponential update).

    Each gate x has rates a = num/den and b; x_inf = a/(a+b) and the rate
    a + b are formed from one division, 1/((num + b den) den).
    """
    v = max(min(v, V_GUARD), -V_GUARD)
    b = _exp_small(-(v + 65.0) * (1.0 / 720.0))
    b2 = b * b
    b4 = b2 * b2
    b8 = b4 * b4
    b32 = b8 * b8
    b32 = b32 * b32
    e80 = b8 * b            # exp(-(v+65)/80)
    e20 = b32 * b4          # exp(-(v+65)/20)
    e18 = b32 * b8          # exp(-(v+65)/18)
    e10 = b32 * b32 * b8    # exp(-(v+65)/10)
    # m: alpha = 0.1 (v+40) / (1 - exp(-(v+40)/10)), beta = 4 exp(-(v+65)/18)
    # near the removable singularity (x = d/10 -> 0) use x/(1 - exp(-x)) = 1 + x/2 + x^2/12 + O(x^4):
    # exact to 1e-15 for |d| < 0.01 mV, where forming 1 - exp(-x) by subtraction would cancel digits
    d40 = v + 40.0
    small = abs(d40) < 1e-2
    x = d40 * 0.1
    num = 1.0 + x * (0.5 + x * (1.0 / 12.0)) if small else 0.1 * d40
    den = 1.0 if small else 1.0 - e10 * 12.182493960703473  # exp(2.5)
    q = num + 4.0 * e18 * den
    inv = 1.0 / (q * den)
    xinf = num * den * inv
    m = xinf + (m - xinf) * _exp_neg(phidt * q * q * inv)
    # h: alpha = 0.07 exp(-(v+65)/20), beta = 1 / (1 + exp(-(v+35)/10))
    ah = 0.07 * e20
    pp = 1.0 + e10 * 20.085536923187668  # 1 + exp(-(v+35)/10); exp(3)
    q = ah * pp + 1.0
    inv = 1.0 / (q * pp)
    xinf = ah * pp * pp * inv
    h = xinf + (h - xinf) * _exp_neg(phidt * q * q * inv)
    # n: alpha = 0.01 (v+55) / (1 - exp(-(v+55)/10)), beta = 0.125 exp(-(v+65)/80)
    d55 = v + 55.0
    small = abs(d55) < 1e-2
    x = d55 * 0.1
    num = 0.1 * (1.0 + x * (0.5 + x * (1.0 / 12.0))) if small else 0.01 * d55
    den = 1.0 if small else 1.0 - e10 * 2.718281828459045  # exp(1)
    q = num + 0.125 * e80 * den
    inv = 1.0 / (q * den)
    xinf = num * den * inv
    n = xinf + (n - xinf) * _exp_neg(phidt * q * q * inv)
    return m, h, n


@njit(**_FLAGS)
def population(V, M, H, N, gna, gk, gl, ena, ek, el, cm, phi, amp, shape, dt, t0,
               rec_every, rec, recg, thr, spk, nspk):
    """Advance independent single-compartment HH cells over len(shape) steps.

    Per-cell arrays (length n): state V, M, H, N (updated in place); g's in
    mS/cm^2, E's in mV, cm in uF/cm^2, phi (temperature factor), amp (uA/cm^2).
    shape[k] is the mean stimulus waveform over step k (the current of cell i
    in step k is amp[i] * shape[k]).  Every rec_every steps (0: never) V is
    recorded: row j of rec holds V after step (j + 1) * rec_every, and, if
    recg has rows, recg[j, 3i:3i+3] holds cell i's m, h, n (at the half step
    before that V).  Upward crossings of thr are written to spk[i, :]
    (times in ms, linear interpolation) and counted in nspk (which may exceed
    spk.shape[1]; extra times are dropped).  Returns the largest |V| seen.
    """
    n = V.shape[0]
    nsteps = shape.shape[0]
    maxspk = spk.shape[1]
    vmax = 0.0
    vprev = np.empty(BLOCK)
    bmax = np.zeros(BLOCK)
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        nb = hi - lo
        # views of one block: loops over range(nb) index from 0, which Numba knows
        # to be non-negative, so no wrap-around code blocks LLVM's vectorizer
        bV, bM, bH, bN = V[lo:hi], M[lo:hi], H[lo:hi], N[lo:hi]
        bgna, bgk, bgl = gna[lo:hi], gk[lo:hi], gl[lo:hi]
        bena, bek, bel = ena[lo:hi], ek[lo:hi], el[lo:hi]
        bcm, bphi, bamp = cm[lo:hi], phi[lo:hi], amp[lo:hi]
        for k in range(nsteps):
            sk = shape[k]
            crossed = 0.0
            for i in range(nb):
                v = bV[i]
                m, h, nn = _gates(v, bM[i], bH[i], bN[i], bphi[i] * dt)
                bM[i] = m
                bH[i] = h
                bN[i] = nn
                g1 = bgna[i] * m * m * m * h
                g2 = bgk[i] * (nn * nn) * (nn * nn)
                g = g1 + g2 + bgl[i]
                ge = g1 * bena[i] + g2 * bek[i] + bgl[i] * bel[i]
                c = bcm[i] / dt
                vn = (v * (c - 0.5 * g) + ge + bamp[i] * sk) / (c + 0.5 * g)
                vprev[i] = v
                bV[i] = vn
                # float sum and per-cell max: forms LLVM vectorizes (a running
                # scalar max or a boolean OR would keep this loop scalar)
                crossed += 1.0 if (v < thr) & (vn >= thr) else 0.0
                bmax[i] = max(bmax[i], abs(vn))
            if crossed > 0.0:
                tk = t0 + k * dt
                for i in range(nb):
                    v = vprev[i]
                    vn = bV[i]
                    if v < thr and vn >= thr:
                        c = nspk[lo + i]
                        if c < maxspk:
                            spk[lo + i, c] = tk + dt * (thr - v) / (vn - v)
                        nspk[lo + i] = c + 1
            if rec_every > 0 and (k + 1) % rec_every == 0:
                row = (k + 1) // rec_every - 1
                for i in range(nb):
                    rec[row, lo + i] = bV[i]
                if recg.shape[0] > 0:
                    for i in range(nb):
                        recg[row, 3 * (lo + i)] = bM[i]
                        recg[row, 3 * (lo + i) + 1] = bH[i]
                        recg[row, 3 * (lo + i) + 2] = bN[i]
        for i in range(nb):
            vmax = max(vmax, bmax[i])
            bmax[i] = 0.0
    return vmax


@njit(**_FLAGS)
def _hines(d, b, ga, parent, vh, n):
    """Solve the tree system (diagonal d, off-diagonals -ga to the parent) for vh; d and b are overwritten."""
    for i in range(n - 1, 0, -1):
        p = parent[i]
        r = 1.0 / d[i]
        d[i] = r
        f = ga[i] * r
        d[p] -= f * ga[i]
        b[p] += f * b[i]
    vh[0] = b[0] / d[0]
    for i in range(1, n):
        vh[i] = (b[i] + ga[i] * vh[parent[i]]) * d[i]


@njit(**_FLAGS)
def tree(V, M, H, N, gna, gk, gl, ena, ek, el, cap, gscale, phi, parent, ga,
         stim_comp, stim_wave, syn_comp, syn_e, syn_g, dt, t0, mode,
         rec_every, rec_comp, rec, thr, spk, nspk):
    """Advance a branched cable (a tree of compartments in Hines order).

    Compartment i (parent[i] < i, parent[0] = -1) has capacitance cap[i] (nF),
    densities g (mS/cm^2) times gscale[i] = area (cm^2) * 1e3 giving uS, and an
    axial conductance ga[i] (uS) to its parent.  Current clamps inject
    stim_wave[j, k] nA into stim_comp[j] during step k; synapses add a
    conductance syn_g[j, k] uS (at mid-step) with reversal syn_e[j] to
    syn_comp[j].  Units: nF * mV/ms = nA = uS * mV.

    Each step: gates at fixed V (exact exponential), then V by the step's
    ``mode[k]``: 0, Crank-Nicolson (a backward-Euler half step solved by Hines
    elimination, O(n), then extrapolated); s > 0, s backward-Euler steps of
    dt/s (1: plain backward Euler; more after a jump of the stimulus, a
    Rannacher start: Crank-Nicolson alone makes the cable's fast spatial modes
    ring).
    Recording and spike detection as in :func:`population` (per compartment;
    rec holds rec_comp's compartments).  Returns the largest |V| seen.
    """
    n = V.shape[0]
    nsteps = stim_wave.shape[1] if stim_wave.shape[0] > 0 else syn_g.shape[1]
    maxspk = spk.shape[1]
    nstim = stim_comp.shape[0]
    nsyn = syn_comp.shape[0]
    nrec = rec_comp.shape[0]
    d = np.empty(n)
    b = np.empty(n)
    vh = np.empty(n)
    gm = np.empty(n)
    gem = np.empty(n)
    # off-diagonal sums do not change: precompute the axial part of the diagonal
    dax = np.zeros(n)
    for i in range(1, n):
        dax[i] += ga[i]
        dax[parent[i]] += ga[i]
    vmax = 0.0
    for k in range(nsteps):
        mk = mode[k]
        sub = 1 if mk == 0 else mk  # implicit solves this step
        cfac = 2.0 if mk == 0 else float(mk)  # C / (the implicit step) in units of C/dt
        for i in range(n):
            v = V[i]
            m, h, nn = _gates(v, M[i], H[i], N[i], phi * dt)
            M[i] = m
            H[i] = h
            N[i] = nn
            g1 = gna[i] * m * m * m * h
            g2 = gk[i] * (nn * nn) * (nn * nn)
            gs = gscale[i]
            gm[i] = (g1 + g2 + gl[i]) * gs
            gem[i] = (g1 * ena[i] + g2 * ek[i] + gl[i] * el[i]) * gs
        for j in range(nsyn):
            c = syn_comp[j]
            gm[c] += syn_g[j, k]
            gem[c] += syn_g[j, k] * syn_e[j]
        # the linear system of an implicit step, solved by Hines elimination
        # (leaves to root, then root to leaves; each pivot's reciprocal is kept)
        for i in range(n):
            vh[i] = V[i]
        for _ in range(sub):
            for i in range(n):
                d[i] = dax[i] + cfac * cap[i] / dt + gm[i]
                b[i] = cfac * cap[i] / dt * vh[i] + gem[i]
            for j in range(nstim):
                b[stim_comp[j]] += stim_wave[j, k]
            _hines(d, b, ga, parent, vh, n)
        tk = t0 + k * dt
        for i in range(n):
            v = V[i]
            vn = 2.0 * vh[i] - v if mk == 0 else vh[i]
            V[i] = vn
            if v < thr and vn >= thr:
                c = nspk[i]
                if c < maxspk:
                    spk[i, c] = tk + dt * (thr - v) / (vn - v)
                nspk[i] = c + 1
            av = abs(vn)
            vmax = av if av > vmax else vmax
        if rec_every > 0 and (k + 1) % rec_every == 0:
            row = (k + 1) // rec_every - 1
            for j in range(nrec):
                rec[row, j] = V[rec_comp[j]]
    return vmax


@njit(**_FLAGS)
def coupled(state, prm, shape, dt, rec_every, rec, thr, spk, nspk):
    """One HH patch whose Na+ and K+ concentrations move with its currents.

    state = [V, m, h, n, Na_i, K_i, q_Na, q_K, q_pump] (mV, -, mM, mM, then the
    cumulative charge (uC/cm^2) carried inward by Na channels and leak, outward
    by K channels and leak, and outward by the pump) is updated in place.
    prm = [g_Na, g_K, g_LNa, g_LK, c_m, phi, RT/F (mV), Na_o, K_o,
           mM per ms per uA/cm^2 (4 / (F d) for a cylinder of diameter d),
           I_pump,max, K_Na, K_K, hill_Na, hill_K, amplitude].
    The leak is split into a Na and a K part (g_LNa, g_LK); the pump
    I_p = I_max [Na]i^a/([Na]i^a + K_Na^a) [K]o^b/([K]o^b + K_K^b) moves 3 Na out
    and 2 K in per net charge.  Reversals follow the concentrations every step.
    Recording (every rec_every steps, row j after step (j+1) rec_every):
    V, [Na]i, [K]i, E_Na, E_K, I_pump.  Returns the largest |V| seen.
    """
    v, m, h, n, nai, ki = state[0], state[1], state[2], state[3], state[4], state[5]
    qna, qk, qp = state[6], state[7], state[8]
    gna, gk, glna, glk, cm, phi, vt, nao, ko, fac, imax, kna, kk, an, ak, amp = (
        prm[0], prm[1], prm[2], prm[3], prm[4], prm[5], prm[6], prm[7], prm[8], prm[9], prm[10],
        prm[11], prm[12], prm[13], prm[14], prm[15])
    maxspk = spk.shape[0]
    c = cm / dt
    vmax = abs(v)
    kterm = ko ** ak / (ko ** ak + kk ** ak)
    for k in range(shape.shape[0]):
        m, h, n = _gates(v, m, h, n, phi * dt)
        ena = vt * np.log(nao / nai)
        ek = vt * np.log(ko / ki)
        x = nai ** an
        ip = imax * x / (x + kna ** an) * kterm
        g1 = gna * m * m * m * h + glna
        g2 = gk * (n * n) * (n * n) + glk
        g = g1 + g2
        vn = (v * (c - 0.5 * g) + g1 * ena + g2 * ek - ip + amp * shape[k]) / (c + 0.5 * g)
        vm = 0.5 * (v + vn)
        ina = g1 * (vm - ena)
        ik = g2 * (vm - ek)
        nai -= (ina + 3.0 * ip) * fac * dt
        ki -= (ik - 2.0 * ip) * fac * dt
        qna -= ina * dt * 1e-3
        qk += ik * dt * 1e-3
        qp += ip * dt * 1e-3
        if v < thr and vn >= thr:
            cnt = nspk[0]
            if cnt < maxspk:
                spk[cnt] = k * dt + dt * (thr - v) / (vn - v)
            nspk[0] = cnt + 1
        v = vn
        vmax = max(vmax, abs(v))
        if nai <= 0.0 or ki <= 0.0:
            vmax = np.inf
            break
        if rec_every > 0 and (k + 1) % rec_every == 0:
            row = (k + 1) // rec_every - 1
            rec[row, 0] = v
            rec[row, 1] = nai
            rec[row, 2] = ki
            rec[row, 3] = ena
            rec[row, 4] = ek
            rec[row, 5] = ip
    state[0], state[1], state[2], state[3], state[4], state[5] = v, m, h, n, nai, ki
    state[6], state[7], state[8] = qna, qk, qp
    return vmax


# signatures for the ahead-of-time build (contiguous 1-D and 2-D float/int arrays)
_A1 = "f8[::1]"
_A2 = "f8[:, ::1]"
_I1 = "i8[::1]"
SIGNATURES = {
    "population": f"f8({_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, "
                  f"{_A1}, {_A1}, {_A1}, f8, f8, i8, {_A2}, {_A2}, f8, {_A2}, {_I1})",
    "tree": f"f8({_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, {_A1}, f8, "
            f"{_I1}, {_A1}, {_I1}, {_A2}, {_I1}, {_A1}, {_A2}, f8, f8, {_I1}, i8, {_I1}, {_A2}, f8, {_A2}, {_I1})",
    "coupled": f"f8({_A1}, {_A1}, {_A1}, f8, i8, {_A2}, f8, {_A1}, {_I1})",
}


def build_aot(module_name: str, output_dir: str) -> None:
    """Compile both kernels into an extension module that imports without Numba."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from numba.pycc import CC

        cc = CC(module_name)
        cc.output_dir = output_dir
        cc.verbose = False
        cc.target_cpu = "host"  # the cache is per machine: use its vector units
        for name, kernel in (("population", population), ("tree", tree), ("coupled", coupled)):
            cc.export(name, SIGNATURES[name])(_entry(kernel))
        cc.compile()


def _entry(kernel):
    """A plain function that calls *kernel*: pycc compiles exported functions
    with default options, but a call into a jitted kernel keeps the kernel's own
    (fastmath, error_model), which is what lets LLVM vectorize it."""
    import inspect

    args = ", ".join(inspect.signature(kernel.py_func).parameters)
    namespace = {"kernel": kernel}
    exec(f"def entry({args}):\n    return kernel({args})\n", namespace)  # names from our own signature
    return namespace["entry"]
