"""The sweep command: a model over many parameter points, and --verify of a store."""

from __future__ import annotations

import math
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import InvalidParameter
from .._core.paths import check_output_file
from ._common import (_check_plot_path, _console, _emit_json, _esc, _nan_to_none, _none_nan, _rate, app, flag_of)



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
    flags = {"points": "--yes"}  # a sweep's size is confirmed with --yes
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
        raise exc.renamed(flag_of(exc.field, flags)) from None
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


