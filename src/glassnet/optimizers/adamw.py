"""AdamW: Adam with decoupled weight decay."""
from __future__ import annotations

from .adam import Adam
from .base import OPTIMIZERS


@OPTIMIZERS.register("adamw")
class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2017) as Keras 3's ``keras.optimizers.AdamW``.

    Before each Adam step (see :class:`Adam`) the weights decay, decoupled
    from the gradient::

        w <- w - w * weight_decay * lr
        w <- w - alpha * m / (sqrt(v) + epsilon)

    The decay is scaled by the learning rate (schedule included), as in
    PyTorch's ``torch.optim.AdamW`` (``w *= 1 - lr * wd``); the defaults differ:
    Keras ``weight_decay=0.004``, epsilon 1e-7; PyTorch 0.01 and 1e-8.
    ``weight_decay`` must be a number (not None).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float >= 0, got None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
