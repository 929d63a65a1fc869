"""Exact interpolated quantiles of many slices of one array, compiled with numba.

``metrics_period`` needs the median, p75 and p90 of every (scope, period): about 2.5 million slices of 8.4
million change durations at full size, most of them overlapping (a fact lies in up to 20 periods with the rolling
windows). DuckDB's windowed ``quantile_cont`` answers them with a merge-sort tree per column, which cost 21 s of
CPU (benchmarks/README.md). Here every slice is copied into a buffer and its order statistics are selected in
place (quickselect): linear work per slice, no tree, and both cores busy.

The result is DuckDB's ``quantile_cont``: NULLs (NaN) skipped; for n values and probability p, with
r = p * (n - 1), the interpolation between the floor(r)-th and ceil(r)-th smallest values,
``lo * (1 - d) + hi * d`` with d = r - floor(r); NaN for a slice without values.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# Slices are grouped into this many chunks per thread so that one long chunk does not leave a core idle.
_CHUNKS_PER_THREAD = 4


@intrinsic
def _fma(typingctx, a, b, c):  # pragma: no cover - compiled
    """a * b + c rounded once (LLVM's fma): how DuckDB's compiled interpolation rounds on this hardware, so that
    results equal its quantile_cont to the last bit."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(double, [double] * 3), "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


@njit(cache=True, nogil=True)
def _select(a: np.ndarray, left: int, right: int, k: int) -> None:  # pragma: no cover - compiled
    """Reorder ``a[left..right]`` (inclusive) so that ``a[k]`` holds the value of rank k, smaller or equal values
    before it and greater or equal values after it (Hoare's selection, median-of-three pivot)."""
    while right > left:
        mid = (left + right) >> 1
        if a[mid] < a[left]:
            a[mid], a[left] = a[left], a[mid]
        if a[right] < a[left]:
            a[right], a[left] = a[left], a[right]
        if a[right] < a[mid]:
            a[right], a[mid] = a[mid], a[right]
        pivot = a[mid]
        i = left
        j = right
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            right = j
        elif k >= i:
            left = i
        else:
            return


@njit(cache=True, nogil=True)
def _quantiles_of_slices(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, probs: np.ndarray, out: np.ndarray, first: int, last: int
) -> None:  # pragma: no cover - compiled
    """Fill ``out[q]`` for slices ``first <= q < last``; ``probs`` ascending."""
    width = 0
    for q in range(first, last):
        width = max(width, hi[q] - lo[q])
    buf = np.empty(width, dtype=np.float64)
    for q in range(first, last):
        n = 0
        for x in range(lo[q], hi[q]):
            v = values[x]
            if v == v:  # NaN is a NULL: skipped, as quantile_cont skips NULLs
                buf[n] = v
                n += 1
        if n == 0:
            for p in range(probs.shape[0]):
                out[q, p] = np.nan
            continue
        # After selecting rank f, everything right of f is >= it: the next, larger rank is looked for there only.
        placed = 0
        for p in range(probs.shape[0]):
            r = probs[p] * (n - 1)
            f = math.floor(r)
            if f >= placed:
                _select(buf, placed, n - 1, f)
                placed = f + 1
            low = buf[f]
            if r == f:
                out[q, p] = low
            else:
                high = buf[f + 1]  # the rank f + 1 value: the smallest of those right of f
                for y in range(f + 2, n):
                    if buf[y] < high:
                        high = buf[y]
                d = r - f
                out[q, p] = _fma(low, 1.0 - d, high * d)


def range_quantiles(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, probs: Sequence[float], threads: int | None = None
) -> np.ndarray:
    """Quantiles of ``values[lo[i]:hi[i]]`` for every i: an array of shape (len(lo), len(probs)).

    ``values`` float64 (NaN = NULL); ``lo``/``hi`` int64 slice bounds; ``probs`` ascending, in [0, 1].
    ``threads`` defaults to the machine's cores.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    lo = np.ascontiguousarray(lo, dtype=np.int64)
    hi = np.ascontiguousarray(hi, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or np.any(np.diff(p) < 0) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"probabilities must be ascending and within [0, 1]: {list(probs)}")
    if lo.shape != hi.shape or np.any(hi < lo) or (lo.size and (lo.min() < 0 or hi.max() > values.size)):
        raise ValueError("slice bounds must satisfy 0 <= lo <= hi <= len(values)")
    out = np.empty((lo.size, p.size), dtype=np.float64)
    if lo.size == 0:
        return out
    threads = threads or os.cpu_count() or 1
    bounds = _balanced_chunks(hi - lo, threads * _CHUNKS_PER_THREAD)
    if threads == 1 or len(bounds) <= 2:
        _quantiles_of_slices(values, lo, hi, p, out, 0, lo.size)
        return out
    # The compiled function releases the GIL, so plain threads share the slices.
    with ThreadPoolExecutor(threads) as pool:
        jobs = [
            pool.submit(_quantiles_of_slices, values, lo, hi, p, out, int(a), int(b))
            for a, b in itertools.pairwise(bounds)
        ]
        for job in jobs:
            job.result()
    return out


def warm_up() -> None:
    """Load the compiled code (from numba's cache, or compile it the first time: a few seconds) so that the first
    real call does not pay for it."""
    range_quantiles(np.array([1.0, np.nan, 2.0]), np.array([0, 1]), np.array([3, 3]), [0.5, 0.9])


def _balanced_chunks(widths: np.ndarray, chunks: int) -> np.ndarray:
    """Boundaries splitting consecutive slices into about ``chunks`` runs of similar total width."""
    work = np.cumsum(widths + 1)  # +1: an empty slice still costs a little
    cuts = np.searchsorted(work, np.linspace(0, work[-1], chunks + 1)[1:-1], side="right")
    return np.unique(np.concatenate([[0], cuts, [widths.size]])).astype(np.int64)
