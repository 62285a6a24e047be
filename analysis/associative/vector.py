r"""Theory of the vector memories: similarity moments and P(correct) (docs/associative.md §2).

A vector memory decodes a noisy copy ŷ of the stored value; the right value's similarity
:math:`s_1 = \mathrm{Re}\langle\hat y, y\rangle` has mean μ₁ and variance σ₁², each of
M − 1 distractors' similarity has mean 0 and variance :math:`\sigma_0^2 = R^2/n` with
:math:`R^2 = E|\hat y|^2` (÷2 for phasors). Each model's :meth:`VectorTheory.moments` gives
the three (exact at finite n for exact and noisy cues), and

.. math:: P_\mathrm{correct} = \int \varphi(x)\,
          \Phi\!\left(\frac{\mu_1 + \sigma_1 x}{\sigma_0}\right)^{M-1} dx

(Frady, Kleyko & Sommer 2018, Eq. 13) is the common integral; the suite's theory is the
scale-free quadrature of :meth:`VectorTheory.p_correct`.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .base import DEFAULT, ModelTheory
from .numerics import largest

__all__ = ["EDGE", "p_correct_integral", "item_information", "VectorTheory", "HRRTheory",
           "UnitaryHRRTheory", "FHRRTheory", "RedundantTheory", "HebbianTheory", "SolvedTheory"]

#: the pseudo-inverse is near singular when the Marchenko-Pastur lower edge (1 - sqrt(Q/n))^2
#: of its keys' Gram matrix is below this
EDGE = 0.05

_X = np.linspace(-12, 12, 2401)
_W = stats.norm.pdf(_X) * (_X[1] - _X[0])


def p_correct_integral(mu1, var1, var0, vocabulary: int = 1000):
    r""":math:`\int\varphi(x)\,\Phi((\mu_1+\sigma_1x)/\sigma_0)^{M-1}dx` (trapezoid on
    [−12, 12], step 0.01, the power taken through ``log_ndtr``: accurate to ~1e-9)."""
    mu1, var1, var0 = np.broadcast_arrays(*(np.asarray(v, float) for v in (mu1, var1, var0)))
    z = (mu1[..., None] + np.sqrt(np.maximum(var1, 0))[..., None] * _X) / np.sqrt(
        var0)[..., None]
    return np.exp((vocabulary - 1) * special.log_ndtr(z)) @ _W


def item_information(p, vocabulary: int = 1000):
    r"""Bits per recalled item of an M-ary symmetric channel with P(correct) p:
    :math:`\log_2M + p\log_2p + (1-p)\log_2\frac{1-p}{M-1}`."""
    p = np.clip(np.asarray(p, float), 0, 1)
    M = vocabulary
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log2(p), 0.0)
        b = np.where(p < 1, (1 - p) * np.log2((1 - p) / (M - 1)), 0.0)
    return np.log2(M) + a + b


def _gh(k: int):
    """Gauss–Hermite nodes and weights for a standard normal variable."""
    x, w = np.polynomial.hermite_e.hermegauss(k)
    return x, w / w.sum()


def _chi2_nodes(k: int, dof: int):
    """Nodes and weights of χ²_dof/dof: its quantiles at the normal probabilities of the
    Gauss–Hermite nodes (upper tail through the survival function)."""
    z, w = _gh(k)
    x = np.where(z < 0, stats.chi2.ppf(stats.norm.cdf(z), dof),
                 stats.chi2.isf(stats.norm.sf(z), dof))
    return x / dof, w


class VectorTheory(ModelTheory):
    r"""Similarity moments and P(correct) of one vector model (subclasses: its moments).

    P(correct) is computed by quadrature over the decoded vector's parts. Ranking by
    similarity does not depend on the scale of ŷ, and given ŷ the M − 1 distractors'
    similarities are i.i.d. :math:`N(0, |\hat y|^2/n_e)`, so :math:`P = E\,\Phi(t)^{M-1}`
    with :math:`t = \sqrt{n_e}\,\mathrm{Re}\langle\hat y, y\rangle/|\hat y|`. With
    :math:`\hat y = \alpha y + \xi` (ξ isotropic Gaussian of norm² s², independent of y) and
    ξ split along and across y,

    .. math:: t = \sqrt{n_eY}\,\frac{\alpha\sqrt Y + s u/\sqrt{n_e}}
              {\sqrt{(\alpha\sqrt Y + s u/\sqrt{n_e})^2 + s^2 w}},

    Y = |y|² ~ χ²_n/n (1 for phasors), u ~ N(0, 1), w ~ χ²_{n_e−1}/n_e, and the gain α
    Gaussian with mean μ₁ and the variance that makes the model's σ₁² the exact one
    (:meth:`gain`; subclasses replace it where the gain has another law); R² = E|ŷ|² fixes
    s² = R² − Eα². The expectations are Gauss–Hermite sums (``docs/associative.md`` §2.2).
    n_e = n (2n for phasors).
    """

    measures = ("signal_mean", "signal_var", "crosstalk_var")  # (the distractors' mean
    # similarity is 0 by construction: not a check)
    rate = info_measure = "p_correct"

    @property
    def phasor(self) -> bool:
        return self.model.phasor

    def moments(self, n: float, Q, nu, copies: int):
        """(μ₁, σ₁², σ₀²) broadcast over Q and the cue noise ν."""
        raise NotImplementedError

    def criterion(self, st) -> float:
        return float(st["criterion_correct"])

    def top(self, n):
        return self.max_items(n)

    def p_correct_frady(self, n, Q, vocabulary=1000, cue_noise=0.0, copies=4):
        """The common integral with the raw moments (μ₁, σ₁, σ₀), which neglects that all
        distractors share |ŷ| (accurate when the crosstalk dominates)."""
        return p_correct_integral(*self.moments(n, Q, cue_noise, copies), vocabulary)

    def load_theory(self, n, Q, nu, p):
        mu1, v1, v0 = self.moments(n, Q, nu, p.copies)
        return {"p_correct": self.p_correct(n, Q, p.vocabulary, nu, p.copies),
                "p_correct_frady": p_correct_integral(mu1, v1, v0, p.vocabulary),
                "signal_mean": mu1, "signal_var": v1, "crosstalk_mean": 0.0,
                "crosstalk_var": v0}

    def capacity(self, n, criterion=None, cue_noise=0.0, p=DEFAULT):
        """Largest Q with P(correct) ≥ ``criterion`` (default 0.99)."""
        c = 0.99 if criterion is None else criterion
        return largest(lambda q: self.p_correct(n, q, p.vocabulary, cue_noise, p.copies)
                       >= c, self.max_items(n))

    def information(self, n, Q, cue_noise, p, measured=None):
        """Q × the M-ary channel's bits per item / storage."""
        Q = np.asarray(Q, float)
        pc = self.p_correct(n, Q, p.vocabulary, cue_noise, p.copies) if measured is None \
            else measured
        return Q * item_information(pc, p.vocabulary) / self.model.stored(n, p.copies,
                                                                            p.data_bits)

    def tag(self, Q, n):
        return "_full" if Q == self.max_items(n) else ""

    def probes(self, P, Q):
        return P

    def rate_check(self, q, tag, where, probes, n, st, add):
        add(f"{self.name}:p_correct", f"p_correct_{tag}",
            f"{where}: P(correct) among {st['vocabulary']} candidates vs the quadrature "
            "theory", float(q.p_correct_theory), q.p_correct.values, probes, "P(correct)")

    def gain(self, n, q, nu, mu1, v1, R2, ne):
        """Nodes of the gain α, their weights, E α², and the crosstalk's scale per node."""
        kappa = 0.0 if self.phasor else 2 / n
        v = max(0.0, (v1 - (mu1**2 * kappa + (R2 - mu1**2) / ne)) / (1 + kappa - 1 / ne))
        z, wa = _gh(12) if v > 0 else (np.zeros(1), np.ones(1))
        return mu1 + np.sqrt(v) * z, wa, mu1**2 + v, None

    def p_correct(self, n: int, Q, vocabulary: int = 1000, cue_noise=0.0, copies: int = 4):
        """P(correct) among ``vocabulary`` candidates (:meth:`quadrature`), shaped as Q and
        the cue noise broadcast."""
        Q, nu = np.broadcast_arrays(np.asarray(Q, float), np.asarray(cue_noise, float))
        return self.quadrature(n, Q, vocabulary, nu, copies).reshape(Q.shape)

    def quadrature(self, n: int, Q, vocabulary: int = 1000, cue_noise=0.0, copies: int = 4):
        """P(correct) by the quadrature above (at least one-dimensional)."""
        Q = np.atleast_1d(np.asarray(Q, float))
        nus = np.broadcast_to(np.asarray(cue_noise, float), Q.shape)
        ne = 2 * n if self.phasor else n
        if self.phasor:
            Y, wY = np.ones(1), np.ones(1)
        else:
            Y, wY = _chi2_nodes(40, n)
        u, wu = _gh(24)
        W, wW = _chi2_nodes(12, ne - 1)
        W = W * (ne - 1) / ne
        out = np.empty(Q.shape)
        for idx in np.ndindex(Q.shape):
            q, nu = Q[idx], nus[idx]
            mu1, v1, v0 = (float(np.asarray(x)) for x in self.moments(n, q, nu, copies))
            R2 = v0 * ne
            alpha, wa, Ea2, scale = self.gain(n, q, nu, mu1, v1, R2, ne)
            s = np.sqrt(max(R2 - Ea2, 0.0))
            if scale is not None:
                s = s * np.sqrt(scale)[:, None, None, None]
            A = alpha[:, None, None, None]
            sy = np.sqrt(Y)[None, :, None, None]
            par = A * sy + s * u[None, None, :, None] / np.sqrt(ne)
            t = np.sqrt(ne) * sy * par / np.sqrt(par**2 + s**2 * W[None, None, None, :])
            f = np.exp((vocabulary - 1) * special.log_ndtr(t))
            out[idx] = np.einsum("a,y,u,w,ayuw->", wa, wY, wu, wW, f)
        return out


class HRRTheory(VectorTheory):
    """HRR, Gaussian keys, involution: μ₁ = √(1−ν),
    σ₁² = (1−ν)[(6n+4)/n² + (Q−1)/n] + ν[(Q−1)/n + (2n+2)/n²], R² = (1−ν)(Q + 1 + 2/n) + νQ."""

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        v1 = (1 - nu) * ((6 * n + 4) / n**2 + (Q - 1) / n) + nu * ((Q - 1) / n
                                                                     + (2 * n + 2) / n**2)
        return np.sqrt(1 - nu) + 0 * Q, v1, ((1 - nu) * (Q + 1 + 2 / n) + nu * Q) / n


class UnitaryHRRTheory(VectorTheory):
    """HRR, unitary keys, exact inverse: σ₁² = (1−ν)(Q+1)/n + ν[(Q−1)/n + (2n+2)/n²],
    R² = Q."""

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        v1 = (1 - nu) * (Q + 1) / n + nu * ((Q - 1) / n + (2 * n + 2) / n**2)
        return np.sqrt(1 - nu) + 0 * Q, v1, Q / n + 0 * nu


class FHRRTheory(VectorTheory):
    """FHRR: μ₁ = √(1−ν), σ₁² = (Q−1+ν)/(2n), σ₀² = Q/(2n)."""

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        return np.sqrt(1 - nu) + 0 * Q, (Q - 1 + nu) / (2 * n), Q / (2 * n) + 0 * nu


class HebbianTheory(VectorTheory):
    r"""Hebbian matrix memories :math:`\hat y = \sum_q y_q (x_q\cdot\tilde x)` with self
    overlap g = E x·x̃, a = E(x·x̃)², other overlap b = E(x'·x̃)²: μ₁ = g,
    σ₁² = (1 + 2/n)a + (Q−1)b/n − g², R² = a + (Q−1)b.

    ``keys="sign"`` (CMM, ±1 keys): g = √(1−ν), a = 1−ν + ν/n, b = 1/n; ``"gauss"`` (CMM,
    Gaussian keys = order-2 TPR with random roles): a = (1−ν)(1+2/n) + ν/n; ``"tpr3"``
    (order-3 tensors, both roles noisy): g = 1−ν, a = [(1−ν)(1+2/n)+ν/n]², b = 1/n².

    The crosstalk's scale moves with the cue norm C = |x̃|²: the gain α = x·x̃ and C are
    taken jointly from the key norm X = |x|² (χ²_n/n for Gaussian keys, 1 for ±1 keys) and
    Z = x·e ~ N(0, X/n), s² ∝ C; order-3 tensors: the product over their two roles.
    """

    def __init__(self, name: str, keys: str):
        if keys not in ("sign", "gauss", "tpr3"):
            raise ValueError(f"keys must be 'sign', 'gauss' or 'tpr3', got {keys!r}")
        super().__init__(name)
        self.keys = keys

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        g = np.sqrt(1 - nu)
        if self.keys == "sign":
            a, b = 1 - nu + nu / n, 1 / n
        elif self.keys == "gauss":
            a, b = (1 - nu) * (1 + 2 / n) + nu / n, 1 / n
        else:
            g = 1 - nu
            a, b = ((1 - nu) * (1 + 2 / n) + nu / n) ** 2, 1 / n**2
        v1 = (1 + 2 / n) * a + (Q - 1) * b / n - g**2
        return g + 0 * Q, v1, (a + (Q - 1) * b) / n

    def gain(self, n, q, nu, mu1, v1, R2, ne):
        tpr3 = self.keys == "tpr3"
        alpha, C, wa = _role_nodes(n, nu, self.keys != "sign", 5 if tpr3 else 8,
                                   4 if tpr3 else 6)
        if tpr3:
            alpha = np.multiply.outer(alpha, alpha).ravel()
            C = np.multiply.outer(C, C).ravel()
            wa = np.multiply.outer(wa, wa).ravel()
        return alpha, wa, float(wa @ alpha**2), np.clip(C, 0, None)


def _role_nodes(n: int, nu: float, gaussian: bool, kx: int, kz: int):
    """Nodes of (alpha, C, weight) for one role: X = |x|^2 (chi^2_n/n or 1), Z | X ~
    N(0, X/n), alpha = sqrt(1-nu) X + sqrt(nu) Z, C = (1-nu) X + nu + 2 sqrt(nu(1-nu)) Z
    (the fresh key's norm taken at its mean)."""
    if gaussian:
        X, wx = _chi2_nodes(kx, n)
    else:
        X, wx = np.ones(1), np.ones(1)
    z, wz = _gh(kz) if nu > 0 else (np.zeros(1), np.ones(1))
    Z = np.sqrt(X / n)[:, None] * z[None, :]
    Xb = X[:, None]
    alpha = np.sqrt(1 - nu) * Xb + np.sqrt(nu) * Z
    C = (1 - nu) * Xb + nu + 2 * np.sqrt(nu * (1 - nu)) * Z
    return alpha.ravel(), C.ravel(), np.outer(wx, wz).ravel()


class SolvedTheory(VectorTheory):
    r"""Memories that recall exactly up to their cap: the pseudo-inverse (``pinv=True``,
    Q ≤ n − 2) and orthonormal roles (Q ≤ n): μ₁ = √(1−ν), σ₁² = 2(1−ν)/n + ν(1 + (Q+1)/n)a,
    R² = 1 − ν + νQa with a = 1/(n−Q−1) (inverse-Wishart mean) or 1/n.

    With a noisy cue the pseudo-inverse's gain has the exact law √(1−ν) + √(ν/d) t_d,
    d = n − Q + 1 (1/(G⁻¹)_qq of a Wishart is χ²_d): heavy-tailed near Q = n.
    """

    def __init__(self, name: str, pinv: bool):
        super().__init__(name)
        self.pinv = bool(pinv)

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        amp = 1 / (n - Q - 1) if self.pinv else 1 / n + 0 * Q
        with np.errstate(divide="ignore", invalid="ignore"):
            v1 = 2 * (1 - nu) / n + nu * (1 + (Q + 1) / n) * amp
            R2 = 1 - nu + nu * Q * amp
        return np.sqrt(1 - nu) + 0 * Q, v1, R2 / n

    def tag(self, Q, n):
        full = super().tag(Q, n)
        if self.pinv and not full and (1 - np.sqrt(Q / n)) ** 2 < EDGE:
            return "_edge"  # keys' Gram matrix near its Marchenko-Pastur hard edge
        return full

    def gain(self, n, q, nu, mu1, v1, R2, ne):
        if not (self.pinv and nu > 0):
            return super().gain(n, q, nu, mu1, v1, R2, ne)
        d = n - q + 1
        z, wa = _gh(48)
        tq = np.where(z < 0, stats.t.ppf(stats.norm.cdf(z), d),
                      stats.t.isf(stats.norm.sf(z), d))
        return mu1 + np.sqrt(nu / d) * tq, wa, mu1**2 + nu / (n - q - 1), None


class RedundantTheory(VectorTheory):
    """Redundant FHRR with S copies: σ₁² = [(Q−1)c + ν]/(2n), σ₀² = [1−ν + (Q−1+ν)c]/(2n),
    c = (1 + (S−1)/n)/S (the copies' crosstalk adds where two permutations coincide; the
    cue noise's self term is the same in every copy). Its detail experiment varies the
    copies at fixed storage per copy and in total."""

    def moments(self, n, Q, nu, copies):
        n, Q, nu = float(n), np.asarray(Q, float), np.asarray(nu, float)
        S = float(copies)
        c = (1 + (S - 1) / n) / S  # two random permutations share a position w.p. 1/n
        # the cue-noise self term conj(e) k sums to the same total in every copy (each
        # copy's permutation visits every position): it is not reduced by the copies
        return (np.sqrt(1 - nu) + 0 * Q, ((Q - 1) * c + nu) / (2 * n),
                (1 - nu + (Q - 1 + nu) * c) / (2 * n))

    def detail_theory(self, pt, ds, p, st):
        q0 = float(pt.capacity_reference)
        shape = (ds.sizes["budget"], ds.sizes["copies"])
        red = {k: np.full(shape, np.nan) for k in ("signal_var", "crosstalk_var",
                                                   "p_correct")}
        for b in range(shape[0]):
            for c, S_c in enumerate(ds.copies.values):
                m_c = float(pt.redundant_n.values[b, c])
                mu1, v1, v0 = self.moments(m_c, q0, 0.0, int(S_c))
                red["signal_var"][b, c] = v1
                red["crosstalk_var"][b, c] = v0
                red["p_correct"][b, c] = self.p_correct(int(m_c), q0, p.vocabulary, 0.0,
                                                        int(S_c))
        return {f"redundant_{k}_theory": v for k, v in red.items()}

    def detail_checks(self, pt, S, ds, add):
        T, P = ds.sizes["trial"], int(ds.attrs["n_probes"])
        for b in ds.budget.values:
            for c in ds.copies.values:
                r = pt.sel(budget=b, copies=c)
                for m in ("signal_var", "crosstalk_var", "p_correct"):
                    add(f"redundant:{m}_copies", f"redundant_{m}_S{S}_{b}_S{c}",
                        f"redundant storage {S}, {c} copies at fixed {b} storage: "
                        f"{m} vs theory", float(r[f"redundant_{m}_theory"]),
                        r[f"redundant_{m}"].values, min(int(pt.capacity_reference), P) * T,
                        "P(correct)" if m == "p_correct" else None)
