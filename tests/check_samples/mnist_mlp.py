"""A multilayer perceptron on MNIST, written the Keras 3 way (a sample for `glassnet check`; never run)."""
import numpy as np
import keras
from keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255

keras.utils.set_random_seed(42)
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
    keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True),
]
history = model.fit(x_train, y_train, batch_size=128, epochs=20, validation_split=0.1, callbacks=callbacks)
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0], "accuracy:", score[1])
predictions = np.argmax(model.predict(x_test[:5]), axis=1)
model.save("mnist_mlp.keras")
restored = keras.models.load_model("mnist_mlp.keras")
restored.evaluate(x_test, y_test)
