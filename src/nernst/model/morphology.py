"""Neuron shapes as trees of cylindrical sections split into compartments.

A :class:`Section` is a cylinder (length and diameter in um) with a membrane
type: ``"hh"`` (Hodgkin-Huxley channels), ``"passive"`` (the HH leak only) or
``"myelin"`` (an internode: capacitance and leak divided by ``MYELIN_FACTOR``).
Sections attach to a parent at a point 0-1 along it.  :func:`compile_tree`
turns them into the flat arrays of the cable kernel: compartments in Hines
order (every parent before its children), each with its area, capacitance and
the axial conductance to its parent.

Units: lengths um, areas cm^2, capacitance nF, conductance uS, R_i ohm cm.
As in NEURON, a compartment's area is its side wall (pi d L), without end caps.

Builders give the shapes used in the docs and tests: :func:`axon`,
:func:`ball_and_stick`, :func:`soma_dendrite_axon` (with an axon initial
segment), :func:`branched_dendrite` and :func:`myelinated_axon`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..errors import InvalidParameter
from ..mechanisms.hh import HHParameters
from .._core.validation import check_range

__all__ = [
    "Section", "Tree", "compile_tree", "axon", "ball_and_stick", "soma_dendrite_axon",
    "branched_dendrite", "myelinated_axon", "MYELIN_FACTOR", "d_lambda_compartments",
]

#: Myelin divides the internode's membrane capacitance and leak by this factor
#: (about 2 x 100 lamellae; a common simplification, e.g. Moore et al. 1978,
#: Biophys J 21:147, where internodal C_m is ~0.005 uF/cm^2).
MYELIN_FACTOR = 200.0

MEMBRANES = ("hh", "passive", "myelin")


_check = check_range


@dataclass(frozen=True)
class Section:
    """A cylinder of the neuron.

    ``g_na_factor`` scales the HH sodium conductance (an axon initial segment
    carries more Na channels); ``parent_x`` is where on the parent it attaches
    (1: the far end, 0: the near end).
    """

    name: str
    length_um: float
    diameter_um: float
    n_compartments: int = 1
    membrane: str = "hh"
    parent: Optional[str] = None
    parent_x: float = 1.0
    r_axial_ohm_cm: float = 35.4
    g_na_factor: float = 1.0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InvalidParameter("section name", self.name, "must be a non-empty text")
        object.__setattr__(self, "length_um", _check(self.length_um, f"{self.name}.length", 1e-3, 1e8))
        object.__setattr__(self, "diameter_um", _check(self.diameter_um, f"{self.name}.diameter", 1e-3, 1e4))
        n = self.n_compartments
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10**6:
            raise InvalidParameter(f"{self.name}.compartments", n, "must be a whole number from 1 to 1000000")
        if self.membrane not in MEMBRANES:
            raise InvalidParameter(f"{self.name}.membrane", self.membrane, "must be 'hh', 'passive' or 'myelin'")
        object.__setattr__(self, "parent_x", _check(self.parent_x, f"{self.name}.parent_x", 0.0, 1.0))
        object.__setattr__(self, "r_axial_ohm_cm", _check(self.r_axial_ohm_cm, f"{self.name}.r_axial", 1e-3, 1e7))
        object.__setattr__(self, "g_na_factor", _check(self.g_na_factor, f"{self.name}.g_na_factor", 0.0, 1e3))


@dataclass
class Tree:
    """Compiled compartments (Hines order) ready for :func:`nernst._hhsrc.tree`."""

    sections: List[Section]
    parent: np.ndarray            # int64, parent[0] = -1
    area_cm2: np.ndarray
    length_um: np.ndarray         # compartment lengths
    diameter_um: np.ndarray
    cap_nF: np.ndarray
    ga_uS: np.ndarray             # axial conductance to the parent (0 for the root)
    section_index: np.ndarray     # which section each compartment belongs to
    x_um: np.ndarray              # path distance of the compartment centre from the root's 0 end
    arc: np.ndarray               # 0-1 position of the centre within its section
    gna: np.ndarray
    gk: np.ndarray
    gl: np.ndarray
    ena: np.ndarray
    ek: np.ndarray
    el: np.ndarray
    params: HHParameters
    first: Dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.parent.shape[0])

    def compartment_at(self, section: str, x: float) -> int:
        """Index of the compartment that holds point *x* (0-1) of *section*."""
        if section not in self.first:
            raise InvalidParameter("section", section, f"is not one of {sorted(self.first)}")
        x = _check(x, "x", 0.0, 1.0)
        sec = self.sections[[s.name for s in self.sections].index(section)]
        k = min(int(x * sec.n_compartments), sec.n_compartments - 1)
        return self.first[section] + k

    def section_names(self) -> List[str]:
        return [s.name for s in self.sections]


def compile_tree(sections: Sequence[Section], params: HHParameters = HHParameters()) -> Tree:
    """Flatten *sections* into compartment arrays (checks names, parents and cycles)."""
    if not sections:
        raise InvalidParameter("sections", [], "need at least one section")
    by_name: Dict[str, Section] = {}
    for s in sections:
        if not isinstance(s, Section):
            raise InvalidParameter("sections", s, "must be Section objects")
        if s.name in by_name:
            raise InvalidParameter("section name", s.name, "is used twice")
        by_name[s.name] = s
    roots = [s for s in sections if s.parent is None]
    if len(roots) != 1:
        raise InvalidParameter("sections", [s.name for s in roots], "need exactly one root section (no parent)")
    children: Dict[str, List[Section]] = {s.name: [] for s in sections}
    for s in sections:
        if s.parent is not None:
            if s.parent not in by_name:
                raise InvalidParameter(f"{s.name}.parent", s.parent, "is not a section of this tree")
            children[s.parent].append(s)
    order: List[Section] = []
    stack = [roots[0]]
    while stack:  # depth-first: parents before children
        s = stack.pop()
        order.append(s)
        stack.extend(reversed(children[s.name]))
    if len(order) != len(sections):
        missing = sorted(set(by_name) - {s.name for s in order})
        raise InvalidParameter("sections", missing, "are not connected to the root (a cycle?)")

    parent, area, length, diam, cap, ga, sec_idx, xpos, arc = [], [], [], [], [], [], [], [], []
    gna, gk, gl = [], [], []
    first: Dict[str, int] = {}
    last_x: Dict[str, float] = {}
    for si, s in enumerate(order):
        n = s.n_compartments
        dl = s.length_um / n
        a = math.pi * s.diameter_um * dl * 1e-8  # cm^2
        cm = params.c_m / (MYELIN_FACTOR if s.membrane == "myelin" else 1.0)
        r_half = s.r_axial_ohm_cm * (0.5 * dl * 1e-4) / (math.pi * (0.5 * s.diameter_um * 1e-4) ** 2)  # ohm
        first[s.name] = len(parent)
        if s.parent is None:
            x0 = 0.0
            attach, r_attach = -1, 0.0
        else:
            ps = by_name[s.parent]
            pn = ps.n_compartments
            k = min(int(s.parent_x * pn), pn - 1)
            attach = first[ps.name] + k
            pdl = ps.length_um / pn
            # resistance from the parent compartment's centre to the attachment point
            dist = abs(s.parent_x * ps.length_um - (k + 0.5) * pdl)
            r_attach = ps.r_axial_ohm_cm * (dist * 1e-4) / (math.pi * (0.5 * ps.diameter_um * 1e-4) ** 2)
            x0 = last_x[ps.name] - ps.length_um + s.parent_x * ps.length_um
        for j in range(n):
            idx = len(parent)
            if j == 0:
                parent.append(attach)
                ga.append(0.0 if attach < 0 else 1e6 / (r_half + r_attach))
            else:
                parent.append(idx - 1)
                ga.append(1e6 / (2.0 * r_half))
            area.append(a)
            length.append(dl)
            diam.append(s.diameter_um)
            cap.append(cm * a * 1e3)
            sec_idx.append(si)
            xpos.append(x0 + (j + 0.5) * dl)
            arc.append((j + 0.5) / n)
            if s.membrane == "hh":
                gna.append(params.g_na * s.g_na_factor)
                gk.append(params.g_k)
                gl.append(params.g_l)
            elif s.membrane == "passive":
                gna.append(0.0)
                gk.append(0.0)
                gl.append(params.g_l)
            else:
                gna.append(0.0)
                gk.append(0.0)
                gl.append(params.g_l / MYELIN_FACTOR)
        last_x[s.name] = x0 + s.length_um
    n = len(parent)
    return Tree(
        sections=order,
        parent=np.asarray(parent, dtype=np.int64),
        area_cm2=np.asarray(area), length_um=np.asarray(length), diameter_um=np.asarray(diam),
        cap_nF=np.asarray(cap), ga_uS=np.asarray(ga), section_index=np.asarray(sec_idx, dtype=np.int64),
        x_um=np.asarray(xpos), arc=np.asarray(arc),
        gna=np.asarray(gna), gk=np.asarray(gk), gl=np.asarray(gl),
        ena=np.full(n, params.e_na), ek=np.full(n, params.e_k), el=np.full(n, params.e_l),
        params=params, first=first,
    )


def d_lambda_compartments(length_um, diameter_um, r_axial_ohm_cm=35.4, c_m=1.0, d_lambda=0.1,
                          frequency_hz=100.0) -> int:
    """Compartments so that each is at most *d_lambda* of the AC length constant at *frequency_hz*.

    The d_lambda rule of Hines & Carnevale (2001, Neuroscientist 7:123):
    lambda_f = 0.5 sqrt(d / (pi f R_i C_m)); an odd count, as NEURON uses.
    """
    lam_cm = 0.5 * math.sqrt((diameter_um * 1e-4) / (math.pi * frequency_hz * r_axial_ohm_cm * c_m * 1e-6))
    n = int(math.ceil(length_um * 1e-4 / (d_lambda * lam_cm)))
    return n + 1 if n % 2 == 0 else n


# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------

def axon(length_um=10_000.0, diameter_um=500.0, n_compartments=None, membrane="hh",
         r_axial_ohm_cm=35.4) -> List[Section]:
    """One unbranched cylinder (default: a 10 mm squid-like axon of 500 um)."""
    if n_compartments is None:
        n_compartments = d_lambda_compartments(length_um, diameter_um, r_axial_ohm_cm, d_lambda=0.02)
    return [Section("axon", length_um, diameter_um, n_compartments, membrane, r_axial_ohm_cm=r_axial_ohm_cm)]


def ball_and_stick(soma_diameter_um=20.0, dendrite_length_um=800.0, dendrite_diameter_um=2.0,
                   n_dendrite=81, dendrite_membrane="passive", r_axial_ohm_cm=100.0) -> List[Section]:
    """A spherical-ish soma (a cylinder as long as it is wide) and one dendrite."""
    return [
        Section("soma", soma_diameter_um, soma_diameter_um, 1, "hh", r_axial_ohm_cm=r_axial_ohm_cm),
        Section("dendrite", dendrite_length_um, dendrite_diameter_um, n_dendrite, dendrite_membrane,
                parent="soma", parent_x=0.0, r_axial_ohm_cm=r_axial_ohm_cm),
    ]


def soma_dendrite_axon(soma_diameter_um=20.0, dendrite_length_um=500.0, dendrite_diameter_um=3.0,
                       ais_length_um=40.0, ais_diameter_um=1.5, ais_g_na_factor=5.0,
                       axon_length_um=1000.0, axon_diameter_um=1.5, r_axial_ohm_cm=100.0) -> List[Section]:
    """Dendrite (passive) - soma (HH) - axon initial segment (HH, more Na) - axon (HH).

    The initial segment carries ``ais_g_na_factor`` times the HH sodium
    conductance (initial segments have several-fold higher Na channel density;
    Kole et al. 2008, Nat Neurosci 11:178).  Channel kinetics stay those of the
    squid axon: the shape is a teaching model of where spikes start.
    """
    return [
        Section("soma", soma_diameter_um, soma_diameter_um, 1, "hh", r_axial_ohm_cm=r_axial_ohm_cm),
        Section("dendrite", dendrite_length_um, dendrite_diameter_um, 51, "passive", parent="soma",
                parent_x=0.0, r_axial_ohm_cm=r_axial_ohm_cm),
        Section("ais", ais_length_um, ais_diameter_um, 9, "hh", parent="soma", parent_x=1.0,
                r_axial_ohm_cm=r_axial_ohm_cm, g_na_factor=ais_g_na_factor),
        Section("axon", axon_length_um, axon_diameter_um, 101, "hh", parent="ais", parent_x=1.0,
                r_axial_ohm_cm=r_axial_ohm_cm),
    ]


def branched_dendrite(trunk_length_um=200.0, trunk_diameter_um=4.0, branch_length_um=300.0,
                      branch_diameter_um=None, soma_diameter_um=20.0, r_axial_ohm_cm=100.0) -> List[Section]:
    """A soma with a passive trunk that forks into two equal daughters.

    By default the daughters obey Rall's 3/2 power rule (d_trunk^1.5 = 2 d_branch^1.5;
    Rall 1959, Exp Neurol 1:491), so the tree behaves like one equivalent cylinder.
    """
    if branch_diameter_um is None:
        branch_diameter_um = trunk_diameter_um / 2.0 ** (2.0 / 3.0)
    return [
        Section("soma", soma_diameter_um, soma_diameter_um, 1, "hh", r_axial_ohm_cm=r_axial_ohm_cm),
        Section("trunk", trunk_length_um, trunk_diameter_um, 21, "passive", parent="soma", parent_x=0.0,
                r_axial_ohm_cm=r_axial_ohm_cm),
        Section("branch1", branch_length_um, branch_diameter_um, 31, "passive", parent="trunk",
                r_axial_ohm_cm=r_axial_ohm_cm),
        Section("branch2", branch_length_um, branch_diameter_um, 31, "passive", parent="trunk",
                r_axial_ohm_cm=r_axial_ohm_cm),
    ]


def myelinated_axon(n_nodes=41, node_length_um=1.0, internode_length_um=1000.0, diameter_um=10.0,
                    n_internode=11, r_axial_ohm_cm=35.4, node_g_na_factor=10.0) -> List[Section]:
    """Nodes of Ranvier (HH membrane) joined by myelinated internodes.

    The default 10 um fibre with 1 mm internodes (about 100 diameters,
    as in real fibres; Rushton 1951, J Physiol 115:101) conducts in jumps from
    node to node.  Node channel density: ``node_g_na_factor`` times HH's g_Na;
    the default 10x reflects the dense Na channels of nodes (about 10^4 per um^2
    against ~10^2 in squid axon membrane; Ritchie & Rogart 1977, PNAS 74:211).
    With the squid density alone (factor 1) the 1 um nodes are too weak to
    drive their internodes reliably at 18.5 degC.  The default fibre (40 mm) is
    about two length constants of the myelinated cable long: measure velocity
    between inner nodes.
    """
    secs = [Section("node0", node_length_um, diameter_um, 1, "hh", r_axial_ohm_cm=r_axial_ohm_cm,
                    g_na_factor=node_g_na_factor)]
    for i in range(1, n_nodes):
        secs.append(Section(f"internode{i}", internode_length_um, diameter_um, n_internode, "myelin",
                            parent=f"node{i - 1}", r_axial_ohm_cm=r_axial_ohm_cm))
        secs.append(Section(f"node{i}", node_length_um, diameter_um, 1, "hh", parent=f"internode{i}",
                            r_axial_ohm_cm=r_axial_ohm_cm, g_na_factor=node_g_na_factor))
    return secs
