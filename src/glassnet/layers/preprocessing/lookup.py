"""``StringLookup`` and ``IntegerLookup``: tokens <-> indices through a vocabulary.

Index layout (Keras's), with ``m = 1`` if a ``mask_token`` is set and ``output_mode='int'`` else 0,
and ``k = num_oov_indices``::

    0 .. m-1          the mask token (index 0)
    m .. m+k-1        out-of-vocabulary (OOV) buckets
    m+k ..            the vocabulary's tokens, in order

Forward (``invert=False``): a token in the vocabulary gives its index; the mask token gives 0
(in the other output modes it is dropped); any other token goes to an OOV bucket:
``m`` when k = 1; for k > 1, ``m + (x mod k)`` for integers, ``m + Fingerprint64(utf-8) mod k``
for strings (SipHash with ``salt``); k = 0 makes an unknown token an error. ``invert=True`` maps
indices back to tokens (unknown indices give ``oov_token``, 0 gives the mask token).
Then ``one_hot`` / ``multi_hot`` / ``count`` encode the indices over ``vocabulary_size()``
slots (or ``max_tokens`` with ``pad_to_max_tokens``), and ``tf_idf`` multiplies the counts by the
IDF weights.

``adapt(data)`` counts every token and keeps the most frequent ones, ordered by count (high to
low) with ties broken by the token, high to low (bytes order for strings), as Keras does; with
``max_tokens`` only the first ``max_tokens - m - k``. For ``tf_idf`` the weights are
``idf = log(1 + documents / (1 + documents containing the token))`` (a document is a row; the
special slots get the mean idf). The lookup itself is vectorised: ``searchsorted`` on the sorted
vocabulary.

Saving: a vocabulary given to the constructor is in the config (``vocabulary``); an adapted one
is written, as Keras writes it, to the asset file ``vocabulary.txt`` (one token a line, specials
first) of the layer inside the ``.keras`` archive (see :meth:`IndexLookup.save_assets`).
"""
from __future__ import annotations

import collections
import numbers
import os

import numpy as np

from ... import config
from ..base import LAYERS
from ._common import MAX_FILE_BYTES, PreprocessingLayer, check_int_arg, encode, encoded_shape, is_batch_iterable
from ._common import to_numpy
from ._hash import hash_matrix, utf8_matrix

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_INT64_MAX = np.iinfo(np.int64).max


class IndexLookup(PreprocessingLayer):
    """Shared machinery of StringLookup and IntegerLookup (Keras's ``IndexLookup``)."""

    vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, vocabulary_size=None, has_input_vocabulary=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(**kwargs)
        where = self._where()
        if max_tokens is not None:
            if isinstance(max_tokens, bool) or not isinstance(max_tokens, numbers.Integral) or max_tokens <= 1:
                raise ValueError(f"{where}: max_tokens must be an integer greater than 1 or None, got {max_tokens!r}")
            max_tokens = int(max_tokens)
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs max_tokens, got max_tokens=None")
        self.num_oov_indices = check_int_arg(num_oov_indices, "num_oov_indices", where, low=0)
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{where}: oov_method must be 'floormod' or 'farmhash', got {oov_method!r}")
        if salt is not None:
            if self.vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"{where}: salt can only be used with oov_method='farmhash', got oov_method="
                                 f"{oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(salt[0]), int(salt[1])]
            elif isinstance(salt, numbers.Integral) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{where}: salt must be an integer or a pair of integers, got {salt!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {', '.join(_MODES)}, got {output_mode!r}")
        if invert and output_mode != "int":
            raise ValueError(f"{where}: invert=True needs output_mode='int', got output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported by glassnet (no sparse tensors); use False")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{where}: idf_weights is only used with output_mode='tf_idf', got output_mode="
                             f"{output_mode!r}")
        self.max_tokens = max_tokens
        self.mask_token = self._check_token(mask_token, "mask_token")
        self.oov_token = self._check_token(oov_token, "oov_token")
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = vocabulary_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, (str, os.PathLike)) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = (vocabulary is not None) if has_input_vocabulary is None \
            else bool(has_input_vocabulary)
        self._tokens = None
        self.idf_weights = None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{where}: with output_mode='tf_idf' and a vocabulary, idf_weights must be given too")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---------------------------------------------------------------- helpers
    def _where(self):
        return f"{type(self).__name__} {self.name!r}"

    def _check_token(self, token, name):
        return token

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _to_tokens(self, x: np.ndarray, name: str) -> np.ndarray:
        """Inputs -> this layer's token dtype ('U' strings or int64)."""
        raise NotImplementedError

    # ------------------------------------------------------------- vocabulary
    def vocabulary_size(self) -> int:
        """Size of the vocabulary including the mask and OOV slots (Keras's ``vocabulary_size()``)."""
        if self._tokens is None:
            return self._token_start_index() if self._frozen_vocab_size is None else int(self._frozen_vocab_size)
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The tokens by index: mask (int mode), OOV tokens, then the vocabulary."""
        tokens = [] if self._tokens is None else self._tokens.tolist()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        vocab = specials + tokens
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def _read_vocabulary_file(self, path):
        where = self._where()
        if not os.path.isfile(path):
            raise ValueError(f"{where}: vocabulary file {path!r} does not exist")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{where}: output_mode='tf_idf' does not support a vocabulary file; pass a list")
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise ValueError(f"{where}: vocabulary file {path!r} is larger than {MAX_FILE_BYTES} bytes")
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return self._parse_lines(lines)

    def _parse_lines(self, lines):
        return lines

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (a list / array of unique tokens, or a text file path, one token a line).

        Leading special tokens (mask, OOV in index order) are recognised and skipped; a repeated token,
        or a mask / OOV token elsewhere, is an error. ``idf_weights`` is required for ``tf_idf``.
        """
        where = self._where()
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{where}: idf_weights must be given with output_mode='tf_idf'")
        elif idf_weights is not None:
            raise ValueError(f"{where}: idf_weights is only used with output_mode='tf_idf', got output_mode="
                             f"{self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(os.fspath(vocabulary))
        vocab = self._to_tokens(to_numpy(vocabulary, "vocabulary", where), "vocabulary").reshape(-1)
        if vocab.size == 0:
            raise ValueError(f"{where}: vocabulary is empty; give at least one token")
        token_start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_specials = len(vocab) >= token_start and vocab[:token_start].tolist() == specials
        tokens = vocab[token_start:] if found_specials else vocab
        repeated = [t for t, c in collections.Counter(tokens.tolist()).items() if c > 1]
        if repeated:
            raise ValueError(f"{where}: vocabulary has repeated tokens {repeated[:10]}; each token must appear "
                             f"once (make the vocabulary unique)")
        if self.mask_token is not None and self.mask_token in tokens.tolist():
            raise ValueError(f"{where}: vocabulary contains the mask token {self.mask_token!r} after the start; "
                             f"leave the mask and OOV tokens out, or put them first in this order: {specials}")
        if self.oov_token is not None and self.invert and self.oov_token in tokens.tolist():
            raise ValueError(f"{where}: vocabulary contains the OOV token {self.oov_token!r} after the start; "
                             f"leave the mask and OOV tokens out, or put them first in this order: {specials}")
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{where}: the vocabulary has {size} entries with the special tokens, more than "
                             f"max_tokens={self.max_tokens}")
        if self.output_mode == "tf_idf":
            w = np.asarray(idf_weights, dtype=np.float64)
            if w.ndim != 1 or len(w) != len(vocab):
                raise ValueError(f"{where}: idf_weights must be a flat list as long as vocabulary ({len(vocab)}), "
                                 f"got shape {w.shape}")
            front = 0 if found_specials else token_start
            front_value = 0.0 if found_specials else float(np.average(w))
            back = self.max_tokens - front - len(w) if self.pad_to_max_tokens else 0
            self.idf_weights = np.pad(w, (front, back), "constant",
                                      constant_values=(front_value, 0.0)).astype(config.floatx())
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        where = self._where()
        if (self._frozen_vocab_size is not None and self._tokens is not None and self.output_mode != "int"
                and not self.pad_to_max_tokens
                and len(tokens) + self._token_start_index() != self._frozen_vocab_size):
            raise RuntimeError(f"{where}: with output_mode={self.output_mode!r} the vocabulary size cannot change "
                               f"once set (was {self._frozen_vocab_size}, new {len(tokens) + self._token_start_index()})")
        self._tokens = np.asarray(tokens)
        order = np.argsort(self._tokens, kind="stable")
        self._sorted_keys = self._tokens[order]
        self._sorted_index = order.astype(np.int64) + self._token_start_index()
        self._frozen_vocab_size = self.vocabulary_size()
        if self.built:
            self.output_shape = self.compute_output_shape(self.input_shape)

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, steps=None):
        """Build the vocabulary from ``data`` by token frequency (see the module docstring).

        ``data``: an array, list or pandas column (one batch; a 1-D array is a column of one-token
        rows), or an iterator of batches.
        """
        where = f"{self._where()}: adapt"
        if self._has_input_vocabulary:
            raise ValueError(f"{where}: the layer was given a vocabulary (the vocabulary argument or "
                             f"set_vocabulary()); it cannot also be adapted")
        if is_batch_iterable(data) and not isinstance(data, (list, tuple)):
            batches = []
            for i, b in enumerate(data):
                if steps is not None and i >= steps:
                    break
                b = to_numpy(b[0] if isinstance(b, tuple) else b, f"data (batch {i})", where)
                batches.append(b.reshape(1, -1) if b.ndim <= 1 else b)
        else:
            b = to_numpy(data, "data", where)
            batches = [b.reshape(-1, 1) if b.ndim <= 1 else b]
        batches = [self._to_tokens(b, "data") for b in batches]
        if sum(b.size for b in batches) == 0:
            raise ValueError(f"{where}: data is empty; need at least one token to build a vocabulary")
        flat = np.concatenate([b.reshape(-1) for b in batches])
        uniques, inverse = np.unique(flat, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), minlength=len(uniques))
        drop = np.zeros(len(uniques), dtype=bool)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                drop |= uniques == special
        order = np.lexsort((uniques, counts))[::-1]          # count high -> low, ties: token high -> low
        order = order[~drop[order]]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = uniques[order]
        if self.output_mode == "tf_idf":
            rank = np.full(len(uniques), -1, dtype=np.int64)
            rank[order] = np.arange(len(order))
            doc_counts = np.zeros(len(order), dtype=np.int64)
            n_docs = 0
            offset = 0
            for b in batches:                         # one vectorised pass per batch
                rows = b.reshape(b.shape[0], -1) if b.ndim > 1 else b.reshape(1, -1)
                ids = rank[inverse[offset:offset + rows.size]].reshape(rows.shape)
                offset += rows.size
                r = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)
                keep = ids >= 0
                pairs = np.unique(r[keep] * (len(order) + 1) + ids[keep])
                doc_counts += np.bincount(pairs % (len(order) + 1), minlength=len(order) + 1)[:len(order)]
                n_docs += rows.shape[0]
            idf = np.log(1 + n_docs / (1 + doc_counts)).astype(config.floatx())
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf) if idf.size else 0.0)
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size), constant_values=0.0)
            self.idf_weights = idf.astype(config.floatx())
        self._set_tokens(tokens)

    # ---------------------------------------------------------------- forward
    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        return self._frozen_vocab_size

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self._depth()
        if depth is None:
            raise ValueError(f"{self._where()}: with output_mode={self.output_mode!r} the vocabulary must be set "
                             f"(vocabulary argument or adapt()) before the layer is built into a model")
        return encoded_shape(tuple(input_shape), self.output_mode, depth)

    def _require_vocabulary(self):
        if self._tokens is None:
            raise ValueError(f"{self._where()}: the layer has no vocabulary yet: pass vocabulary=... when "
                             f"creating it, or call adapt(data) before using it")

    def _oov_buckets(self, keys):
        """OOV bucket (before the offset m) of each key, for num_oov_indices > 1."""
        k = self.num_oov_indices
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return np.mod(keys, k)
        mat, lengths = utf8_matrix(keys.astype(str) if keys.dtype.kind != "U" else keys)
        codes = hash_matrix(mat, lengths, self.salt) % np.uint64(k)
        return codes.astype(np.int64).reshape(keys.shape)

    def _lookup(self, keys):
        if len(self._sorted_keys) == 0:
            out = np.full(keys.shape, -1, dtype=np.int64)
            return self._finish_lookup(keys, out)
        pos = np.searchsorted(self._sorted_keys, keys)
        pos_c = np.minimum(pos, len(self._sorted_keys) - 1)
        found = self._sorted_keys[pos_c] == keys
        out = np.where(found, self._sorted_index[pos_c], -1).astype(np.int64)
        return self._finish_lookup(keys, out)

    def _finish_lookup(self, keys, out):
        """Mask slot, then OOV buckets for the keys not found (out == -1)."""
        if self.mask_token is not None:
            out = np.where(keys == self.mask_token, 0 if self.output_mode == "int" else _INT64_MAX, out)
        unknown = out == -1
        if unknown.any():
            if self.num_oov_indices == 0:
                bad = np.unique(keys[unknown])[:10].tolist()
                raise ValueError(f"{self._where()}: with num_oov_indices=0 every input must be in the vocabulary; "
                                 f"found unknown values {bad}; set num_oov_indices=1 to map them to an OOV index")
            if self.num_oov_indices == 1:
                out[unknown] = self._oov_start_index()
            else:
                out[unknown] = self._oov_buckets(keys[unknown]) + self._oov_start_index()
        return out

    def _invert(self, indices):
        table = np.empty(self.vocabulary_size(), dtype=object)       # object: no truncation of long tokens
        table[:] = self.oov_token
        table[self._token_start_index():] = self._tokens.tolist()
        valid = (indices >= 0) & (indices < len(table))
        out = np.where(valid, table[np.where(valid, indices, 0)], self.oov_token)
        if self.mask_token is not None:
            out = np.where(indices == 0, self.mask_token, out)
        out = np.asarray(out, dtype=object)
        return out.astype(str) if self.vocabulary_dtype == "string" else out.astype(np.int64)

    def call(self, x):
        self._require_vocabulary()
        where = self._where()
        if self.invert:
            from ._common import to_int_indices

            return self._invert(to_int_indices(x, "inputs", where))
        keys = self._to_tokens(x, "inputs")
        indices = self._lookup(keys)
        if self.output_mode == "int":
            return indices
        depth = self._depth()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode(indices, mode, depth, np.int64, drop_out_of_range=True, where=where)
        if self.output_mode == "tf_idf":
            return out.astype(config.floatx()) * self.idf_weights
        return out

    def forward(self, x, training=False):
        if self.invert and self.vocabulary_dtype == "string":
            return self.call(self._convert_input(x))
        return super().forward(x, training=training)

    # ----------------------------------------------------------------- saving
    def save_assets(self) -> dict:
        """Keras's asset files for this layer: ``{'vocabulary.txt': text}`` for an adapted vocabulary
        (a constructor vocabulary lives in the config instead)."""
        if self.input_vocabulary is not None or self._tokens is None:
            return {}
        return {"vocabulary.txt": "\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True))}

    def load_assets(self, files: dict) -> None:
        """Restore the vocabulary from :meth:`save_assets`'s files (bytes or text)."""
        if self.input_vocabulary is not None:
            return
        data = files.get("vocabulary.txt")
        if data is None and self._frozen_vocab_size is None:
            return                       # saved before it had a vocabulary: nothing to restore
        if data is None:
            raise ValueError(f"{self._where()}: the saved model has no vocabulary.txt asset for this layer")
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        lines = text.splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        frozen, self._frozen_vocab_size = self._frozen_vocab_size, None
        idf = None
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(f"{self._where()}: the saved model has no idf_weights for this tf_idf layer")
            idf = np.asarray(self.idf_weights)[:len(lines)]     # the file lists the special tokens too
        try:
            self.set_vocabulary(self._parse_lines(lines), idf_weights=idf)
        finally:
            if self._tokens is None:
                self._frozen_vocab_size = frozen

    def save_own_arrays(self) -> dict:
        """Named arrays Keras keeps beside the variables (``save_own_variables``): the idf weights of
        a tf_idf layer, special slots and padding included."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            return {"idf_weights": np.asarray(self.idf_weights, dtype=config.floatx())}
        return {}

    def own_array_shapes(self) -> dict:
        """The named arrays :meth:`load_own_arrays` takes and their shapes (known from the config)."""
        if self.output_mode == "tf_idf" and self._depth() is not None:
            return {"idf_weights": (int(self._depth()),)}
        return {}

    def load_own_arrays(self, arrays: dict) -> None:
        if "idf_weights" in arrays:
            self.idf_weights = np.asarray(arrays["idf_weights"], dtype=config.floatx())

    # ----------------------------------------------------------------- config
    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": "int64" if self.vocabulary_dtype != "string" else "string",
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config_


def _listify(x):
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return x.tolist()
    if hasattr(x, "to_numpy"):
        return x.to_numpy().tolist()
    return list(x)


@LAYERS.register("StringLookup")
class StringLookup(IndexLookup):
    """Map strings to integer indices through a vocabulary (Keras's ``StringLookup``).

    Args:
        max_tokens: largest vocabulary size (with the mask and OOV slots) ``adapt`` may build.
        num_oov_indices: number of OOV buckets (default 1; 0 makes unknown strings an error).
        mask_token: a string that maps to index 0 (None: no mask).
        oov_token: the token ``invert`` and ``get_vocabulary`` show for OOV slots ('[UNK]').
        vocabulary: list of unique strings (or a text file path); else call ``adapt``.
        idf_weights: for ``output_mode='tf_idf'`` with a vocabulary.
        invert: map indices back to strings.
        output_mode: 'int', 'one_hot', 'multi_hot', 'count' or 'tf_idf'.
        pad_to_max_tokens: encode over ``max_tokens`` slots.
        encoding: the text encoding of bytes inputs ('utf-8').
    """

    vocabulary_dtype = "string"

    @property
    def accepts_strings(self):
        return not self.invert

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def _check_token(self, token, name):
        if token is None:
            return None
        if isinstance(token, bytes):
            token = token.decode(self.encoding)
        if not isinstance(token, str):
            raise TypeError(f"StringLookup: {name} must be a string or None, got {type(token).__name__} {token!r}")
        return token

    def _to_tokens(self, x, name):
        if x.dtype.kind == "U":
            return x
        if x.dtype.kind == "S":
            return np.char.decode(x, self.encoding)
        if x.dtype.kind == "O":
            flat = x.reshape(-1)
            ok = np.frompyfunc(lambda v: isinstance(v, (str, bytes)), 1, 1)(flat).astype(bool) if flat.size else \
                np.zeros(0, dtype=bool)
            if not ok.all():
                i = int(np.argmin(ok))
                bad = flat[i]
                if bad is None or (isinstance(bad, float) and bad != bad):
                    raise TypeError(f"{self._where()}: {name} must contain strings, got a missing value ({bad!r}) "
                                    f"at flat index {i}; fill missing values first (e.g. with a placeholder string)")
                raise TypeError(f"{self._where()}: {name} must contain strings, got a {type(bad).__name__} "
                                f"({bad!r}) at flat index {i}; use IntegerLookup for integer ids")
            dec = np.frompyfunc(lambda v: v.decode(self.encoding) if isinstance(v, bytes) else v, 1, 1)
            return np.asarray(dec(flat).astype(str) if flat.size else np.zeros(0, dtype="U1")).reshape(x.shape)
        raise TypeError(f"{self._where()}: {name} must contain strings, got dtype {x.dtype}; use IntegerLookup "
                        f"for integer ids")

    def get_config(self):
        config_ = super().get_config()
        del config_["vocabulary_dtype"]
        config_["encoding"] = self.encoding
        return config_


@LAYERS.register("IntegerLookup")
class IntegerLookup(IndexLookup):
    """Map integer ids to contiguous indices through a vocabulary (Keras's ``IntegerLookup``).

    Arguments as :class:`StringLookup`, with integer tokens: ``oov_token`` defaults to -1 and
    ``mask_token`` to None; ``oov_method`` 'floormod' (OOV bucket = x mod num_oov_indices) or
    'farmhash'. Float inputs holding whole numbers (a model's float32 input) are accepted.
    """

    vocabulary_dtype = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported, got {vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _check_token(self, token, name):
        if token is None:
            return None
        if isinstance(token, bool) or not isinstance(token, numbers.Integral):
            raise TypeError(f"IntegerLookup: {name} must be an integer or None, got {type(token).__name__} {token!r}")
        return int(token)

    def _to_tokens(self, x, name):
        from ._common import to_int_indices

        if x.dtype.kind == "O":
            try:
                x = x.astype(np.float64) if x.size else x.astype(np.int64)
            except (TypeError, ValueError):
                raise TypeError(f"{self._where()}: {name} must contain integers, got non-numeric values; use "
                                f"StringLookup for strings") from None
        if x.dtype.kind in "USO":
            raise TypeError(f"{self._where()}: {name} must contain integers, got dtype {x.dtype}; use "
                            f"StringLookup for strings")
        return to_int_indices(x, name, self._where())

    def _parse_lines(self, lines):
        try:
            return [int(line) for line in lines]
        except ValueError:
            raise ValueError(f"{self._where()}: the vocabulary file must hold one integer a line") from None

    def get_config(self):
        return super().get_config()
