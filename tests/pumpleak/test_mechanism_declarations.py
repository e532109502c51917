"""A mechanism is declared once: its ``params`` drive validation, config parsing, scaling, sweep units and
the docs' mechanisms table.

These are properties of every registered class (a new mechanism is checked without a new test line), plus
the docs page, which must show exactly the table the declarations write.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from nernst.errors import InvalidParameter
from nernst.mechanisms.base import REGISTRY, Mechanism, table
from nernst.sweep import parameter_unit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mechanisms.md"
KINDS = sorted(REGISTRY)  # the shipped kinds (no other test registers one at collection)


def example(cls):
    """An instance with every required field filled (ions by their symbol, numbers inside their bounds)."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            continue
        p = cls.param(f.name)
        if p.kind == "ion":
            kwargs[f.name] = "K"
        elif p.kind == "voltage":
            kwargs[f.name] = -60.0
        else:
            kwargs[f.name] = 0.5 if p.hi is None or p.hi >= 0.5 else p.hi
    return cls(**kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_declared_once_in_order(kind):
    cls = REGISTRY[kind]
    assert issubclass(cls, Mechanism) and cls.kind == kind and cls.source
    assert [p.name for p in cls.params] == [f.name for f in dataclasses.fields(cls)]
    assert any(p.rate for p in cls.params), "a mechanism must say which parameter sets its rate (for blocks)"


def test_a_parameter_name_has_one_unit_everywhere():
    units = {}
    for kind in KINDS:
        for p in REGISTRY[kind].params:
            units.setdefault(p.name, set()).add(p.unit)
    assert {n: u for n, u in units.items() if len(u) > 1} == {}
    # the unit a name carries in its suffix is the declared one (the naming rule of the docs' glossary)
    suffix = {"_mS_cm2": "mS/cm^2", "_uA_cm2": "uA/cm^2", "_cm_s": "cm/s", "_mM": "mM", "_mV": "mV"}
    for name, (unit,) in units.items():
        for end, u in suffix.items():
            if name.endswith(end):
                assert unit == u, name


@pytest.mark.parametrize("kind", KINDS)
def test_scaled_multiplies_exactly_the_rate_parameters(kind):
    m = example(REGISTRY[kind])
    half = m.scaled(0.5)
    if any(p.rate and p.lo_open for p in m.params):  # a clamp's gain must stay > 0: it is removed, not blocked
        with pytest.raises(InvalidParameter):
            m.scaled(0.0)
        blocked = None
    else:
        blocked = m.scaled(0.0)
    for p in m.params:
        a, h = getattr(m, p.name), getattr(half, p.name)
        b = a * 0.0 if blocked is None and p.rate else a if blocked is None else getattr(blocked, p.name)
        if p.rate:
            assert h == 0.5 * a and b == 0.0
        else:
            assert h == a and b == a


@pytest.mark.parametrize("kind", KINDS)
def test_a_value_out_of_its_declared_bounds_is_refused_naming_the_field(kind):
    cls = REGISTRY[kind]
    base = example(cls)
    checked = 0
    for p in cls.params:
        bad = []
        if p.hi is not None:
            bad.append(p.hi * 2 + 1)
        if p.lo is not None:
            bad.append(p.lo if p.lo_open else p.lo - 1)
        if p.kind == "choice":
            bad.append("bogus")
        if p.kind == "flag":
            bad.append(1)
        for value in bad:
            with pytest.raises(InvalidParameter) as exc:
                dataclasses.replace(base, **{p.name: value})
            assert exc.value.field == f"{kind}.{p.name}" and "\n" not in str(exc.value)
            checked += 1
    assert checked >= 1


def test_a_text_with_a_unit_is_converted_by_the_declaration():
    from nernst.mechanisms import OhmicLeak, PMCA

    assert OhmicLeak("K", "300 uS/cm^2").conductance_mS_cm2 == pytest.approx(0.3, rel=1e-12)
    assert PMCA(1.0, km_mM="200 nM").km_mM == pytest.approx(2e-4, rel=1e-12)
    with pytest.raises(InvalidParameter, match="conductance"):
        OhmicLeak("K", "3 mV")  # a voltage is not a conductance


@pytest.mark.parametrize("kind", KINDS)
def test_sweep_units_come_from_the_declarations(kind):
    for p in REGISTRY[kind].params:
        if p.kind in ("ion", "choice", "flag"):
            continue
        assert parameter_unit(f"mechanisms.{kind}.{p.name}") == p.unit
        assert parameter_unit(f"mechanisms[0].{p.name}") == p.unit


def test_the_docs_show_the_table_the_declarations_write():
    text = DOCS.read_text()
    m = re.search(r"<!-- mechanisms table: begin.*?-->\n(.*?)<!-- mechanisms table: end -->", text, re.S)
    assert m, "docs/mechanisms.md lost its generated table"
    assert m.group(1) == table(), "regenerate it: python tools/mechanisms_table.py"
    for kind in KINDS:
        assert f"| `{kind}` (" in m.group(1)
