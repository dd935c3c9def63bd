"""Keras 3 on TensorFlow (CPU): keras.Sequential, compile('adam'), fit(verbose=0), predict.

Keras's defaults otherwise (on a CPU-only machine ``jit_compile='auto'`` means no XLA).
"""
from __future__ import annotations

import os
import time


class Peer:
    name = "keras"

    def __init__(self, threads: int):
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        import keras

        self.tf, self.keras = tf, keras
        keras.utils.set_random_seed(0)

        class EpochTimer(keras.callbacks.Callback):
            def __init__(self, sink):
                super().__init__()
                self.sink = sink
                self.t0 = None

            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.sink.append(time.perf_counter() - self.t0)

        self.EpochTimer = EpochTimer
        onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
        self.info = {
            "version": keras.__version__,
            "tensorflow": tf.__version__,
            "backend": keras.backend.backend(),
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
            "TF_ENABLE_ONEDNN_OPTS": onednn if onednn is not None else "default",
        }

    def build(self, w):
        keras = self.keras
        if w.image is not None:
            L = keras.layers
            model = keras.Sequential([
                keras.Input(tuple(w.image)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
                L.Dense(w.outputs, activation="softmax")])
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=w.loss)
            return model
        layers = [keras.Input((w.features,))]
        for units, rate in w.hidden:
            layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(rate)]
        layers.append(keras.layers.Dense(w.outputs, activation="softmax" if w.outputs > 1 else "sigmoid"))
        model = keras.Sequential(layers)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=w.loss)
        return model

    def prepare(self, w, x, y):
        return x, y

    def fit(self, model, x, y, batch, epochs, epoch_times):
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, callbacks=[self.EpochTimer(epoch_times)])
        self.info["jit_compile"] = bool(getattr(model, "jit_compile", False))

    def predict(self, model, x, batch):
        return model.predict(x, batch_size=batch, verbose=0)
