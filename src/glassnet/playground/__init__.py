"""The glassnet playground: train small networks on 2-D data in your browser and watch them learn.

``glassnet playground [--port 8000] [--host 127.0.0.1] [--allow-remote]`` (or ``python -m
glassnet.playground``) starts a local web server and prints its URL (an address other than loopback
needs ``--allow-remote``; see :mod:`.server` for who may drive it).  Each browser tab gets its own
:class:`~glassnet.playground.session.Session`: a data set, a glassnet model and a
background thread that trains it, streaming the view to the page with
Server-Sent Events.  The server is the standard library's ``ThreadingHTTPServer``:
the playground needs nothing beyond NumPy (and h5py for the ``.keras`` export).

- :mod:`.params`  -- the parameters the page may send, their limits and their validation
- :mod:`.session` -- data, model, training thread, view frames, backprop trace, exports
- :mod:`.codegen` -- the exported Python script (runs on Keras with the imports swapped)
- :mod:`.server`  -- HTTP routes, the event streams, session liveness
- :mod:`.health`  -- per-layer health numbers, and the training doctor's findings on them (the live panel)
- :mod:`.opened`  -- your own model: a .keras / .h5 upload or a ``glassnet train`` run folder
- :mod:`.data`    -- data sets beyond glassnet.datasets (the TensorFlow playground's Gaussian regression)
- :mod:`.encoding` -- how numbers travel to the page (base64 float32, bytes 0..255, JSON-safe floats)

The page keeps every setting, the seed and the epoch in its address (``#dataset=xor&seed=3&...&epoch=40``;
``tutorial=1`` / ``hide=...`` / ``task=...`` for a course's exercise), so a copied link reopens the same run.
"""
from .params import DEFAULTS, LIMITS, ParamError, validate
from .server import PlaygroundServer, main, serve
from .session import Session

__all__ = ["DEFAULTS", "LIMITS", "ParamError", "PlaygroundServer", "Session", "main", "serve", "validate"]
