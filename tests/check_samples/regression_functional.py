"""Regression with the functional API and a Normalization layer (a sample for `glassnet check`; never run)."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers, regularizers

x = np.random.rand(500, 9).astype("float32")
y = x @ np.arange(9.0) + 1.0

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(x)

inputs = keras.Input(shape=(9,))
h = normalizer(inputs)
h = layers.Dense(64, activation="relu", kernel_regularizer=regularizers.l2(0.001))(h)
h = layers.Dense(64, activation="relu", kernel_initializer="he_normal")(h)
outputs = layers.Dense(1)(h)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.RMSprop(0.001), loss="mean_absolute_error")
history = model.fit(x, y, epochs=100, validation_split=0.2, verbose=0)
print(history.history["val_loss"][-1])
model.save_weights("regression.weights.h5")
