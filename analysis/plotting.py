"""Figure style shared by all studies: journal sizes, fonts, PNG + PDF output."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SINGLE = (3.4, 2.6)  # one journal column, inches
DOUBLE_SHORT = (7.0, 2.6)  # two columns, one row of panels

_STYLE = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.0,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,  # embed TrueType: editable text in the PDF
    "svg.fonttype": "none",
}


def style():
    """The project style as a context (``with style(): ...``): figures made inside it get
    the journal sizes and fonts, and the caller's rcParams are restored afterwards."""
    import matplotlib

    return matplotlib.rc_context(_STYLE)


def pyplot():
    """Return ``matplotlib.pyplot`` as it is (the backend is the caller's choice; the rule
    script chooses Agg). Draw inside :func:`style`."""
    import matplotlib.pyplot as plt

    return plt


def colors(n: int):
    """``n`` colours of the viridis map, dark to light (for a swept parameter)."""
    import matplotlib

    return matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, max(n, 1)))


def save(fig, stem: str | Path) -> list[Path]:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.pdf``; close it; return both paths."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    with style():
        fig.tight_layout()
        for p in paths:
            fig.savefig(p, metadata={"CreationDate": None} if p.suffix == ".pdf" else None)
    plt.close(fig)
    return paths


def nothing_to_show(ax, why: str) -> None:
    """Say in words why a panel is empty (a config without the points it draws), rather
    than leave a blank frame."""
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=7,
            wrap=True, color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def log_xticks(ax, values) -> None:
    """Logarithmic x axis labelled exactly at ``values`` (e.g. the swept N)."""
    ax.set_xscale("log")
    ax.set_xticks(list(values), [f"{v:g}" for v in values])
    ax.minorticks_off()


def draw(ds, outdir, makers: dict) -> list[Path]:
    """Draw ``{name: make(ds, plt) -> Figure}`` into ``outdir`` as PNG and PDF."""
    plt = pyplot()
    paths = []
    for name, make in makers.items():
        with style():
            fig = make(ds, plt)
        paths += save(fig, Path(outdir) / name)
    return paths
