"""glassnet: Sequential / Dense / Dropout, compile('adam'), fit(verbose=0), predict."""
from __future__ import annotations

import time


class Peer:
    name = "glassnet"

    def __init__(self, threads: int):
        import glassnet
        import glassnet.config
        import glassnet.utils
        from glassnet.callbacks import Callback
        from glassnet.layers import Dense, Dropout, Input
        from glassnet.models import Sequential
        from glassnet.optimizers import Adam

        self.gn = glassnet
        self.Sequential, self.Dense, self.Dropout, self.Input, self.Adam = Sequential, Dense, Dropout, Input, Adam
        glassnet.config.set_num_threads(threads)
        glassnet.utils.set_random_seed(0)

        class EpochTimer(Callback):
            def __init__(self, sink):
                super().__init__()
                self.sink = sink
                self.t0 = None

            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.sink.append(time.perf_counter() - self.t0)

        self.EpochTimer = EpochTimer
        self._info = {
            "version": glassnet.__version__,
            "threads_set": glassnet.config.get_num_threads(),
        }

    @property
    def info(self):
        # read after the measurement: asking for the kernels resolves them (imports numba),
        # which must not happen before the first fit that the first-epoch figure times
        return dict(self._info, kernels=self.gn.config.get_kernels())

    def build(self, w):
        if w.image is not None:
            return self.build_convnet(w)
        layers = [self.Input((w.features,))]
        for units, rate in w.hidden:
            layers += [self.Dense(units, activation="relu"), self.Dropout(rate)]
        layers.append(self.Dense(w.outputs, activation="softmax" if w.outputs > 1 else "sigmoid"))
        model = self.Sequential(layers)
        model.compile(optimizer=self.Adam(learning_rate=1e-3), loss=w.loss)
        return model

    def build_convnet(self, w):
        from glassnet.layers import Conv2D, Flatten, MaxPooling2D

        model = self.Sequential([
            self.Input(tuple(w.image)), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
            Conv2D(64, 3, activation="relu"), MaxPooling2D(2), Flatten(), self.Dropout(0.5),
            self.Dense(w.outputs, activation="softmax")])
        model.compile(optimizer=self.Adam(learning_rate=1e-3), loss=w.loss)
        return model

    def prepare(self, w, x, y):
        return x, y

    def fit(self, model, x, y, batch, epochs, epoch_times):
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[self.EpochTimer(epoch_times)])

    def predict(self, model, x, batch):
        return model.predict(x, batch_size=batch, verbose=0)
