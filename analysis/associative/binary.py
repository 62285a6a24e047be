r"""Theory of the binary memories and of the fast-weight stream (docs/associative.md §3).

Willshaw's exact false-positive probability (inclusion–exclusion), Kanerva's SDM (activation
probability and sphere intersections, the crosstalk's exact law by convolution), the exact
Hopfield one-step error (binomial) and the fast-weight palimpsest (signal λ^a against the
crosstalk of every other item).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft as sfft
from scipy import special, stats

from memory_dynamics.analysis import checks as chk
from memory_dynamics.analysis import hopfield as _hopfield
from memory_dynamics.sim.associative import willshaw_active

from .base import DEFAULT, ModelTheory, Params
from .numerics import h2, jackknife, largest

__all__ = ["willshaw_synapse_fraction", "willshaw_false_positive", "willshaw_information",
           "sdm_activation", "sdm_intersection", "sdm_moments", "sdm_bit_error",
           "sdm_best_radius", "hopfield_one_step", "hopfield_field_moments",
           "palimpsest_error", "palimpsest_capacity", "BinaryTheory", "WillshawTheory",
           "SDMTheory", "HopfieldTheory", "FastWeightsTheory"]


def willshaw_synapse_fraction(n: int, k: int, R):
    """Expected fraction of set synapses, p₁ = 1 − (1 − k²/n²)^R (k = l active of n)."""
    return -np.expm1(np.asarray(R, float) * np.log1p(-(k / n) ** 2))


def willshaw_false_positive(n: int, k: int, R, k_cue: int | None = None):
    r"""Exact probability that a silent output unit fires for a cue of ``k_cue`` of the k
    active key units (threshold k_cue) after R stored pairs:

    .. math:: p_{fp} = \sum_{s=0}^{k_c}(-1)^s\binom{k_c}{s}
              \Big[1 - \tfrac{k}{n}\Big(1 - \tbinom{n-s}{k}\big/\tbinom{n}{k}\Big)\Big]^{R-1}

    (inclusion–exclusion over the cue synapses of the unit left unset by all other R − 1
    pairs). The independence approximation is :math:`p_1^{k_c}`.
    """
    kc = k if k_cue is None else int(k_cue)
    R = np.asarray(R, float)
    s = np.arange(kc + 1)
    ratio = np.exp(special.gammaln(n - s + 1) - special.gammaln(n - s - k + 1)
                   - special.gammaln(n + 1) + special.gammaln(n - k + 1))
    avoid = np.log1p(-(k / n) * (1 - ratio))  # (s,)
    terms = (-1.0) ** s * special.comb(kc, s) * np.exp(np.multiply.outer(R - 1, avoid))
    return np.clip(terms.sum(axis=-1), 0, 1)


def willshaw_information(n: int, k: int, R, k_cue: int | None = None):
    r"""Bits per synapse transmitted by R recalls (no misses, false-positive rate p):
    :math:`R\,n\,[H_2(a + (1-a)p) - (1-a)H_2(p)]/n^2`, a = k/n."""
    p = willshaw_false_positive(n, k, R, k_cue)
    a = k / n
    return np.asarray(R, float) * n * (h2(a + (1 - a) * p) - (1 - a) * h2(p)) / n**2


# --- SDM ---------------------------------------------------------------------------------

def sdm_activation(address_bits: int, radius: int) -> float:
    """p = P[Binomial(n, 1/2) ≤ r]: the fraction of locations a read or write activates."""
    return float(stats.binom.cdf(radius, address_bits, 0.5))


@functools.cache
def _intersections(A: int, r: int) -> np.ndarray:
    """p∩(d), d = 0..A: a random location lies within r of two addresses at distance d:
    :math:`\\sum_i \\mathrm{Bin}(i; d, ½)\\,F_{A-d}(\\min(r-i, r-d+i))`, i = the location's
    disagreements with the first address among the d bits where the addresses differ."""
    out = np.zeros(A + 1)
    for d in range(A + 1):  # A + 1 values, each a vector over i
        i = np.arange(d + 1)
        out[d] = np.sum(stats.binom.pmf(i, d, 0.5)
                        * stats.binom.cdf(np.minimum(r - i, r - d + i), A - d, 0.5))
    return out


def sdm_intersection(address_bits: int, radius: int, distance) -> np.ndarray:
    """Probability that a random location is active for two addresses ``distance`` apart."""
    return _intersections(int(address_bits), int(radius))[np.asarray(distance, int)]


def sdm_moments(L: int, address_bits: int, radius: int, T, distance: int = 0):
    r"""Signal and crosstalk of an SDM read at Hamming distance d from the written address.

    Signal: the locations shared by the cue and the address, S ~ Binomial(L, p∩(d)), mean
    L p∩(d). Crosstalk per bit: :math:`\sum_{t'}c_{t'}y_{t'}` over the T − 1 other writes,
    mean 0, variance :math:`(T-1)E c^2`, :math:`E c^2 = Lp^2 + L(L-1)E_D[p_\cap(D)^2]`,
    D ~ Binomial(n, ½) the distance of the cue from another address (exact for i.i.d.
    uniform location addresses)."""
    A = int(address_bits)
    pi = _intersections(A, int(radius))
    p = sdm_activation(A, radius)
    D = stats.binom.pmf(np.arange(A + 1), A, 0.5)
    Ec2 = L * p * p + L * (L - 1) * np.sum(D * pi**2)
    T = np.asarray(T, float)
    return L * pi[int(distance)], (T - 1) * Ec2


def sdm_bit_error(L: int, address_bits: int, radius: int, T, distance: int = 0):
    r"""Bit error of an SDM read at Hamming distance d from the written address (signal
    exact, crosstalk the convolution below; no Gaussian approximation).

    The cue activates :math:`S_c` ~ Binomial(L, p) locations, of which
    :math:`S_\cap | S_c` ~ Binomial(S_c, p∩(d)/p) also hold the written word (exact for
    i.i.d. uniform location addresses). Each of the T − 1 other writes, at distance
    D ~ Binomial(n, ½) from the cue, overlaps the cue's locations in
    :math:`c_{t'} | S_c, D` ~ Binomial(S_c, p∩(D)/p) of them (exact for i.i.d. locations);
    the writes are treated as independent given S_c (they share the cue's locations, a
    correlation this neglects). The crosstalk :math:`N = \sum c_{t'}y_{t'}`
    (random signs) has the (T − 1)-fold convolution of that symmetric law (by FFT), and

    .. math:: \varepsilon = E\,[P(N < -S_\cap) + \tfrac12 P(N = -S_\cap)]

    (a zero sum is a tie, counted one half).
    """
    A = int(address_bits)
    Ts = np.atleast_1d(np.asarray(T, int))
    pi = _intersections(A, int(radius))
    p = sdm_activation(A, radius)
    D = stats.binom.pmf(np.arange(A + 1), A, 0.5)
    pi_D = np.clip(pi / p, 0, 1)  # a cue location also serves a write at distance D
    sig = D > 1e-15 * D.max()
    q = float(pi[int(distance)]) / p
    Sc = np.arange(L + 1)
    wc = stats.binom.pmf(Sc, L, p)
    keep = wc > 1e-13 * wc.max()
    out = np.zeros(len(Ts))
    for s_c, w in zip(Sc[keep], wc[keep]):
        s_c = int(s_c)
        ws = stats.binom.pmf(np.arange(s_c + 1), s_c, q)  # shared locations
        if s_c == 0:
            out += w * 0.5
            continue
        c = D[sig] @ stats.binom.pmf(np.arange(s_c + 1)[None, :], s_c, pi_D[sig][:, None])
        x = np.zeros(2 * s_c + 1)  # law of c y on -s_c..s_c
        x[s_c] = c[0]
        x[s_c + 1:] += c[1:] / 2
        x[:s_c] += c[1:][::-1] / 2
        for ti, t in enumerate(Ts):
            m = t - 1
            if m == 0:
                N = np.array([1.0])
            else:
                size = 2 * s_c * m + 1
                nfft = sfft.next_fast_len(size)
                N = sfft.irfft(sfft.rfft(x, nfft) ** m, nfft)[:size]
                N = np.clip(N, 0, None)
            half = (len(N) - 1) // 2
            cdf = np.cumsum(N)
            idx = half - np.arange(s_c + 1)  # position of N = -S_cap (< 0: impossible)
            at = np.maximum(idx, 0)
            below = np.where(idx > 0, cdf[np.maximum(idx - 1, 0)], 0.0)
            err = np.where(idx >= 0, below + 0.5 * N[at], 0.0)
            out[ti] += w * float(ws @ err)
    return out.reshape(np.shape(T)) if np.ndim(T) else float(out[0])


def sdm_best_radius(L: int, address_bits: int, criterion: float = 0.01,
                    T_max: int = 10**6) -> tuple[int, int]:
    """The radius whose capacity (writes at bit error ≤ criterion, exact cues) is largest,
    and that capacity. Kanerva's optimum p ≈ (2LT)^{-1/3} is its large-L form."""
    best = (0, 0)
    A = int(address_bits)
    for r in range(A // 2 + 1):
        if sdm_activation(A, r) * L < 0.5:
            continue
        T = largest(lambda t, r=r: sdm_bit_error(L, A, r, t) <= criterion, T_max)
        if T > best[1]:
            best = (r, T)
        elif best[1] and T < 0.7 * best[1]:
            break  # past the optimum
    return best


# --- Hopfield and fast weights ------------------------------------------------------------------

def hopfield_one_step(N: int, Q, cue_noise: float = 0.0):
    r"""Exact one-step bit error of a Hebbian network (zero diagonal) cued with F =
    round(νN) flipped bits, a zero field keeping the cue's bit: with M = (Q−1)(N−1) and the
    crosstalk C = 2B − M, B ~ Binomial(M, ½), a correct cue bit flips when C < −(N−1−2F), a
    flipped one stays wrong when C ≤ −(N+1−2F); the average weights them by F/N."""
    N = int(N)
    Q = np.asarray(Q, float)
    F = int(round(cue_noise * N))
    M = (Q - 1) * (N - 1)
    su, sf = N - 1 - 2 * F, N + 1 - 2 * F
    pu = stats.binom.cdf(np.ceil((M - su) / 2) - 1, M, 0.5)
    pf = stats.binom.cdf(np.floor((M - sf) / 2), M, 0.5)
    return (1 - F / N) * pu + (F / N) * pf


def hopfield_field_moments(N: int, Q, cue_noise: float = 0.0):
    """Mean and variance of the aligned field ξ_i h_i: the signal (N−1−2F_{−i})/N averaged
    over bits, and its spread plus the crosstalk variance (Q−1)(N−1)/N²."""
    F = int(round(cue_noise * N))
    f = F / N
    mean = (1 - f) * (N - 1 - 2 * F) / N + f * (N + 1 - 2 * F) / N
    return mean, (np.asarray(Q, float) - 1) * (N - 1) / N**2 + (2 / N) ** 2 * f * (1 - f)


def palimpsest_error(N: int, decay: float, age, length: int, cue_noise: float = 0.0):
    r"""One-shot bit error of the item of age a in a fast-weight memory of ``length`` items:
    signal λ^a(N−1−2F_{−i})/N against Gaussian crosstalk of variance
    :math:`(N-1)N^{-2}\sum_{a'\ne a}\lambda^{2a'}` (Gaussian approximation; exact binomial
    for λ = 1 in :func:`hopfield_one_step`)."""
    a = np.asarray(age, float)
    lam = float(decay)
    F = int(round(cue_noise * N))
    w2 = np.sum(lam ** (2 * np.arange(length)))
    var = (w2 - lam ** (2 * a)) * (N - 1) / N**2
    sd = np.sqrt(var)
    su, sf = (N - 1 - 2 * F) / N, (N + 1 - 2 * F) / N
    return (1 - F / N) * stats.norm.cdf(-lam**a * su / sd) + (F / N) * stats.norm.cdf(
        -lam**a * sf / sd)


def palimpsest_capacity(N: int, decay: float, length: int, cue_noise: float,
                        criterion: float = 0.01) -> int:
    """Items of a fast-weight stream retrieved in one shot at bit error ≤ criterion (the
    youngest ones): the number of ages a < length with :func:`palimpsest_error` ≤
    criterion (the error grows with a)."""
    err = palimpsest_error(N, decay, np.arange(length), length, cue_noise)
    return int(np.sum(np.cumprod(err <= criterion)))




# --- the models' theory ---------------------------------------------------------------------

class BinaryTheory(ModelTheory):
    """A memory of binary words: bit error, capacity at a bit-error criterion, and
    n(1 − H₂(ε)) bits per item of n bits with bit error ε."""

    def bit_error(self, n: int, Q, cue_noise: float, p: Params):
        raise NotImplementedError

    def bits(self, n: int, p: Params) -> int:
        """Bits per stored word."""
        return n

    def capacity(self, n, criterion=None, cue_noise=0.0, p=DEFAULT):
        """Largest Q with bit error ≤ ``criterion`` (default 0.01)."""
        c = 0.01 if criterion is None else criterion
        return largest(lambda q: self.bit_error(n, q, cue_noise, p) <= c, 10**7)

    def information(self, n, Q, cue_noise, p, measured=None):
        Q = np.asarray(Q, float)
        error = self.bit_error(n, Q, cue_noise, p) if measured is None else measured
        return Q * self.bits(n, p) * (1 - h2(error)) / self.model.stored(n, p.copies,
                                                                          p.data_bits)

    def rate_check(self, q, tag, where, probes, n, st, add):
        add(f"{self.name}:bit_error", f"bit_error_{tag}", f"{where}: bit error vs theory",
            float(q.bit_error_theory), q.bit_error.values,
            probes * self.bits(n, Params.of(st)), "bit error")


class WillshawTheory(BinaryTheory):
    """Willshaw net: exact false positives (errors are false positives: no misses for a
    subset cue); capacity at false positives ≤ criterion × the k active bits of a value
    (1 % of the bits that carry the value)."""

    measures = ("synapse_fraction", "false_positive_rate")
    kinds = {"false_positive_rate": "bit error"}

    def load_theory(self, n, Q, nu, p):
        k = willshaw_active(n, p.active)
        fp = willshaw_false_positive(n, k, Q, k - int(round(nu * k)))
        return {"false_positive_rate": fp, "bit_error": (n - k) / n * fp,
                "synapse_fraction": willshaw_synapse_fraction(n, k, Q), "miss_rate": 0.0}

    def bit_error(self, n, Q, cue_noise, p):
        k = willshaw_active(n, p.active)
        return (n - k) / n * willshaw_false_positive(n, k, Q, k - int(round(cue_noise * k)))

    def capacity(self, n, criterion=None, cue_noise=0.0, p=DEFAULT):
        c = 0.01 if criterion is None else criterion
        k = willshaw_active(n, p.active)
        return largest(lambda q: self.bit_error(n, q, cue_noise, p) * n <= c * k, 10**7)

    def level(self, n, p):
        return willshaw_active(n, p.active) / n

    def information(self, n, Q, cue_noise, p, measured=None):
        """:func:`willshaw_information`; from a measured bit error, its false positives."""
        k = willshaw_active(n, p.active)
        if measured is None:
            return willshaw_information(n, k, Q, k - int(round(cue_noise * k)))
        fp = np.asarray(measured) * n / (n - k)
        a = k / n
        return (np.asarray(Q, float) * n * (h2(a + (1 - a) * fp) - (1 - a) * h2(fp))
                / self.model.stored(n, p.copies, p.data_bits))

    def rate_check(self, q, tag, where, probes, n, st, add):
        pass  # the bit error is (n - k)/n x the false-positive rate: checked once, as that

    def count(self, measure, probes, n, st):
        if measure in self.kinds:
            return probes * (n - willshaw_active(n, int(st["willshaw_active"])))
        return None

    def model_checks(self, w):
        best = float(w.information_best_theory.max())
        return [chk.at_most(
            "willshaw_no_misses", "largest Willshaw miss rate over every point: a cue that "
            "is a subset of a stored key recalls every active value unit (theorem)", 0.0,
            float(w.miss_rate.max())),
            chk.at_most(
            "willshaw_information_below_ln2", "largest finite-n Willshaw information per "
            f"synapse over the storages ({best:.3f} bits) is below the n -> infinity limit "
            "ln 2 (theorem)", math.log(2), best)]


class SDMTheory(BinaryTheory):
    """Kanerva's SDM at the radius of largest capacity; its detail experiment varies the
    radius and the cue distance at that capacity."""

    measures = ("signal_mean", "active_locations", "crosstalk_var")

    def bits(self, n, p):
        return p.data_bits

    def load_theory(self, n, Q, nu, p):
        A, r = p.address_bits, p.radius
        d = int(round(nu * A))
        sig, var = sdm_moments(n, A, r, Q, d)
        return {"signal_mean": sig, "crosstalk_var": var, "crosstalk_mean": 0.0,
                "active_locations": n * sdm_activation(A, r),
                "bit_error": sdm_bit_error(n, A, r, Q, d)}

    def bit_error(self, n, Q, cue_noise, p):
        return sdm_bit_error(n, p.address_bits, p.radius, Q,
                             int(round(cue_noise * p.address_bits)))

    def reference(self, n, st):
        radius, q = sdm_best_radius(n, int(st["sdm_address_bits"]), self.criterion(st))
        return q, radius

    def detail_theory(self, pt, ds, p, st):
        n, A = int(pt["size"]), p.address_bits
        r0, T0 = int(pt.sdm_radius), float(pt.capacity_reference)
        return {"sdm_bit_error_vs_radius_theory": np.array([
                    sdm_bit_error(n, A, max(0, r0 + int(off)), T0)
                    for off in ds.radius_offset.values]),
                "sdm_bit_error_vs_cue_theory": np.array([
                    sdm_bit_error(n, A, r0, T0, int(round(nu * A)))
                    for nu in ds.sdm_cue_noise.values])}

    def detail_checks(self, pt, S, ds, add):
        T, P = ds.sizes["trial"], int(ds.attrs["n_probes"])
        events = P * T * int(ds.attrs["sdm_data_bits"])
        for off in ds.radius_offset.values:
            add("sdm:radius", f"sdm_radius_S{S}_off{off}", f"SDM storage {S}, radius "
                f"best{off:+d}: bit error vs theory", float(
                    pt.sdm_bit_error_vs_radius_theory.sel(radius_offset=off)),
                pt.sdm_bit_error_vs_radius.sel(radius_offset=off).values, events,
                "bit error")
        for nu in ds.sdm_cue_noise.values:
            add("sdm:cue", f"sdm_cue_S{S}_nu{nu:g}", f"SDM storage {S}, cue with {nu:g} "
                "flipped: bit error vs theory", float(
                    pt.sdm_bit_error_vs_cue_theory.sel(sdm_cue_noise=nu)),
                pt.sdm_bit_error_vs_cue.sel(sdm_cue_noise=nu).values, events, "bit error")


class HopfieldTheory(BinaryTheory):
    """Hopfield network: the exact one-step error and field moments at finite N; the stored
    information is read after one update, as for the other memories (the exact finite-N
    theory; the N -> infinity fixed point of AGS, 0.12 bits per coupling at alpha_c, is a
    limit the figures draw, not a theory at N = 32..90)."""

    measures = ("signal_mean", "signal_var")

    def load_theory(self, n, Q, nu, p):
        m, v = hopfield_field_moments(n, Q, nu)
        return {"signal_mean": m, "signal_var": v, "bit_error": hopfield_one_step(n, Q, nu),
                # 1/2 above alpha_c (no retrieval state)
                "bit_error_fixed_point": (1 - _hopfield.ags_overlap(Q / n)) / 2}

    def bit_error(self, n, Q, cue_noise, p):
        return hopfield_one_step(n, Q, cue_noise)

    def capacity(self, n, criterion=None, cue_noise=0.0, p=DEFAULT):
        c = 0.01 if criterion is None else criterion
        return largest(lambda q: q < 2 or hopfield_one_step(n, q, cue_noise) <= c, n)



class FastWeightsTheory(ModelTheory):
    """Fast weights: one-shot error against item age (:func:`palimpsest_error`); the
    capacity is the number of newest items retrieved at the criterion, at the best decay
    and the stream's own cue noise."""

    def reference(self, n, st):
        return np.nan, np.nan  # measured against age, not on the load grid

    def point_theory(self, pt, ds, st):
        n, L = int(pt["size"]), ds.sizes["age"]
        nu, crit = float(st["fastweights_cue_noise"]), self.criterion(st)
        decays = ds.decay.values
        K = ds.sizes["cue_noise"]
        cap_t, cap_s, cap_se = np.full(K, np.nan), np.full(K, np.nan), np.full(K, np.nan)
        cap_t[0] = max(palimpsest_capacity(n, lam, L, nu, crit) for lam in decays)

        def newest(err):  # counted as the theory counts: newest ages within the criterion
            return max(int(np.sum(np.cumprod(e <= crit))) for e in err)

        trials = pt.fw_bit_error_one_shot.transpose("decay", "age", "trial").values
        cap_s[0] = newest(trials.mean(axis=-1))
        cap_se[0] = jackknife(newest, trials)
        info_sim = np.full((ds.sizes["load"], K), np.nan)
        info_se = np.full_like(info_sim, np.nan)
        info_sim[0, 0] = cap_s[0] * n * (1 - h2(crit)) / n**2
        info_se[0, 0] = cap_se[0] * n * (1 - h2(crit)) / n**2
        return {"fw_bit_error_one_shot_theory": np.array([
                    palimpsest_error(n, lam, ds.age.values, L, nu) for lam in decays]),
                "capacity_theory": cap_t, "capacity_sim": cap_s, "capacity_sim_se": cap_se,
                "information_best_theory": cap_t[0] * n * (1 - h2(crit)) / n**2,
                "information_sim": info_sim, "information_sim_se": info_se}

    def checks(self, pt, S, ds, add):
        """One-shot error against age where the theory is between 1e-3 and 0.4."""
        T = ds.sizes["trial"]
        for lam in ds.decay.values:
            f = pt.sel(decay=lam)
            for a in ds.age.values:
                th_ = float(f.fw_bit_error_one_shot_theory.sel(age=a))
                if 1e-3 <= th_ <= 0.4:
                    add("fastweights:one_shot", f"fw_one_shot_S{S}_l{lam:g}_a{a}",
                        f"fast weights storage {S}, decay {lam:g}, age {a}: one-shot "
                        "bit error vs theory", th_, f.fw_bit_error_one_shot.sel(age=a).values,
                        int(f["size"]) * T, "bit error")
