"""``EarlyStopping``: end training once a monitored metric stops improving."""
from __future__ import annotations

from .._validation import check_non_negative_int
from .callback import MonitorCallback, print_msg, require_model


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    At each epoch end, from epoch ``start_from_epoch`` on (0-based) and when the
    monitored value is in the logs:

    1. with ``restore_best_weights``, the first monitored epoch's weights are
       kept as the best so far;
    2. ``wait += 1``;
    3. if the value improves on the best so far (see :class:`MonitorCallback`)
       it becomes the best, its weights are kept (``restore_best_weights``),
       and ``wait`` returns to 0 -- but only if it also improves on
       ``baseline`` when a baseline is given;
    4. otherwise, if ``wait >= patience`` and this is not epoch 0,
       ``model.stop_training`` is set.

    At the end of training, with ``restore_best_weights``, the weights of the
    best epoch are put back whenever a best was recorded (whether or not training
    stopped early: Keras 3 behaviour).  With ``verbose > 0`` it prints
    ``Epoch N: early stopping`` (if it stopped the run) and
    ``Restoring model weights from the end of the best epoch: K.`` (1-based).

    Arguments: monitor ('val_loss'), min_delta (0), patience (0), verbose (0),
    mode ('auto', 'min' or 'max'), baseline (None), restore_best_weights (False),
    start_from_epoch (0).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, baseline=baseline, min_delta=min_delta)
        where = "EarlyStopping"
        self.patience = check_non_negative_int(patience, "patience", where)
        self.verbose = check_non_negative_int(verbose, "verbose", where)
        # MonitorCallback checked baseline into `best`; here it is kept apart.
        self.baseline, self.best = self.best, None
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = bool(restore_best_weights)
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = check_non_negative_int(start_from_epoch, "start_from_epoch", where)

    def on_train_begin(self, logs=None):
        """Reset the state so that one instance can serve several ``fit`` calls."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Compare this epoch's monitored value with the best; maybe stop training."""
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        model = require_model(self)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            model.stop_training = True

    def on_train_end(self, logs=None):
        """Report the stop and, with ``restore_best_weights``, restore the best weights."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            require_model(self).set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """``logs[monitor]``, or ``None`` with a warning listing the available keys."""
        return self._monitored_value(logs, "Early stopping")
