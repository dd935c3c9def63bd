"""Keras's processing of word-index sequences (imdb, reuters), vectorised over one flat array.

Given sequences already in Keras's shuffled order:

1. each word index ``w`` becomes ``w + index_from``, and ``start_char`` (unless None) is put first;
2. with ``maxlen``, only sequences *shorter* than ``maxlen`` (counting ``start_char``) are kept;
3. ``num_words`` defaults to the largest index present (so, as in Keras, that one word itself
   falls outside ``skip_top <= w < num_words``); a word outside that range becomes ``oov_char``, or
   is dropped when ``oov_char`` is None.

The sequences are returned as Python lists of ints in an object array, as Keras returns them.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._files import DatasetError


def check_int(value, name, where, allow_none=False, low=None):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int{' or None' if allow_none else ''}; got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{where}: {name} must be >= {low}; got {value}")
    return int(value)


def flatten(seqs, what):
    """``(flat int64 array, lengths)`` of a sequence of integer lists, with a clear error on anything else."""
    try:
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        flat = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int64, count=int(lengths.sum()))
    except (TypeError, ValueError, OverflowError) as exc:
        raise DatasetError(f"{what}: the sequences must be lists of word indices (ints) ({exc})") from None
    return flat, lengths


def shift(flat, lengths, start_char, index_from):
    """Step 1: ``w + index_from``, and ``start_char`` first in each sequence."""
    flat = flat + index_from
    if start_char is None:
        return flat, lengths
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else np.zeros(0, np.int64)
    return np.insert(flat, starts, start_char), lengths + 1


def keep_shorter(flat, lengths, maxlen, *others):
    """Step 2: the sequences with ``len < maxlen`` (and the same rows of ``others``)."""
    keep = lengths < maxlen
    return (flat[np.repeat(keep, lengths)], lengths[keep]) + tuple(o[keep] for o in others)


def limit_words(flat, lengths, num_words, skip_top, oov_char):
    """Step 3 (``num_words`` already resolved)."""
    inside = (flat >= skip_top) & (flat < num_words)
    if oov_char is not None:
        return np.where(inside, flat, oov_char), lengths
    segment = np.repeat(np.arange(len(lengths)), lengths)
    return flat[inside], np.bincount(segment[inside], minlength=len(lengths)).astype(np.int64)


def to_object_array(flat, lengths):
    """Python lists of ints, in a NumPy object array built as Keras builds it (``np.array(lists, dtype=object)``)."""
    parts = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
    return np.array([p.tolist() for p in parts], dtype="object")


def default_num_words(flat, num_words):
    """Keras's ``num_words or max(word index)``."""
    return num_words if num_words else (int(flat.max()) if flat.size else 0)
