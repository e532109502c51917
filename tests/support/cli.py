"""Running the command line as a user does (the console script in a subprocess) and checking its contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

NERNST_EXE = Path(sys.executable).with_name("nernst")  # the console script next to the venv's python


def run_exe(*args, module: bool = False, cwd=None, timeout: float = 120):
    """``nernst ARGS`` (or ``python -m nernst ARGS``) in a subprocess, without the debug switches."""
    args = [str(a) for a in args]
    cmd = [sys.executable, "-m", "nernst", *args] if module else [str(NERNST_EXE), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("NERNST_DEBUG", "PYTHONWARNINGS")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd, check=False)


def strict_json(text: str):
    """Parse JSON, refusing NaN/Infinity (which json.loads would otherwise accept)."""
    def refuse(c):
        raise AssertionError(f"non-finite {c} in JSON")
    return json.loads(text, parse_constant=refuse)


def assert_one_line_error(rc: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr, no traceback, not the catch-all; the line."""
    where = f"rc={rc} stdout={out[-300:]!r} stderr={err[-600:]!r}"
    assert rc == 2, where
    assert "Traceback" not in out + err, where
    assert out == "", "an error must print nothing on stdout\n" + where
    assert err.endswith("\n") and err.count("\n") == 1, "stderr must be exactly one line\n" + where
    line = err.strip()
    assert line.startswith("nernst: error: "), where
    assert "internal error" not in line, "the catch-all names no flag\n" + where
    return line
