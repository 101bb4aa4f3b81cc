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
