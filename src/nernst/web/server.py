"""The server's guard: callback envelopes checked, and no exception answered with a 500."""

from __future__ import annotations

import logging
import re





MAX_REQUEST_BYTES = 256 * 1024


MAX_JSON_DEPTH = 64  # nesting of a callback request's JSON (the renderer's are about 6 deep)


log = logging.getLogger(__name__)


_JSON_MARKS = re.compile(rb'[\[\]{}"\\]')


_OPEN, _QUOTE, _BACKSLASH = b"[{", ord('"'), ord("\\")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests more than *limit* arrays/objects deep.

    A scan over the brackets and quotes, without recursion, done before the parser (which
    recurses, and fails with a RecursionError on JSON nested 10**4 deep)."""
    depth, in_string, escaped = 0, False, -1
    for m in _JSON_MARKS.finditer(raw):
        i = m.start()
        if i == escaped:  # the character after a backslash inside a string
            continue
        c = raw[i]
        if in_string:
            if c == _BACKSLASH:
                escaped = i + 1
            elif c == _QUOTE:
                in_string = False
        elif c == _QUOTE:
            in_string = True
        elif c in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _prop(x) -> bool:
    """A component property as the renderer names it: {"id": str, "property": str, ...}."""
    return isinstance(x, dict) and isinstance(x.get("id"), str) and isinstance(x.get("property"), str)


def envelope_problem(body, callbacks: dict):
    """Why *body* is not a callback request as the Dash renderer sends one: (status, line), or None.

    *callbacks* is the app's ``callback_map``.  The explorer has no pattern-matching callbacks,
    so every input and state is one property of a component with a string id."""
    if not isinstance(body, dict):
        return 400, "the request body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str):
        return 400, "'output' is not a string"
    cb = callbacks.get(output)
    if cb is None or "callback" not in cb:  # (the figure buttons' callbacks run in the browser)
        return 404, "no server callback has this output"
    multi = output.startswith("..")
    outputs = body.get("outputs")
    if not (isinstance(outputs, list) and all(_prop(o) for o in outputs) if multi else _prop(outputs)):
        return 400, "'outputs' is not a property or a list of properties"
    parts = output[2:-2].split("...") if multi else [output]  # "id.property@hash" each
    declared = [tuple(part.split("@")[0].rsplit(".", 1)) for part in parts]
    if [(o["id"], o["property"].split("@")[0]) for o in (outputs if multi else [outputs])] != declared:
        return 400, "'outputs' are not those of the callback"
    for key, required in (("inputs", True), ("state", False)):
        items = body.get(key) if required or key in body else []
        if not isinstance(items, list) or not all(_prop(i) for i in items):
            return 400, f"'{key}' is not a list of properties"
        if [(i["id"], i["property"]) for i in items] != [(d["id"], d["property"]) for d in cb[key]]:
            return 400, f"'{key}' are not those of the callback"
    changed = body.get("changedPropIds", [])
    inputs = {f"{d['id']}.{d['property']}" for d in cb["inputs"]}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in inputs for c in changed):
        return 400, "'changedPropIds' are not inputs of the callback"
    return None


def _plain(line: str, status: int):
    from flask import Response

    return Response(line + "\n", status=status, mimetype="text/plain")


def _guard_server(app) -> None:
    """Check each callback request before Dash reads it, and answer what still fails with a 4xx.

    * ``POST /_dash-update-component``: a JSON object, at most MAX_JSON_DEPTH deep, whose output,
      inputs, state and changedPropIds are those of one server callback (:func:`envelope_problem`);
      else 400 (404 for an output no server callback has), with one plain line;
    * a component file Dash does not serve: 404;
    * anything else a Dash route raises (a bug: logged with its traceback): 400, or 404 for files.
    HTTP errors keep their status (413 for a body over MAX_REQUEST_BYTES, 405, ...)."""
    from dash.exceptions import CallbackException, DependencyException
    from flask import request
    from werkzeug.exceptions import HTTPException

    server = app.server
    prefix = app.config.routes_pathname_prefix
    update, files = prefix + "_dash-update-component", prefix + "_dash-component-suites/"

    @server.before_request
    def _check_envelope():
        if request.path != update or request.method != "POST":
            return None
        if not request.is_json:
            return _plain("a callback request is JSON (Content-Type: application/json)", 415)
        if json_too_deep(request.get_data(cache=True)):  # over MAX_REQUEST_BYTES: 413 from here
            return _plain(f"the request nests deeper than {MAX_JSON_DEPTH} levels", 400)
        problem = envelope_problem(request.get_json(silent=True), app.callback_map)
        if problem:
            status, line = problem
            return _plain(f"not a callback request: {line}", status)
        return None

    @server.errorhandler(CallbackException)
    def _not_this_callback(_err):
        return _plain("not a callback request: the outputs are not those of the callback", 400)

    @server.errorhandler(DependencyException)
    def _no_such_file(_err):
        return _plain("no such component file", 404)

    @server.errorhandler(Exception)
    def _last_resort(err):
        if isinstance(err, HTTPException):
            return err
        log.error("%s %s failed", request.method, request.path, exc_info=err)
        if request.path.startswith(files):
            return _plain("no such component file", 404)
        return _plain("the request could not be answered: a value in it is outside what the page sends", 400)
