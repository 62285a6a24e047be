"""What the theory of every associative model provides, and the load-grid machinery the
models share: theory beside every measure at every load and cue noise, capacities and
information per number, and the simulation checks of one (model, storage) point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from memory_dynamics.sim.associative import MODELS

from .numerics import crossing, jackknife, monotone

__all__ = ["Params", "ModelTheory", "Add", "DEFAULT"]

#: ``add(family, name, description, theory, trials, count=None, kind=None)``: one check
#: of a Šidák family; ``kind`` ("P(correct)" or "bit error") marks a rate family, checked
#: by its Poisson count where failures are rare; ``count`` = the probes or bits behind it
Add = Callable[..., None]


@dataclass(frozen=True)
class Params:
    """The settings a model's theory depends on (defaults: the functions' keywords)."""

    vocabulary: int = 1000
    copies: int = 4
    data_bits: int = 32
    active: int = 0
    radius: int | None = None
    address_bits: int = 256

    @classmethod
    def of(cls, st, radius=None) -> Params:
        """From the settings a dataset records; ``radius`` NaN or None: no SDM radius."""
        r = None if radius is None or not np.isfinite(float(radius)) else int(radius)
        return cls(int(st["vocabulary"]), int(st["copies"]), int(st["sdm_data_bits"]),
                   int(st["willshaw_active"]), r, int(st["sdm_address_bits"]))


#: the functions' keyword defaults
DEFAULT = Params()


class ModelTheory:
    """The theory of one registered model (:data:`memory_dynamics.sim.associative.MODELS`).

    Subclasses provide :meth:`load_theory` (every measure's theory at Q stored items),
    :meth:`capacity` and :meth:`information`; a model with a detail experiment adds
    :meth:`detail_theory` and :meth:`detail_checks`.
    """

    #: the measures checked against their theory as moments (Student t families)
    measures: tuple[str, ...] = ()
    #: those of them that are rates of events, by kind (see :data:`Add`)
    kinds: dict[str, str] = {}
    #: the rate the capacity criterion reads, and the measure information is read from
    rate = info_measure = "bit_error"

    def __init__(self, name: str):
        self.name, self.model = name, MODELS[name]

    def __repr__(self) -> str:
        return f"<theory of {self.model!r}>"

    def max_items(self, n: int) -> int:
        return self.model.max_items(n)

    def criterion(self, st) -> float:
        return float(st["criterion_bit_error"])

    # --- to implement ---------------------------------------------------------------------

    def load_theory(self, n: int, Q, nu: float, p: Params) -> dict:
        """Theory of every measure at the loads Q and cue noise ν (keys: measure names)."""
        raise NotImplementedError

    def capacity(self, n: int, criterion: float | None = None, cue_noise: float = 0.0,
                 p: Params = DEFAULT) -> int:
        """Largest Q at the criterion."""
        raise ValueError(f"no capacity of model {self.name!r} on a load grid")

    def information(self, n: int, Q, cue_noise: float, p: Params, measured=None):
        """Bits per stored number at Q items (``measured``: the measured rate instead of
        the theory's)."""
        raise NotImplementedError

    def reference(self, n: int, st) -> tuple[float, float]:
        """The experiment's load unit: the capacity at the criterion with exact cues, and
        the SDM radius (NaN for other models)."""
        return self.capacity(n, self.criterion(st), 0.0, Params.of(st)), np.nan

    def best_information(self, n: int, p: Params, cap=None) -> float:
        """Largest theoretical bits per stored number over Q (exact cues), on 24 loads from
        1 to 20 x the capacity ``cap`` at the criterion (computed if not given)."""
        if cap is None or not np.isfinite(cap):
            cap = self.capacity(n, None, 0.0, p)
        top = min(self.top(n), 20 * max(cap, 4))
        Q = np.unique(np.rint(np.geomspace(1, max(top, 2), 24)))
        return float(np.max(self.information(n, Q, 0.0, p)))

    def top(self, n: int) -> float:
        """Largest Q of the information scan (the structural cap of a vector model)."""
        return np.inf

    def level(self, n: int, p: Params) -> float:
        """The simulated rate's criterion in units of the criterion."""
        return 1.0

    def detail_theory(self, pt: xr.Dataset, ds: xr.Dataset, p: Params, st) -> dict:
        return {}

    def detail_checks(self, pt: xr.Dataset, S, ds: xr.Dataset, add: Add) -> None:
        pass

    def model_checks(self, sub: xr.Dataset) -> list:
        """Checks over every storage of the model (bounds)."""
        return []

    # --- shared ---------------------------------------------------------------------------

    def point_theory(self, pt: xr.Dataset, ds: xr.Dataset, st) -> dict:
        """Every theory variable of one (model, storage) point, by name, on the point's
        remaining dims (``add_theory`` fills the grid)."""
        n = int(pt["size"])
        Q = pt.n_items.values.astype(float)
        ref = float(pt.capacity_reference)  # the exact-cue capacity, from the experiment
        p = Params.of(st, pt.sdm_radius)
        crit = self.criterion(st)
        nus = ds.cue_noise.values
        out: dict[str, np.ndarray] = {}
        grid = {k: np.full(len(nus), np.nan) for k in (
            "capacity_theory", "capacity_sim", "capacity_sim_se", "capacity_grid_theory",
            "rate_at_capacity_sim", "rate_at_capacity_sim_se")}
        level = crit * self.level(n, p)
        above = self.rate == "p_correct"
        for k, nu in enumerate(nus):
            theory = self.load_theory(n, Q, nu, p)
            for name, v in theory.items():
                out.setdefault(f"{name}_theory", np.full((len(Q), len(nus)), np.nan))[
                    :, k] = v
            trials = {m: pt[m].isel(cue_noise=k).transpose("load", "trial").values
                      for m in {self.rate, self.info_measure}}
            mean = {m: v.mean(axis=-1) for m, v in trials.items()}
            for name, v in (("information_theory", theory[self.info_measure]),
                            ("information_sim", mean[self.info_measure])):
                out.setdefault(name, np.full((len(Q), len(nus)), np.nan))[:, k] = \
                    self.information(n, Q, nu, p, v)
            out.setdefault("information_sim_se", np.full((len(Q), len(nus)), np.nan))[
                :, k] = jackknife(lambda y, nu=nu: self.information(n, Q, nu, p, y),
                                  trials[self.info_measure])
            grid["capacity_theory"][k] = ref if nu == 0 else self.capacity(n, crit, nu, p)
            grid["capacity_sim"][k] = self.capacity_of(Q, mean[self.rate], level)
            grid["capacity_sim_se"][k] = jackknife(
                lambda y: self.capacity_of(Q, y, level), trials[self.rate])
            # the theory through the same interpolation on the same loads as the simulation
            q_star = crossing(Q, np.broadcast_to(theory[self.rate], Q.shape), level,
                              above=above)
            grid["capacity_grid_theory"][k] = q_star
            if np.isfinite(q_star):  # the measured rate there: the criterion if q_star is right
                def at(y, q_star=q_star):
                    return np.interp(q_star, Q, monotone(y, decreasing=above))

                grid["rate_at_capacity_sim"][k] = at(mean[self.rate])
                grid["rate_at_capacity_sim_se"][k] = jackknife(at, trials[self.rate])
        out.update(grid)
        cap_t = grid["capacity_theory"]
        out["information_best_theory"] = self.best_information(n, p, cap_t[0])
        out.update(self.detail_theory(pt, ds, p, st))
        return out

    def capacity_of(self, Q, rate, level) -> float:
        """Q where the measured rate curve, made monotone in Q, crosses the criterion
        (linear interpolation between loads; NaN if the loads do not bracket it)."""
        above = self.rate == "p_correct"  # a success rate falls with the load
        return crossing(Q, monotone(rate, decreasing=above), level, above=above)

    def tag(self, Q: int, n: int) -> str:
        """A suffix of the check names at Q items (e.g. at the structural cap)."""
        return ""

    def count(self, measure: str, probes: int, n: int, st) -> int | None:
        """Events behind a rate measure (None: a moment)."""
        return None

    def rate_check(self, q: xr.Dataset, tag: str, where: str, probes: int, n: int, st,
                   add: Add) -> None:
        add(f"{self.name}:bit_error", f"bit_error_{tag}", f"{where}: bit error vs theory",
            float(q.bit_error_theory), q.bit_error.values, probes * n, "bit error")

    def probes(self, P: int, Q: int) -> int:
        """Probes per trial at Q items."""
        return min(Q, P)

    def checks(self, pt: xr.Dataset, S, ds: xr.Dataset, add: Add) -> None:
        """The simulation checks of one (model, storage) point: every measure at every
        distinct Q and cue noise, then the model's detail experiment."""
        st = ds.attrs
        T, P = ds.sizes["trial"], int(st["n_probes"])
        n = int(pt["size"])
        seen = set()
        for load in ds["load"].values:
            p = pt.sel(load=load)
            Q = int(p.n_items)
            if Q in seen:  # a load clipped to the same Q repeats the same memories
                continue
            seen.add(Q)
            for nu in ds.cue_noise.values:
                q = p.sel(cue_noise=nu)
                tag = f"{self.name}_S{S}_Q{Q}{self.tag(Q, n)}_nu{nu:g}"
                where = f"{self.name}, storage {S} (n = {n}), Q = {Q}, cue noise {nu:g}"
                probes = self.probes(P, Q) * T
                for m in self.measures:
                    add(f"{self.name}:{m}", f"{m}_{tag}", f"{where}: {m} vs theory",
                        float(q[f"{m}_theory"]), q[m].values, self.count(m, probes, n, st),
                        self.kinds.get(m))
                self.rate_check(q, tag, where, probes, n, st, add)
        level = self.criterion(st) * self.level(n, Params.of(st))
        for nu in ds.cue_noise.values:
            c = pt.sel(cue_noise=nu)
            add("capacity", f"capacity_{self.name}_S{S}_nu{nu:g}",
                f"{self.name}, storage {S} (n = {n}), cue noise {nu:g}: the capacity Q* = "
                f"{float(c.capacity_grid_theory):.4g} of the theory (its curve interpolated "
                f"on the load grid) is right iff the measured {self.rate} there, interpolated "
                "on the same grid from the curve made monotone (jackknife SE over trials), "
                f"is the criterion {level:.4g} (capacity_sim "
                f"{float(c.capacity_sim):.4g} +- {float(c.capacity_sim_se):.2g})", level,
                (float(c.rate_at_capacity_sim), float(c.rate_at_capacity_sim_se)))
        self.detail_checks(pt, S, ds, add)
