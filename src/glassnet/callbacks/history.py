"""``History``: the record of every epoch's metrics that ``fit`` returns."""
from __future__ import annotations

from .callback import Callback


class History(Callback):
    """Records each epoch's logs; ``fit`` returns it and sets ``model.history`` to it.

    ``history`` is a dict of lists, one entry per epoch for every logged
    quantity (``{'loss': [0.9, 0.5], 'val_loss': [1.0, 0.7]}``); ``epoch`` lists
    the epoch indices seen (0-based).  ``history`` keeps growing across ``fit``
    calls that share this object; ``epoch`` restarts at each ``on_train_begin``.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """Start a new list of epoch indices."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append ``epoch`` and every value in ``logs``; point ``model.history`` here."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
