"""``TerminateOnNaN``: stop training as soon as a batch loss is NaN or infinite."""
from __future__ import annotations

import math

from .callback import Callback, print_msg, require_model


class TerminateOnNaN(Callback):
    """Stops training when the loss of a training batch is NaN or +/-inf.

    raise_error: False (default) prints ``Batch N: Invalid loss, terminating
    training`` and sets ``model.stop_training = True`` so the run ends cleanly
    (``on_train_end`` still runs); True raises ``RuntimeError`` at once instead.
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        if not isinstance(raise_error, bool):
            raise TypeError(
                f"TerminateOnNaN: raise_error must be a bool, got "
                f"{type(raise_error).__name__} {raise_error!r}"
            )
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        """Check ``logs['loss']`` after each training batch."""
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        try:
            bad = not math.isfinite(float(loss))
        except (TypeError, ValueError):
            return
        if not bad:
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                f"Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        require_model(self).stop_training = True
