"""``nernst explore``: the one command that reaches the web face (the layers' declared exception)."""

from __future__ import annotations

import sys

import typer

from ..errors import InvalidParameter
from ._common import app


@app.command()
def explore(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8050, "--port", help="Port to listen on."),
):
    """Open the web explorer: a page where every part of the membrane potential can be changed."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise InvalidParameter("--host", host, "must be an IP address (e.g. 127.0.0.1) or localhost") from None
    if not 1 <= port <= 65535:
        raise InvalidParameter("--port", port, "must be from 1 to 65535")
    from ..web import serve

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    sys.stderr.write(f"nernst explorer: open http://{shown}:{port}/ in a browser (Ctrl+C stops it)\n")
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(f"nernst explorer: listening on {host}: other machines on the network can reach it\n")
    try:
        serve(host, port)
    except OSError as exc:
        raise InvalidParameter("--port", port, f"cannot listen there ({exc.strerror or exc})") from None
