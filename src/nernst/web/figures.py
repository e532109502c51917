"""Plotly figures (as dicts) of the views."""

from __future__ import annotations

from functools import lru_cache





ION_COLORS = {"K": "#E69F00", "Na": "#0072B2", "Cl": "#009E73", "Ca": "#CC79A7", "Mg": "#56B4E9",
              "H": "#D55E00", "HCO3": "#7F7F7F"}


def map_figure(m) -> dict:
    heat = {"type": "heatmap", "x": m["x"], "y": m["y"], "z": m["z"], "colorscale": "Viridis",
            "colorbar": {"title": {"text": "V_rest (mV)"}},
            "hovertemplate": "x %{x:.4g}<br>y %{y:.4g}<br>V_rest %{z:.2f} mV<extra></extra>"}
    contour = {"type": "contour", "x": m["x"], "y": m["y"], "z": m["z"], "showscale": False,
               "contours": {"coloring": "none", "showlabels": True, "labelfont": {"color": "white", "size": 10}},
               "line": {"color": "white", "width": 1}, "hoverinfo": "skip", "ncontours": 8}
    here = {"type": "scatter", "mode": "markers+text", "x": [m["x0"]], "y": [m["y0"]], "text": ["this cell"],
            "textposition": "top center", "textfont": {"color": "white"}, "name": "this cell",
            "marker": {"symbol": "x", "size": 12, "color": "white", "line": {"width": 2, "color": "black"}},
            "hovertemplate": "this cell<extra></extra>"}
    return {"data": [heat, contour, here], "layout": _dict_layout(
        "V_rest (GHK) map", 420, showlegend=False,
        xaxis={"title": {"text": m["xlabel"]}, **({"type": "log", "dtick": "D2"} if m["xlog"] else {})},
        yaxis={"title": {"text": m["ylabel"]}, **({"type": "log", "dtick": "D2"} if m["ylog"] else {})})}


def _go():
    import plotly.graph_objects as go

    return go


def _layout(fig, title, height=380):
    fig.update_layout(title={"text": title, "font": {"size": 14}}, height=height, margin=dict(l=60, r=20, t=50, b=50),
                      template="plotly_white", legend={"orientation": "h", "y": -0.2})
    return fig


@lru_cache(maxsize=1)
def _template():
    """The plotly_white theme as plain JSON, built once.

    Figures for the frequent updates are plain dicts: building them with
    plotly's graph objects (which validate and deep-copy the theme each time)
    took 47 of the 53 ms of an equilibrium update and limited the server to
    about 11 updates/s (bench/load_explorer.py)."""
    import plotly.io as pio

    t = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in t["layout"].items()
              if k not in ("polar", "ternary", "scene", "geo", "mapbox", "map", "coloraxis", "colorscale")}
    return {"data": {k: t["data"][k] for k in ("bar", "scatter") if k in t["data"]}, "layout": layout}


def _dict_layout(title, height, **extra):
    lay = {"title": {"text": title, "font": {"size": 14}}, "height": height,
           "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "legend": {"orientation": "h", "y": -0.2},
           "template": _template()}
    lay.update(extra)
    return lay


def _hline(y, color, dash, text, x, xanchor, yanchor, yref="y", xref="x domain"):
    shape = {"type": "line", "xref": xref, "x0": 0, "x1": 1, "yref": yref, "y0": y, "y1": y,
             "line": {"color": color, "dash": dash, "width": 2}}
    note = {"text": text, "showarrow": False, "xref": xref, "x": x, "xanchor": xanchor, "yref": yref, "y": y,
            "yanchor": yanchor}
    return shape, note


def equilibrium_figure(view):
    rep = view["report"]
    ions = [i for i in rep.ions if i.equilibrium_mV is not None]
    bar = {"type": "bar", "x": [i.symbol for i in ions], "y": [i.equilibrium_mV for i in ions],
           "marker": {"color": [ION_COLORS.get(i.symbol, "#444444") for i in ions]},
           "text": [f"{i.equilibrium_mV:+.1f}" for i in ions], "textposition": "outside", "name": "E_X (Nernst)",
           "hovertemplate": "E_%{x} = %{y:.2f} mV<extra></extra>"}
    lines = [("GHK", rep.ghk_mV, "black", "solid"), ("weighted average", rep.weighted_mV, "#666666", "dash")]
    if rep.chord_mV is not None:
        lines.append(("chord", rep.chord_mV, "#999999", "dot"))
    shapes, notes = [], []
    # labels at the right edge, clear of the first ion's bar
    for (name, v, col, dash), (x, xa, ya) in zip(lines, ((1, "right", "bottom"), (1, "right", "top"),
                                                          (0.5, "center", "bottom"))):
        sh, nt = _hline(v, col, dash, f"V_rest {name} {v:+.1f} mV", x, xa, ya)
        shapes.append(sh)
        notes.append(nt)
    return {"data": [bar], "layout": _dict_layout(
        f"E_X and V_rest at {rep.temperature_c:g} °C", 380, shapes=shapes, annotations=notes,
        yaxis={"title": {"text": "potential (mV)"}, "zeroline": True})}


def current_figure(view):
    rep = view["report"]
    ions = [i for i in rep.ions if (i.permeability or 0) > 0 or (i.conductance or 0) > 0]
    xs = [i.symbol for i in ions]
    cols = [ION_COLORS.get(i.symbol, "#444444") for i in ions]
    data = [{"type": "bar", "x": xs, "y": [i.driving_force_mV for i in ions], "name": "driving force V - E_X (mV)",
             "marker": {"color": cols}, "opacity": 0.55},
            {"type": "bar", "x": xs, "y": [100 * i.current_share for i in ions], "name": "share of the current (%)",
             "marker": {"color": cols}}]
    return {"data": data, "layout": _dict_layout("Driving forces and current shares at rest", 320, barmode="group",
                                                 yaxis={"title": {"text": "mV  /  % (outward +)"}})}


def story_figure(steps, k):
    go = _go()
    from plotly.subplots import make_subplots

    # stacked, not side by side: the titles and both panels fit a phone's width
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.18,
                        subplot_titles=("V and the E_X after each step", "inside concentrations (mM)"))
    xs = [f"{j}. {s['name']}" for j, s in enumerate(steps)]
    # values rounded to 1 nV: at the start V is 4e-11 mV of rounding noise, which Plotly would
    # otherwise blow up into a picovolt axis
    fig.add_trace(go.Scatter(x=xs[:k + 1], y=[round(s["vm_mV"], 6) for s in steps[:k + 1]], mode="lines+markers",
                             name="V", line=dict(color="black", width=3)), 1, 1)
    for ion in steps[k]["equilibrium_mV"]:
        fig.add_trace(go.Scatter(x=xs[:k + 1], y=[None if s["equilibrium_mV"].get(ion) is None
                                                  else round(s["equilibrium_mV"][ion], 6) for s in steps[:k + 1]],
                                 mode="lines+markers", name=f"E_{ion}", line=dict(color=ION_COLORS.get(ion), dash="dot")),
                      1, 1)
    ions = list(steps[k]["inside_mM"])
    fig.add_bar(x=ions, y=[steps[k]["inside_mM"][i] for i in ions], marker_color=[ION_COLORS.get(i) for i in ions],
                name="inside", row=2, col=1, showlegend=False)
    fig.update_yaxes(title="mV", row=1, col=1, range=None if k else [-10, 10])
    fig.update_yaxes(type="log", row=2, col=1)
    fig = _layout(fig, f"Step {k} of {len(steps) - 1}", 620)
    fig.update_layout(margin=dict(t=80))
    return fig


def scenario_figure(runs):
    go = _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("membrane potential", "inside (mM)"))
    for r in runs:
        t_min = [t / 60.0 for t in r["t_s"]]
        fig.add_trace(go.Scatter(x=t_min, y=r["v"], name=f"V: {r['name']}"), 1, 1)
        for ion, c in r["inside"].items():
            fig.add_trace(go.Scatter(x=t_min, y=c, name=f"[{ion}]i: {r['name']}",
                                     line=dict(color=ION_COLORS.get(ion)), showlegend=len(runs) == 1), 2, 1)
    fig.update_yaxes(title="mV", row=1, col=1)
    fig.update_yaxes(title="mM", type="log", row=2, col=1)
    fig.update_xaxes(title="time (min)", row=2, col=1)
    return _layout(fig, "Scenario time courses" + (" (compare)" if len(runs) > 1 else ""), 560)


def spike_figure(r):
    """V on top, the ionic currents below (two stacked axes sharing time), as a plain dict."""
    p = r["params"]
    f = r["features"]
    data = [{"type": "scatter", "x": r["t"], "y": r["v"], "name": "V", "line": {"color": "black"},
             "xaxis": "x", "yaxis": "y"}]
    for name, col in (("I_Na", ION_COLORS["Na"]), ("I_K", ION_COLORS["K"]), ("I_L", "#777777")):
        data.append({"type": "scatter", "x": r["t"], "y": r[name], "name": name, "line": {"color": col},
                     "xaxis": "x2", "yaxis": "y2"})
    notes = [{"text": "membrane potential", "showarrow": False, "x": 0.5, "xanchor": "center", "xref": "paper",
              "y": 1.0, "yanchor": "bottom", "yref": "paper"},
             {"text": "ionic currents (outward +)", "showarrow": False, "x": 0.5, "xanchor": "center",
              "xref": "paper", "y": 0.3, "yanchor": "bottom", "yref": "paper"}]
    shapes = []
    for name, key, col in (("E_Na", "e_na_mV", ION_COLORS["Na"]), ("E_K", "e_k_mV", ION_COLORS["K"])):
        sh, nt = _hline(p[key], col, "dash", name, 1, "right", "bottom")
        shapes.append(sh)
        notes.append(nt)
    return {"data": data, "layout": _dict_layout(
        f"Hodgkin-Huxley membrane at {p['temperature_c']:g} °C: {f['spike_count']} spikes", 560,
        annotations=notes, shapes=shapes,
        xaxis={"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
        yaxis={"anchor": "x", "domain": [0.55, 1.0], "title": {"text": "mV"}},
        xaxis2={"anchor": "y2", "domain": [0.0, 1.0], "title": {"text": "time (ms)"}},
        yaxis2={"anchor": "x2", "domain": [0.0, 0.3], "title": {"text": "uA/cm²"}})}


def cable_figure(c):
    go = _go()
    fig = go.Figure()
    for t, v in c["snapshots"]:
        fig.add_trace(go.Scatter(x=c["x_mm"], y=v, name=f"{t:.2f} ms"))
    s = c["summary"]
    v = s["velocity_m_s"]
    what = "half-amplitude point" if s["model"].startswith("passive") else "action potential"
    fig.update_xaxes(title="distance from the stimulated end (mm)")
    fig.update_yaxes(title="V (mV)")
    return _layout(fig, f"{what}: {'did not arrive' if v is None else f'{v:.2f} m/s'}; "
                        f"length constant {s['length_constant_um'] / 1000:.2f} mm", 420)
