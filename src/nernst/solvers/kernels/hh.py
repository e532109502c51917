"""Hodgkin-Huxley kernels: a pure-NumPy reference and the compiled versions.

Two kernels advance HH membranes with the staggered Crank-Nicolson scheme
described in :mod:`nernst._hhsrc`:

``population``
    many independent single compartments (one neuron, or 10^4 at once);
``tree``
    one branched cable of compartments in Hines order (axon, soma-dendrite-axon).

Three implementations share one calling convention, chosen by :func:`backend`:

``"aot"``
    the Numba sources compiled ahead of time into an extension module kept in
    a cache folder (``$NERNST_CACHE_DIR``, else ``~/.cache/nernst``).  Loading it
    needs only NumPy, so a short run does not pay Numba's import (~0.5 s).  It is
    built on first use (a one-time 10-20 s) or by ``python -m nernst.hhkernels``;
``"jit"``
    the same sources compiled by Numba at run time (cached on disk; LLVM's
    default vector width, so slower than "aot" on AVX-512 machines);
``"numpy"``
    the reference below: whole-array NumPy per step, ``np.exp`` and a sparse
    direct solve instead of Hines elimination.  Used when Numba is missing or
    ``NERNST_NO_NUMBA`` is set, and by the tests, which require all three to agree.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["backend", "population", "tree", "coupled", "population_numpy", "tree_numpy", "coupled_numpy",
           "build", "cache_dir"]

_SRC = Path(__file__).with_name("_hhsrc.py")


# ---------------------------------------------------------------------------
# NumPy reference
# ---------------------------------------------------------------------------

def _gates_numpy(v, m, h, n, phidt):
    from ...mechanisms.hh import rates

    am, bm, ah, bh, an, bn = rates(v)
    out = []
    for x, a, b in ((m, am, bm), (h, ah, bh), (n, an, bn)):
        s = a + b
        xinf = a / s
        out.append(xinf + (x - xinf) * np.exp(-phidt * s))
    return out


def _crossings(v, vn, thr, t, dt, spk, nspk):
    """Record upward crossings of *thr* between v (at t) and vn (at t + dt), linearly interpolated."""
    maxspk = spk.shape[1]
    for i in np.nonzero((v < thr) & (vn >= thr))[0]:
        if nspk[i] < maxspk:
            spk[i, nspk[i]] = t + dt * (thr - v[i]) / (vn[i] - v[i])
        nspk[i] += 1


def population_numpy(V, M, H, N, gna, gk, gl, ena, ek, el, cm, phi, amp, shape, dt, t0,
                     rec_every, rec, recg, thr, spk, nspk):
    """Reference twin of :func:`nernst._hhsrc.population` (same arguments, same effects)."""
    vmax = 0.0
    for k in range(shape.shape[0]):
        v = V.copy()
        m, h, n = _gates_numpy(v, M, H, N, phi * dt)
        M[:], H[:], N[:] = m, h, n
        g1 = gna * m**3 * h
        g2 = gk * n**4
        g = g1 + g2 + gl
        ge = g1 * ena + g2 * ek + gl * el
        c = cm / dt
        vn = (v * (c - 0.5 * g) + ge + amp * shape[k]) / (c + 0.5 * g)
        V[:] = vn
        vmax = max(vmax, float(np.max(np.abs(vn))))
        _crossings(v, vn, thr, t0 + k * dt, dt, spk, nspk)
        if rec_every > 0 and (k + 1) % rec_every == 0:
            rec[(k + 1) // rec_every - 1] = vn
            if recg.shape[0]:
                recg[(k + 1) // rec_every - 1] = np.column_stack([m, h, n]).ravel()
    return vmax


def tree_numpy(V, M, H, N, gna, gk, gl, ena, ek, el, cap, gscale, phi, parent, ga,
               stim_comp, stim_wave, syn_comp, syn_e, syn_g, dt, t0, mode,
               rec_every, rec_comp, rec, thr, spk, nspk):
    """Reference twin of :func:`nernst._hhsrc.tree`: a sparse direct solve each step (mode 0 Crank-Nicolson,
    s > 0: s backward-Euler steps of dt/s)."""
    from scipy.sparse import coo_matrix, diags
    from scipy.sparse.linalg import spsolve

    n = V.shape[0]
    nsteps = stim_wave.shape[1] if stim_wave.shape[0] else syn_g.shape[1]
    child = np.arange(1, n)
    par = parent[1:]
    # conductance Laplacian of the tree (uS): L v gives the axial current out of each node
    off = coo_matrix((np.r_[-ga[1:], -ga[1:]], (np.r_[child, par], np.r_[par, child])), shape=(n, n))
    deg = np.zeros(n)
    np.add.at(deg, child, ga[1:])
    np.add.at(deg, par, ga[1:])
    lap = (off + diags(deg)).tocsc()
    vmax = 0.0
    for k in range(nsteps):
        v = V.copy()
        m, h, nn = _gates_numpy(v, M, H, N, phi * dt)
        M[:], H[:], N[:] = m, h, nn
        g1 = gna * m**3 * h
        g2 = gk * nn**4
        g = (g1 + g2 + gl) * gscale
        ge = (g1 * ena + g2 * ek + gl * el) * gscale
        dg = g.copy()
        np.add.at(dg, syn_comp, syn_g[:, k])
        src = ge.copy()
        np.add.at(src, stim_comp, stim_wave[:, k])
        np.add.at(src, syn_comp, syn_g[:, k] * syn_e)
        sub = max(int(mode[k]), 1)
        c = (2.0 if mode[k] == 0 else float(mode[k])) * cap / dt
        a = (lap + diags(c + dg)).tocsc()
        vh = v
        for _ in range(sub):
            vh = spsolve(a, c * vh + src)
        vn = 2.0 * vh - v if mode[k] == 0 else vh
        V[:] = vn
        vmax = max(vmax, float(np.max(np.abs(vn))))
        _crossings(v, vn, thr, t0 + k * dt, dt, spk, nspk)
        if rec_every > 0 and (k + 1) % rec_every == 0:
            rec[(k + 1) // rec_every - 1] = vn[rec_comp]
    return vmax


def coupled_numpy(state, prm, shape, dt, rec_every, rec, thr, spk, nspk):
    """Reference twin of :func:`nernst._hhsrc.coupled` (plain Python floats, ``math``)."""
    import math

    v, m, h, n, nai, ki, qna, qk, qp = (float(x) for x in state)
    gna, gk, glna, glk, cm, phi, vt, nao, ko, fac, imax, kna, kk, an, ak, amp = (float(x) for x in prm)
    c = cm / dt
    vmax = abs(v)
    kterm = ko ** ak / (ko ** ak + kk ** ak)
    for k in range(shape.shape[0]):
        m, h, n = (float(x) for x in _gates_numpy(np.array(v), m, h, n, phi * dt))
        ena = vt * math.log(nao / nai)
        ek = vt * math.log(ko / ki)
        ip = imax * nai ** an / (nai ** an + kna ** an) * kterm
        g1 = gna * m**3 * h + glna
        g2 = gk * n**4 + glk
        g = g1 + g2
        vn = (v * (c - 0.5 * g) + g1 * ena + g2 * ek - ip + amp * shape[k]) / (c + 0.5 * g)
        vm = 0.5 * (v + vn)
        ina, ik = g1 * (vm - ena), g2 * (vm - ek)
        nai -= (ina + 3.0 * ip) * fac * dt
        ki -= (ik - 2.0 * ip) * fac * dt
        qna -= ina * dt * 1e-3
        qk += ik * dt * 1e-3
        qp += ip * dt * 1e-3
        if v < thr <= vn:
            if nspk[0] < spk.shape[0]:
                spk[nspk[0]] = k * dt + dt * (thr - v) / (vn - v)
            nspk[0] += 1
        v = vn
        vmax = max(vmax, abs(v))
        if nai <= 0.0 or ki <= 0.0:
            vmax = math.inf
            break
        if rec_every > 0 and (k + 1) % rec_every == 0:
            rec[(k + 1) // rec_every - 1] = (v, nai, ki, ena, ek, ip)
    state[:] = (v, m, h, n, nai, ki, qna, qk, qp)
    return vmax


# ---------------------------------------------------------------------------
# compiled versions: ahead-of-time build in a cache folder, else JIT
# ---------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where the ahead-of-time build is kept."""
    env = os.environ.get("NERNST_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nernst"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return line
    except OSError:
        pass
    return platform.processor()


def _module_name() -> str:
    """A name that changes with the kernel source, the Python and the CPU."""
    key = hashlib.sha256()
    key.update(_SRC.read_bytes())
    key.update(sys.version.encode())
    key.update(platform.machine().encode())
    key.update(_cpu().encode())
    return "nernst_hhaot_" + key.hexdigest()[:16]


def _find_aot(name: str):
    folder = cache_dir()
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / (name + suffix)
        if path.exists():
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    return None


def _wide_vectors() -> bool:
    """True on CPUs with AVX-512, where 8-wide vectors pay (measured: W2 1.4x faster)."""
    return " avx512f " in (_cpu() + " ")


def build(verbose: bool = False) -> Path:
    """Build the ahead-of-time module into :func:`cache_dir` and return its path.

    Needs Numba and a C compiler; run it in a process of its own (as
    :func:`_compiled` does), because on AVX-512 CPUs it sets an LLVM option
    (vector width 8: LLVM otherwise prefers 256-bit vectors on these chips)
    that would also apply to any later compilation in the process.  The file is
    written to a temporary folder and renamed into place, so concurrent builds
    cannot leave a half-written file.
    """
    if _wide_vectors():
        import llvmlite.binding as llvm

        llvm.set_option("", "-force-vector-width=8")
    from . import _hhsrc

    name = _module_name()
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        _hhsrc.build_aot(name, tmp)
        built = [p for p in Path(tmp).iterdir() if p.name.startswith(name)]
        if not built:  # pragma: no cover - pycc always writes one file
            raise RuntimeError("the ahead-of-time build wrote no module")
        target = folder / built[0].name
        os.replace(built[0], target)
    if verbose:
        print(f"built {target}")
    return target


@lru_cache(maxsize=1)
def _compiled():
    """(name, module) of the fastest available compiled kernels, or ("numpy", None)."""
    if os.environ.get("NERNST_NO_NUMBA"):
        return "numpy", None
    name = _module_name()
    try:
        mod = _find_aot(name)
    except Exception:  # a corrupt or foreign file: fall through to a rebuild or JIT
        mod = None
    if mod is not None:
        return "aot", mod
    try:
        import numba  # noqa: F401
    except Exception:  # pragma: no cover - depends on the environment
        return "numpy", None
    if not os.environ.get("NERNST_NO_AOT"):
        import subprocess

        try:  # a separate process: see build()
            subprocess.run([sys.executable, "-m", "nernst.hhkernels"], check=True, timeout=900,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            mod = _find_aot(name)
            if mod is not None:
                return "aot", mod
        except Exception:  # no compiler, read-only cache, timeout: JIT instead
            pass
    from . import _hhsrc

    return "jit", _hhsrc


def backend(requested: str = "auto") -> str:
    """The implementation used for *requested* ("auto", "aot", "jit", "numba" or "numpy")."""
    if requested == "numpy":
        return "numpy"
    if requested == "jit":
        return "jit" if _compiled()[0] != "numpy" else "numpy"
    return _compiled()[0]


def _impl(requested: str, which: str):
    b = backend(requested)
    if b == "numpy":
        return {"population": population_numpy, "tree": tree_numpy, "coupled": coupled_numpy}[which]
    if b == "jit" or requested == "jit":
        from . import _hhsrc

        return getattr(_hhsrc, which)
    return getattr(_compiled()[1], which)


def population(*args, backend: str = "auto"):
    """Run the population kernel with the chosen backend (arguments as in :mod:`nernst._hhsrc`)."""
    return _impl(backend, "population")(*args)


def tree(*args, backend: str = "auto"):
    """Run the tree kernel with the chosen backend (arguments as in :mod:`nernst._hhsrc`)."""
    return _impl(backend, "tree")(*args)


def coupled(*args, backend: str = "auto"):
    """Run the concentration-coupled single-patch kernel (arguments as in :mod:`nernst._hhsrc`)."""
    return _impl(backend, "coupled")(*args)


if __name__ == "__main__":  # python -m nernst.solvers.kernels.hh: build the AOT module now
    build(verbose=True)
