"""``book.live_cnn.spec``: what the page is given about each layer of the exported model."""


def test_layers_keep_their_given_names_and_automatic_ones_count_from_this_model():
    import keras

    from book import live_cnn

    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3)])  # takes "conv2d"
    model = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.Conv2D(4, 3, name="edges"),
        keras.layers.MaxPooling2D(), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")])
    assert model.layers[0].name != "conv2d"           # Keras counts across the session
    exported = live_cnn.spec(model, "t", mean=0, std=1)
    names = [entry["name"] for entry in exported["layers"]]
    assert names == ["conv2d", "batch_normalization", "edges", "max_pooling2d", "conv2d_1",
                     "flatten", "dense"]
    assert [layer.name for layer in live_cnn.to_keras(exported).layers] == names


def test_int8_kernels_keep_each_weight_within_half_a_step_of_its_units_scale():
    import keras
    import numpy as np

    from book import live_cnn

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(7, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    exported = live_cnn.spec(model, "t", mean=0, std=1, kernel_dtype="int8")
    for layer, entry in zip(model.layers[1:], exported["layers"][1:]):
        kernel = entry["kernel"]
        assert kernel["dtype"] == "int8" and len(kernel["scale"]) == kernel["shape"][-1]
        step = np.asarray(kernel["scale"], dtype=np.float32)
        error = np.abs(live_cnn.decode(kernel) - layer.get_weights()[0])
        assert (error <= step / 2 + 1e-7).all()
        assert live_cnn.decode(entry["bias"]).dtype == np.float32      # biases stay float32
    rebuilt = live_cnn.to_keras(exported)
    assert np.array_equal(rebuilt.layers[1].get_weights()[0],
                          live_cnn.decode(exported["layers"][1]["kernel"]))


def test_shift_moves_whole_pixels_and_crops_what_leaves_the_frame():
    import numpy as np

    from book import live_cnn

    images = np.arange(2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28) + 1
    moved = live_cnn.shift(images, 3, -2)                  # 3 right, 2 up
    assert np.array_equal(moved[:, :26, 3:], images[:, 2:, :25])
    assert (moved[:, 26:, :] == 0).all() and (moved[:, :, :3] == 0).all()
    assert np.array_equal(live_cnn.shift(images, 0, 0), images)
    assert (live_cnn.shift(images, 28, 0) == 0).all()
