"""numpy's default bit generator, PCG64, drawn inline inside numba kernels.

A numba kernel that calls ``Generator.random()`` pays an indirect call into numpy per number (about
8 ns); the spot loop of :func:`darkmiss.shower.parametrized.deposit_showers` draws four numbers a spot.
Here the same generator runs inside the kernel:

* the caller hands the kernel the Generator's state as ``uint64[4]`` (:func:`state_of`), the kernel
  draws with :func:`uniform`, :func:`normal`, :func:`gamma_mt`, :func:`exponential`, and the caller
  puts the advanced state back (:func:`restore`), so that the Generator goes on after the kernel's
  last draw (:func:`drawing` does both around a call);
* :func:`next_uint64` is PCG64: a 128-bit LCG with the XSL-RR output (O'Neill, "PCG: A family of
  simple fast space-efficient statistically good algorithms for random number generation",
  HMC-CS-2014-0905), with numpy's multiplier; its numbers, and those of :func:`uniform` (53 bits,
  numpy's ``next_double``), are numpy's own, bit for bit (tests/shower/test_pcg64.py);
* :func:`normal` is numpy's ziggurat (Marsaglia & Tsang, J. Stat. Softw. 5 (2000) 8; 256 layers,
  r = 3.6541528853610088) with tables computed here: it agrees with ``Generator.standard_normal``
  draw for draw to ~1e-10 (the tables' last bits);
* :func:`gamma_mt` is Marsaglia & Tsang's gamma method (ACM TOMS 26 (2000) 363), as numpy's for
  shape > 1 (:func:`gamma` for any shape); :func:`poisson` inverts the CDF by sequential search;
  :func:`exponential` inverts the CDF.

A Generator on another bit generator hands over a PCG64 seeded from its own stream instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

#: numpy's PCG64 multiplier (PCG_DEFAULT_MULTIPLIER_128)
_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_MASK64 = (1 << 64) - 1


@intrinsic
def _pcg_step(typingctx, state):
    """Advance ``state`` (uint64[4]: state hi, lo, increment hi, lo) and return the XSL-RR output."""
    sig = types.uint64(state)

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        i64, i128 = ir.IntType(64), ir.IntType(128)

        def slot(k: int):
            return builder.gep(arr.data, [ir.Constant(i64, k)])

        def word128(hi, lo):
            h = builder.shl(builder.zext(builder.load(hi), i128), ir.Constant(i128, 64))
            return builder.or_(h, builder.zext(builder.load(lo), i128))

        s = word128(slot(0), slot(1))
        inc = word128(slot(2), slot(3))
        s = builder.add(builder.mul(s, ir.Constant(i128, _MULT)), inc)
        hi = builder.trunc(builder.lshr(s, ir.Constant(i128, 64)), i64)
        lo = builder.trunc(s, i64)
        builder.store(hi, slot(0))
        builder.store(lo, slot(1))
        x = builder.xor(hi, lo)
        rot = builder.lshr(hi, ir.Constant(i64, 58))
        left = builder.and_(builder.sub(ir.Constant(i64, 0), rot), ir.Constant(i64, 63))
        return builder.or_(builder.lshr(x, rot), builder.shl(x, left))

    return sig, codegen


@numba.njit(inline="always")
def next_uint64(state: np.ndarray) -> np.uint64:
    """The next 64-bit output of the PCG64 ``state`` (numpy's ``next_uint64``)."""
    return _pcg_step(state)  # type: ignore[call-arg]  # numba supplies the typing context


@numba.njit(inline="always")
def uniform(state: np.ndarray) -> float:
    """Uniform on [0, 1) with 53 bits (numpy's ``next_double``: the top 53 bits × 2⁻⁵³)."""
    return float(next_uint64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(k_i, w_i, f_i) of the 256-layer normal ziggurat with 52-bit mantissas (Marsaglia & Tsang 2000)."""
    ki = np.zeros(256, dtype=np.int64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    m = 2.0**52
    dn = tn = _ZIG_R
    vn = 0.00492867323399  # area of each layer
    q = vn / math.exp(-0.5 * dn * dn)
    ki[0] = int(dn / q * m)
    wi[0] = q / m
    wi[255] = dn / m
    fi[0] = 1.0
    fi[255] = math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = int(dn / tn * m)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m
    return ki, wi, fi


_ZIG_R = 3.6541528853610088
_ZIG_INV_R = 1.0 / _ZIG_R
_KI, _WI, _FI = _ziggurat_tables()


@numba.njit(inline="always")
def normal(state: np.ndarray) -> float:
    """Standard normal: numpy's ziggurat on one 64-bit draw (8 bits layer, 1 sign, 52 mantissa)."""
    while True:
        r = next_uint64(state)
        idx = np.int64(r & np.uint64(0xFF))
        rabs = np.int64((r >> np.uint64(9)) & np.uint64(0x000FFFFFFFFFFFFF))
        sign = 1.0 - 2.0 * float(np.int64((r >> np.uint64(8)) & np.uint64(1)))
        x = sign * (rabs * _WI[idx])
        if rabs < _KI[idx]:
            return x  # inside the layer's rectangle: 99 % of the draws
        if idx == 0:
            # the tail beyond r (Marsaglia 1964)
            while True:
                xx = -_ZIG_INV_R * math.log1p(-uniform(state))
                yy = -math.log1p(-uniform(state))
                if yy + yy > xx * xx:
                    return -(_ZIG_R + xx) if (rabs >> 8) & 1 else _ZIG_R + xx
        elif (_FI[idx - 1] - _FI[idx]) * uniform(state) + _FI[idx] < math.exp(-0.5 * x * x):
            return x


@numba.njit(inline="always")
def gamma_mt(state: np.ndarray, d: float, c: float) -> float:
    """Γ(α, 1) for α > 1, given d = α − 1/3 and c = 1/√(9d) (Marsaglia & Tsang, ACM TOMS 26 (2000) 363)."""
    while True:
        g = normal(state)
        v = 1.0 + c * g
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(state)
        g2 = g * g
        if u < 1.0 - 0.0331 * g2 * g2:  # the squeeze: accepted without a logarithm
            return d * v
        if math.log(u) < 0.5 * g2 + d * (1.0 - v + math.log(v)):
            return d * v


@numba.njit(cache=True)
def gamma(state: np.ndarray, alpha: float) -> float:
    """Γ(α, 1) for any α > 0 (0 for α ≤ 0): :func:`gamma_mt`, and for α < 1 Γ(α + 1) U^(1/α)
    (Marsaglia & Tsang 2000, Sec. 6)."""
    if alpha <= 0.0:
        return 0.0
    if alpha < 1.0:
        d = alpha + 2.0 / 3.0
        return gamma_mt(state, d, 1.0 / math.sqrt(9.0 * d)) * uniform(state) ** (1.0 / alpha)
    d = alpha - 1.0 / 3.0
    return gamma_mt(state, d, 1.0 / math.sqrt(9.0 * d))


@numba.njit(cache=True)
def poisson(state: np.ndarray, lam: float) -> int:
    """Poisson of mean ``lam`` (0 for lam ≤ 0): inversion by sequential search (Devroye, *Non-Uniform
    Random Variate Generation*, 1986, Sec. X.3.2), one uniform per part of mean ≤ 10, the parts summed
    (a sum of independent Poisson variates is Poisson); U < 1 − λ gives 0 without e^−λ."""
    n = 0
    while lam > 0.0:
        part = min(lam, 10.0)
        lam -= part
        u = uniform(state)
        if u < 1.0 - part:
            continue  # k = 0, since 1 − λ ≤ e^−λ: most draws of a small mean need no exponential
        k = 0
        p = math.exp(-part)
        f = p
        while u > f and p > 0.0:
            k += 1
            p *= part / k
            f += p
        n += k
    return n


@numba.njit(inline="always")
def exponential(state: np.ndarray) -> float:
    """Exponential of mean 1, by inverting its CDF: −ln(1 − U)."""
    return -math.log1p(-uniform(state))


def state_of(rng: np.random.Generator) -> np.ndarray:
    """The Generator's PCG64 state as ``uint64[4]`` for a kernel; hand it back with :func:`restore`.

    A Generator on another bit generator gives the state of a PCG64 seeded from two of its 64-bit draws."""
    bg = rng.bit_generator
    if not isinstance(bg, np.random.PCG64):
        bg = np.random.PCG64(np.random.SeedSequence(bg.random_raw(2).tolist()))
    s = bg.state["state"]
    return np.array(
        [s["state"] >> 64, s["state"] & _MASK64, s["inc"] >> 64, s["inc"] & _MASK64], dtype=np.uint64
    )


def restore(rng: np.random.Generator, state: np.ndarray) -> None:
    """Put a kernel's advanced ``state`` back into ``rng`` (nothing for a non-PCG64 Generator, whose own
    stream already moved on when :func:`state_of` drew the seed)."""
    bg = rng.bit_generator
    if not isinstance(bg, np.random.PCG64):
        return
    st = bg.state
    st["state"] = {
        "state": (int(state[0]) << 64) | int(state[1]),
        "inc": (int(state[2]) << 64) | int(state[3]),
    }
    bg.state = st


@contextmanager
def drawing(rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``with drawing(rng) as state:`` a kernel call drawing from ``state``; ``rng`` goes on after its last
    draw (:func:`state_of`, then :func:`restore`)."""
    state = state_of(rng)
    yield state
    restore(rng, state)
