"""Callbacks: objects whose hooks ``fit``/``evaluate``/``predict`` call as they run.

Keras 3's set: :class:`Callback` (the base class), :class:`CallbackList`,
:class:`History`, :class:`ProgbarLogger`, :class:`EarlyStopping`,
:class:`TerminateOnNaN`, :class:`LambdaCallback`, :class:`LearningRateScheduler`,
:class:`ReduceLROnPlateau`, :class:`CSVLogger`, :class:`ModelCheckpoint` and
:class:`TensorBoard`; and glassnet's own :class:`Diagnostics` (the training doctor's
records) and :class:`LearningRateFinder` (the range test).  The :class:`Progbar`
utility (``keras.utils.Progbar``) lives in :mod:`glassnet.callbacks.progbar`.

Callbacks see the model only through ``model.stop_training``,
``model.get_weights()``, ``model.set_weights()``, ``model.optimizer.learning_rate``
and ``model.history``; ``callback.params`` is ``{'epochs', 'steps', 'verbose'}``.
"""
from __future__ import annotations

from .callback import Callback, CallbackList
from .csv_logger import CSVLogger
from .diagnostics import Diagnostics
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .model_checkpoint import ModelCheckpoint
from .learning_rate_scheduler import LearningRateScheduler
from .lr_finder import LearningRateFinder
from .progbar import Progbar, ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "Diagnostics",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateFinder",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "Progbar",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
