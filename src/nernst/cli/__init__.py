"""The ``nernst`` command line: tables for people, ``--json`` for scripts.

Every command calls the engine and formats its result; no physics lives here.
User errors (bad numbers, unknown ions, malformed configs, missing files) print
one line on stderr and exit with code 2.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import typer

from ..errors import NernstError
from ._common import EXIT_USAGE, _ClickException, _UsageError, app

# the command groups, registered in the order `nernst --help` lists them
from . import equilibrium as _equilibrium  # noqa: E402,F401
from . import cell as _cell  # noqa: E402,F401
from . import excitability as _excitability  # noqa: E402,F401
from . import explore as _explore  # noqa: E402,F401
from . import sweep as _sweep  # noqa: E402,F401

__all__ = ["app", "main", "run"]


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI; user errors give one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else list(argv)
    import warnings

    from ..errors import NernstWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NernstWarning)  # the commands print a result's warnings themselves
            rv = app(args=args, prog_name="nernst", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except (_UsageError, _ClickException) as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `nernst`: show the help
            sys.stdout.write(exc.format_message().rstrip() + "\n")
            return 0
        msg = " ".join(exc.format_message().split())
        sys.stderr.write(f"nernst: error: {msg}\n")
        code = EXIT_USAGE
    except typer.Abort:
        sys.stderr.write("nernst: aborted\n")
        code = 130
    except NernstError as exc:
        sys.stderr.write(f"nernst: error: {' '.join(str(exc).split())}\n")
        code = EXIT_USAGE
    except BrokenPipeError:
        code = 0
    except OSError as exc:  # the file system refused a file after the checks (disk full, removed folder)
        name = str(exc.filename or "")
        where = (name if len(name) <= 80 else name[:38] + "..." + name[-38:]) + ": " if name else ""
        sys.stderr.write(f"nernst: error: {where}{exc.strerror or ' '.join(str(exc).split())}\n")
        code = EXIT_USAGE
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("NERNST_DEBUG"):
            raise
        sys.stderr.write(f"nernst: internal error ({type(exc).__name__}: {' '.join(str(exc).split())}); "
                         "set NERNST_DEBUG=1 for a traceback and please report it\n")
        code = 1
    sys.stdout.flush()
    return code


def run() -> None:  # console-script entry
    sys.exit(main())


if __name__ == "__main__":  # (python -m nernst.cli runs cli/__main__.py)
    run()
