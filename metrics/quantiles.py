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


@njit(cache=True, nogil=True)
def _take(
    values: np.ndarray, index: np.ndarray, out: np.ndarray, first: int, last: int
) -> None:  # pragma: no cover - compiled
    for i in range(first, last):
        out[i] = values[index[i]]


@njit(cache=True, nogil=True)
def _group_order(
    groups: np.ndarray, keys: np.ndarray, max_group: int, max_key: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = keys.size
    # The items in key order (stable)...
    start = np.zeros(max_key + 2, dtype=np.int64)
    for i in range(n):
        start[keys[i] + 1] += 1
    for k in range(1, start.size):
        start[k] += start[k - 1]
    by_key = np.empty(n, dtype=np.int64)
    for i in range(n):
        by_key[start[keys[i]]] = i
        start[keys[i]] += 1
    # ...then dealt into their groups in that order, so each group's entries stay in key order.
    first = np.zeros(max_group + 2, dtype=np.int64)
    for r in range(groups.shape[0]):
        for i in range(n):
            if groups[r, i] > 0:
                first[groups[r, i] + 1] += 1
    for g in range(1, first.size):
        first[g] += first[g - 1]
    out_group = np.empty(first[-1], dtype=np.int64)
    out_item = np.empty(first[-1], dtype=np.int64)
    for j in range(n):
        i = by_key[j]
        for r in range(groups.shape[0]):
            g = groups[r, i]
            if g > 0:
                out_group[first[g]] = g
                out_item[first[g]] = i
                first[g] += 1
    return out_group, out_item


def range_quantiles(
    values: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    probs: Sequence[float],
    threads: int | None = None,
    index: np.ndarray | None = None,
) -> np.ndarray:
    """Quantiles of ``values[lo[i]:hi[i]]`` for every i: an array of shape (len(lo), len(probs)).

    ``values`` float64 (NaN = NULL); ``lo``/``hi`` int64 slice bounds; ``probs`` ascending, in [0, 1].
    With ``index``, the slices are of ``values[index]`` (gathered here, in parallel). ``threads`` defaults to the
    machine's cores.
    """
    threads = threads or os.cpu_count() or 1
    values = np.ascontiguousarray(values, dtype=np.float64)
    if index is not None:
        values = take(values, index, threads)
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


def take(values: np.ndarray, index: np.ndarray, threads: int | None = None) -> np.ndarray:
    """``values[index]``, gathered by several threads (a random gather of millions of values is memory-bound)."""
    index = np.ascontiguousarray(index, dtype=np.int64)
    if index.size and (index.min() < 0 or index.max() >= values.size):
        raise ValueError("index out of range")
    out = np.empty(index.size, dtype=values.dtype)
    threads = threads or os.cpu_count() or 1
    bounds = np.linspace(0, index.size, threads + 1).astype(np.int64)
    if threads == 1:
        _take(values, index, out, 0, index.size)
        return out
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(_take, values, index, out, int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        for job in jobs:
            job.result()
    return out


def group_order(groups: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item once per group it belongs to, sorted by (group, key): the group of each entry and its item.

    ``groups`` has one row per grouping (shape (k, n): item i belongs to groups[0, i] .. groups[k - 1, i]; 0 is no
    group) and ``keys`` one small non-negative integer per item (a day index). Two counting sorts: linear time.
    """
    groups = np.ascontiguousarray(groups, dtype=np.int64)
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    if groups.ndim != 2 or groups.shape[1] != keys.size:
        raise ValueError("groups must have shape (k, len(keys))")
    if keys.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if keys.min() < 0 or groups.min() < 0:
        raise ValueError("groups and keys must not be negative")
    return _group_order(groups, keys, int(groups.max()), int(keys.max()))


def warm_up() -> None:
    """Load the compiled code (from numba's cache, or compile it the first time: a few seconds) so that the first
    real call does not pay for it."""
    _, items = group_order(np.array([[1, 2, 1]]), np.array([3, 1, 2]))
    range_quantiles(np.array([1.0, np.nan, 2.0]), np.array([0, 1]), np.array([3, 3]), [0.5, 0.9], index=items)


def _balanced_chunks(widths: np.ndarray, chunks: int) -> np.ndarray:
    """Boundaries splitting consecutive slices into about ``chunks`` runs of similar total width."""
    work = np.cumsum(widths + 1)  # +1: an empty slice still costs a little
    cuts = np.searchsorted(work, np.linspace(0, work[-1], chunks + 1)[1:-1], side="right")
    return np.unique(np.concatenate([[0], cuts, [widths.size]])).astype(np.int64)
