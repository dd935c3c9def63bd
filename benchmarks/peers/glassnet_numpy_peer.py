"""glassnet with its NumPy reference kernels (GLASSNET_KERNELS=numpy): the same model as the
glassnet peer, so the pair of rows shows what the fused numba kernels buy."""
from __future__ import annotations

from .glassnet_peer import Peer as _GlassnetPeer


class Peer(_GlassnetPeer):
    name = "glassnet_numpy"

    def __init__(self, threads: int):
        import glassnet.config

        glassnet.config.set_kernels("numpy")
        super().__init__(threads)
