"""``python -m nernst.cli``: the same as ``nernst`` (and ``python -m nernst``)."""

from . import run

run()
