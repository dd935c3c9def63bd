"""``LambdaCallback``: a callback assembled from plain functions."""
from __future__ import annotations

from .callback import HOOKS, Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions you pass.

    Each argument replaces the hook of the same name and is called with that
    hook's arguments: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``.
    Any other hook (``on_test_end=fn``, ``on_predict_batch_end=fn``, ...) can be
    given as a keyword argument.  Hooks not given do nothing.

    Example: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs['loss']))``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(HOOKS))
        if unknown:
            raise TypeError(
                f"LambdaCallback: unknown hook name(s) {', '.join(unknown)}; "
                f"expected among {', '.join(HOOKS)}"
            )
        given = dict(kwargs)
        given.update(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(
                    f"LambdaCallback: {name} must be a function, got {type(fn).__name__} {fn!r}"
                )
            setattr(self, name, fn)
