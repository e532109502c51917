"""The nernst explorer (``nernst explore``): a Dash app over the engine.

Importing this package does not import Dash; :func:`create_app` does.
"""

from .app import create_app

__all__ = ["create_app", "serve"]


def serve(host: str = "127.0.0.1", port: int = 8050, threads: int = 8) -> None:
    """Serve the explorer with waitress when installed, else Flask's threaded server."""
    import threading

    from .app import warm_up

    app = create_app()
    # Import what callbacks import lazily before any thread starts: a module imported by two threads at
    # once can be seen half-initialised (plotly's optional pandas check failed that way while the
    # warm-up thread imported xarray, which imports pandas).
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import xarray  # noqa: F401

    from .. import sweep  # noqa: F401

    threading.Thread(target=warm_up, name="nernst-warm-up", daemon=True).start()
    try:
        from waitress import serve as waitress_serve
    except ImportError:  # pragma: no cover - waitress is a dependency of the web extra
        app.run(host=host, port=port, debug=False, threaded=True)
        return
    waitress_serve(app.server, host=host, port=port, threads=threads, max_request_body_size=256 * 1024)
