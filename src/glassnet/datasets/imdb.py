"""IMDB movie-review sentiment, as ``keras.datasets.imdb``: 25,000 training and 25,000 test reviews.

``load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,``
``oov_char=2, index_from=3) -> ((x_train, y_train), (x_test, y_test))``: each review a list of word
indices (words ranked by frequency; 0 is padding), in object arrays; labels 0 (negative) / 1
(positive).  Keras's processing, step by step: the training and test sets are each shuffled with
the same ``np.random.RandomState(seed)`` (training first), then the steps of
:mod:`glassnet.datasets._sequences` run on both sets together (``num_words`` defaults to the
largest index of either).  ``get_word_index()`` gives the word -> rank dictionary (add
``index_from`` to read the data).

The ``.npz`` holds object arrays (Python pickles): it is read by glassnet's restricted reader, never
unpickled.  Sources: ``path`` (a cache name, or a local copy with a folder part), the cache,
``GLASSNET_DATASETS_MIRROR``, Keras's URL; integrity: the hashes Keras publishes for the files
(SHA-256 of ``imdb.npz``, MD5 of ``imdb_word_index.json``).
"""
from __future__ import annotations

import json
import warnings

import numpy as np

from . import _keras_files, _sequences
from ._files import DatasetError
from ._restricted_pickle import load_npz
from ._split import check_seed

FILE_NAME = "imdb.npz"
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
FILE_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_NAME = "imdb_word_index.json"
WORD_INDEX_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


def _arrays(path, keys):
    data = load_npz(path)
    missing = [k for k in keys if k not in data]
    if missing:
        raise DatasetError(f"{path}: missing array(s) {', '.join(missing)}; it has {', '.join(sorted(data))}")
    for k in keys:
        if data[k].ndim != 1:
            raise DatasetError(f"{path}: {k} must be one-dimensional, it has shape {data[k].shape}")
    return [data[k] for k in keys]


def check_options(where, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    ci = _sequences.check_int
    return (ci(num_words, "num_words", where, allow_none=True, low=0), ci(skip_top, "skip_top", where, low=0),
            ci(maxlen, "maxlen", where, allow_none=True, low=0), ci(start_char, "start_char", where, allow_none=True),
            ci(oov_char, "oov_char", where, allow_none=True), ci(index_from, "index_from", where, low=0))


def load_data(path=FILE_NAME, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """``((x_train, y_train), (x_test, y_test))`` exactly as Keras 3 computes them (see the module docstring)."""
    where = "imdb.load_data"
    if kwargs:
        warnings.warn(f"{where}: ignoring unknown argument(s) {', '.join(sorted(kwargs))} (as Keras 3 does)",
                      stacklevel=2)
    num_words, skip_top, maxlen, start_char, oov_char, index_from = check_options(
        where, num_words, skip_top, maxlen, start_char, oov_char, index_from)
    seed = check_seed(seed, where)
    local = _keras_files.locate(path, FILE_NAME, ORIGIN, FILE_SHA256, "IMDB (imdb.npz)")
    x_train, y_train, x_test, y_test = _arrays(local, ("x_train", "y_train", "x_test", "y_test"))
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if len(x) != len(y):
            raise DatasetError(f"{local}: {len(x)} {part} reviews but {len(y)} labels")
    rng = np.random.RandomState(seed)          # one generator, drawn first for train then for test, as Keras
    order_train = np.arange(len(x_train))
    rng.shuffle(order_train)
    order_test = np.arange(len(x_test))
    rng.shuffle(order_test)
    sets = []
    for x, y, order in ((x_train, y_train, order_train), (x_test, y_test, order_test)):
        flat, lengths = _sequences.flatten(x[order], str(local))
        flat, lengths = _sequences.shift(flat, lengths, start_char, index_from)
        y = y[order]
        if maxlen:
            flat, lengths, y = _sequences.keep_shorter(flat, lengths, maxlen, y)
        sets.append([flat, lengths, y])
    if maxlen and (len(sets[0][1]) == 0 or len(sets[1][1]) == 0):
        raise ValueError(f"{where}: after filtering for sequences shorter than maxlen={maxlen}, no sequence was "
                         f"kept. Increase maxlen.")
    words = _sequences.default_num_words(np.concatenate([sets[0][0], sets[1][0]]), num_words)
    out = []
    for flat, lengths, y in sets:
        flat, lengths = _sequences.limit_words(flat, lengths, words, skip_top, oov_char)
        out.append((_sequences.to_object_array(flat, lengths), y))
    return out[0], out[1]


def load_word_index(path, what):
    """A ``{word: rank}`` JSON file, checked to be exactly that."""
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a JSON word index ({exc})") from None
    if not isinstance(index, dict) or not all(isinstance(k, str) and isinstance(v, int) for k, v in index.items()):
        raise DatasetError(f"{path}: {what} must map words (strings) to ranks (ints)")
    return index


def get_word_index(path=WORD_INDEX_NAME):
    """``{word: rank}`` of the IMDB data (rank 1 = most frequent; the data hold ``rank + index_from``)."""
    local = _keras_files.locate(path, WORD_INDEX_NAME, WORD_INDEX_ORIGIN, WORD_INDEX_MD5,
                                "the IMDB word index (imdb_word_index.json)")
    return load_word_index(local, "the IMDB word index")
