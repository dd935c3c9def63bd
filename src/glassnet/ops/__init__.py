"""``glassnet.ops``: Keras 3's ``keras.ops`` functions on NumPy arrays, differentiable on a tape.

Each function has ``keras.ops``'s name, arguments and defaults.  On plain arrays (no active
:class:`glassnet.autodiff.Tape`, or no recorded input) it simply computes the NumPy result.  When an
input is a recorded :class:`~glassnet.autodiff.Tensor` or a Variable and a tape is active, the
result is recorded together with its vector-Jacobian product, written right under the forward
formula below (elementwise arithmetic goes through NumPy's ufuncs, whose VJPs live in
``glassnet.autodiff.vjp``).  This is what lets a custom layer's ``call`` or a custom loss
``fn(y_true, y_pred)`` train: ``ops.relu(ops.matmul(x, self.w) + self.b)``.

The activation functions (``relu``, ``sigmoid``, ``softmax``, ``gelu``, ...) reuse
``glassnet.activations``'s formulas and derivatives, so their numbers are those of the built-in
layers.  Functions that return indices or booleans (``argmax``, ``equal``, ``one_hot``, ...) are not
differentiated (their results are constants of the recorded computation).

The package, split as ``keras.ops`` is (every function is importable from ``glassnet.ops``):

================================  ===========================================================
module                            owns
================================  ===========================================================
``core``                          conversion and casts, indexing (``getitem``, ``slice``),
                                  scatters, ``stop_gradient``; the operand helpers all use
``numpy_elementwise``             arithmetic, elementwise math, comparisons
``numpy_arrays``                  shapes, indexing, joining / splitting, creation
``numpy_reductions``              reductions (``sum``, ``mean``, ``norm``, ...) and products
                                  (``matmul``, ``dot``, ``einsum``, ``tensordot``)
``math``                          ``erf``, ``logsumexp``, ``rsqrt``, ``top_k``, ``segment_sum``
``nn``                            activations, softmax, one-hot encodings, ``moments``,
                                  ``normalize``, the crossentropies
``symbolic_dispatch``             ``register_symbolic``: symbolic tensors reach a model engine
================================  ===========================================================
"""
from __future__ import annotations

from . import core, math, nn, numpy_arrays, numpy_elementwise, numpy_reductions
from .core import *  # noqa: F401,F403
from .numpy_elementwise import *  # noqa: F401,F403
from .numpy_arrays import *  # noqa: F401,F403
from .numpy_reductions import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .symbolic_dispatch import register_symbolic

__all__ = (core.__all__ + numpy_elementwise.__all__ + numpy_arrays.__all__ + numpy_reductions.__all__
           + math.__all__ + nn.__all__ + ["register_symbolic"])


def _symbolic_call(fn, args, kwargs):
    """A call on the functional API's symbolic tensors becomes a graph node (``layers/op_layer.py``)."""
    from ..layers.op_layer import symbolic_call

    return symbolic_call(fn, args, kwargs)


from ..symbolic import KerasTensor as _KerasTensor  # noqa: E402

register_symbolic(_KerasTensor, _symbolic_call)
