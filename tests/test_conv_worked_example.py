"""docs/CONVOLUTION.md's hand-worked example, reproduced by glassnet's layers (every number of the page)."""
import numpy as np

from glassnet.layers import Conv2D, MaxPooling2D

X = np.array([[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]], np.float32).reshape(1, 4, 4, 1)
W = np.array([[1, -1], [0, 2]], np.float32).reshape(2, 2, 1, 1)


def test_conv_forward_backward_of_the_worked_example():
    conv = Conv2D(1, 2)
    conv.build((4, 4, 1))
    conv.set_weights([W, np.array([1.0], np.float32)])
    z = conv.forward(X, training=True)[0, :, :, 0]
    np.testing.assert_array_equal(z, [[2, 9, 2], [2, -1, 7], [2, 4, 1]])
    np.testing.assert_array_equal(conv.cols.reshape(9, 4), [
        [1, 2, 0, 1], [2, 0, 1, 3], [0, 1, 3, 1], [0, 1, 2, 1], [1, 3, 1, 0], [3, 1, 0, 2],
        [2, 1, 1, 0], [1, 0, 0, 1], [0, 2, 1, 1]])
    y = np.array([[1, 9, 3], [2, -3, 7], [3, 4, 0]], np.float32)
    grad = (z - y).reshape(1, 3, 3, 1)          # C = 1/2 sum (a - y)^2, linear activation: delta = a - y
    dx = conv.backward(grad)[0, :, :, 0]
    np.testing.assert_array_equal(conv.delta[0, :, :, 0], [[1, 0, -1], [0, 2, 0], [-1, 0, 1]])
    np.testing.assert_array_equal(conv.bias.grad, [2])
    np.testing.assert_array_equal(conv.kernel.grad[:, :, 0, 0], [[1, 8], [-1, 1]])
    np.testing.assert_array_equal(dx, [[1, -1, -1, 1], [0, 4, -2, -2], [-1, 1, 5, -1], [0, -2, 0, 2]])


def test_full_convolution_with_the_flipped_kernel_is_the_input_gradient():
    """The page's statement, by the textbook route: pad delta by kh-1 zeros, slide the 180-degree kernel."""
    delta = np.array([[1, 0, -1], [0, 2, 0], [-1, 0, 1]], np.float32)
    padded = np.pad(delta, 1)
    flipped = W[::-1, ::-1, 0, 0]
    full = np.array([[np.sum(padded[i:i + 2, j:j + 2] * flipped) for j in range(4)] for i in range(4)])
    np.testing.assert_array_equal(full, [[1, -1, -1, 1], [0, 4, -2, -2], [-1, 1, 5, -1], [0, -2, 0, 2]])


def test_max_pooling_of_the_worked_example():
    pool = MaxPooling2D(2)
    np.testing.assert_array_equal(pool.forward(X, training=True)[0, :, :, 0], [[2, 3], [2, 2]])
    dx = pool.backward(np.array([[1, 2], [3, 4]], np.float32).reshape(1, 2, 2, 1))[0, :, :, 0]
    np.testing.assert_array_equal(dx, [[0, 1, 0, 0], [0, 0, 2, 0], [3, 0, 0, 4], [0, 0, 0, 0]])


def test_same_padding_examples_of_the_page():
    assert Conv2D(1, 3, strides=2, padding="same").compute_output_shape((5, 5, 1)) == (3, 3, 1)
    assert Conv2D(1, 3, strides=2, padding="same").compute_output_shape((6, 6, 1)) == (3, 3, 1)
    # 6x6, pad (0 top, 1 bottom): the windows cover rows 0-2, 2-4, 4-6, so row 2 is in two windows;
    # with the pad on top (-1-1, 1-3, 3-5) it would be in one.  Same for the columns.
    conv = Conv2D(1, 3, strides=2, padding="same", use_bias=False, kernel_initializer="ones")
    x = np.zeros((1, 6, 6, 1), np.float32)
    x[0, 2, 2, 0] = 1.0
    out = conv(x)[0, :, :, 0]
    np.testing.assert_array_equal(out, [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
