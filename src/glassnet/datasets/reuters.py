"""Reuters newswire topics, as ``keras.datasets.reuters``: 11,228 newswires over 46 topics.

``load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,``
``start_char=1, oov_char=2, index_from=3) -> ((x_train, y_train), (x_test, y_test))``: Keras's
processing: all newswires are shuffled with ``np.random.RandomState(seed)``, the steps of
:mod:`glassnet.datasets._sequences` run, and the first ``int(n * (1 - test_split))`` (of those
kept) train.  ``get_word_index()`` maps words to ranks; ``get_label_names()`` names the 46 topics.

Read with glassnet's restricted pickle reader (never unpickled).  Sources as for ``imdb``;
integrity: the published hashes (SHA-256 of ``reuters.npz``, MD5 of ``reuters_word_index.json``).
"""
from __future__ import annotations

from . import _keras_files, _sequences
from ._files import DatasetError
from ._split import check_seed, check_test_split, keras_order
from .imdb import _arrays, check_options, load_word_index

FILE_NAME = "reuters.npz"
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
FILE_SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_NAME = "reuters_word_index.json"
WORD_INDEX_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
#: the topics, in the order of the labels (the names Keras gives)
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
    "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
    "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path=FILE_NAME, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """``((x_train, y_train), (x_test, y_test))`` exactly as Keras 3 computes them (see the module docstring)."""
    where = "reuters.load_data"
    num_words, skip_top, maxlen, start_char, oov_char, index_from = check_options(
        where, num_words, skip_top, maxlen, start_char, oov_char, index_from)
    test_split = check_test_split(test_split, where, allow_one=True)
    seed = check_seed(seed, where)
    local = _keras_files.locate(path, FILE_NAME, ORIGIN, FILE_SHA256, "Reuters (reuters.npz)")
    xs, labels = _arrays(local, ("x", "y"))
    if len(xs) != len(labels):
        raise DatasetError(f"{local}: {len(xs)} newswires but {len(labels)} labels")
    order = keras_order(len(xs), seed)
    flat, lengths = _sequences.flatten(xs[order], str(local))
    labels = labels[order]
    flat, lengths = _sequences.shift(flat, lengths, start_char, index_from)
    if maxlen:
        flat, lengths, labels = _sequences.keep_shorter(flat, lengths, maxlen, labels)
    words = _sequences.default_num_words(flat, num_words)
    flat, lengths = _sequences.limit_words(flat, lengths, words, skip_top, oov_char)
    cut = int(len(lengths) * (1 - test_split))
    boundary = int(lengths[:cut].sum())
    x_train = _sequences.to_object_array(flat[:boundary], lengths[:cut])
    x_test = _sequences.to_object_array(flat[boundary:], lengths[cut:])
    return (x_train, labels[:cut].copy()), (x_test, labels[cut:].copy())


def get_word_index(path=WORD_INDEX_NAME):
    """``{word: rank}`` of the Reuters data (rank 1 = most frequent; the data hold ``rank + index_from``)."""
    local = _keras_files.locate(path, WORD_INDEX_NAME, WORD_INDEX_ORIGIN, WORD_INDEX_MD5,
                                "the Reuters word index (reuters_word_index.json)")
    return load_word_index(local, "the Reuters word index")


def get_label_names():
    """The 46 topic names, index = label."""
    return LABEL_NAMES
