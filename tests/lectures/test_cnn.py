"""Lecture 4's experiments, quick configs, each asserting its stated answer over three seeds."""
import pytest

from chainrule.lectures.cnn.basics import receptive_field_formula

TORCHVISION_PARAMETERS = {"alexnet": 61_100_840, "vgg11": 132_863_336, "resnet18": 11_689_512,
                          "mobilenet_v2": 3_504_872, "googlenet": 13_004_888}   # googlenet with its aux heads


def test_receptive_field_formula_by_hand():
    assert receptive_field_formula([3, 3, 3], [1, 1, 1], [1, 1, 1]) == [3, 5, 7]
    assert receptive_field_formula([3, 3, 3], [2, 2, 2], [1, 1, 1]) == [3, 7, 15]
    assert receptive_field_formula([3, 3, 3], [1, 1, 1], [1, 2, 4]) == [3, 7, 15]
    assert receptive_field_formula([7, 3], [2, 1], [1, 1]) == [7, 11]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_receptive_field_is_measured_as_the_formula(run_quick, seed):
    m = run_quick("cnn.receptive_field", seed=seed)
    assert m["agree"] and m["measured"]["stride 1"] == [3, 5, 7, 9]
    assert m["measured"]["dilation 2^l"][-1] == 31 > m["measured"]["stride 1"][-1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_cnn_beats_a_fully_connected_net_of_equal_budget(run_quick, seed):
    m = run_quick("cnn.fc_vs_cnn", seed=seed)
    assert 0.8 * m["parameters"]["cnn"] < m["parameters"]["fc"] <= m["parameters"]["cnn"]
    assert m["accuracy"]["cnn"] > m["accuracy"]["fc"] + 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_3x3_see_a_5x5_window_for_fewer_weights(run_quick, seed):
    m = run_quick("cnn.two_3x3_vs_5x5", seed=seed)
    assert m["receptive_field"] == {"two 3×3": 5, "one 5×5": 5}
    assert m["conv_weights"]["two 3×3"] * 25 == m["conv_weights"]["one 5×5"] * 18
    assert abs(m["accuracy"]["two 3×3"] - m["accuracy"]["one 5×5"]) < 0.04


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lenet5_learns_fashion_mnist(run_quick, seed):
    m = run_quick("cnn.lenet5", seed=seed)
    assert m["parameters"] == 61_706 and m["test_accuracy"][-1] > 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_filters_become_patterns_their_feature_maps_find_anywhere(run_quick, seed):
    m = run_quick("cnn.filters", seed=seed)
    smooth = m["neighbour_correlation"]
    assert smooth["trained"] > smooth["init"] + 0.1
    assert m["top_patch_cosine"] > 0.4 and abs(m["random_patch_cosine"]) < 0.15
    assert m["shift_error"] < 1e-5 and m["test_accuracy"] > 0.7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_small_resnet_learns_fashion_mnist(run_quick, seed):
    m = run_quick("cnn.small_resnet", seed=seed)
    assert m["layers"] == 8 and m["test_accuracy"][-1] > 0.65 and m["test_accuracy"][-1] > m["test_accuracy"][0]


def test_small_resnet_has_the_papers_shape():
    from chainrule import nn
    from chainrule.lectures.cnn.architectures import small_resnet
    model = small_resnet(16, 3)                                     # ResNet-20: 6·3 + 2 layers
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert len(convs) + 1 == 20 and [c.out_channels for c in convs] == [16] * 7 + [32] * 6 + [64] * 6
    assert model(__import__("chainrule").randn(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_outruns_tanh_where_tanh_saturates(run_quick, seed):
    m = run_quick("cnn.relu_vs_tanh", seed=seed)
    sat, steps, speedup = m["saturated_tanh_units"], m["steps"], m["speedup"]
    assert sat["pixel scale"] > 0.5 and sat["standardized"] < 0.05
    assert steps["pixel scale"]["relu"] is not None
    assert steps["pixel scale"]["tanh"] is None or steps["pixel scale"]["tanh"] > steps["pixel scale"]["relu"]
    assert speedup["pixel scale"] > speedup["standardized"]


def test_model_zoo_counts_equal_torchvision_and_order_the_family(run_quick):
    table = run_quick("cnn.model_zoo")["models"]
    for name, count in TORCHVISION_PARAMETERS.items():
        assert table[name]["parameters"] == count, name
    assert min(table, key=lambda n: table[n]["macs_64"]) == "mobilenet_v2"
    assert table["googlenet"]["parameters"] < table["alexnet"]["parameters"] / 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_deeper_plain_net_trains_worse_and_the_residual_one_does_not(run_quick, seed):
    m = run_quick("cnn.residual", seed=seed)
    loss = m["final_training_loss"]
    assert m["degraded"] and loss["plain 18 layers"] > loss["plain 6 layers"]
    assert loss["residual 18 layers"] < loss["plain 18 layers"] - 0.3
    assert loss["residual 18 layers"] <= loss["residual 6 layers"] + 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_depthwise_separable_saves_weights_for_a_little_accuracy(run_quick, seed):
    m = run_quick("cnn.depthwise_separable", seed=seed)
    s, d = m["standard"], m["depthwise separable"]
    c = 16
    assert d["weights"] * 9 * c * c == s["weights"] * (9 * c + c * c)     # ratio 1/C + 1/9 exactly
    assert d["macs"] * (9 * c * c) == s["macs"] * (9 * c + c * c)
    assert d["accuracy"] > 0.6 and s["accuracy"] - d["accuracy"] < 0.1


def test_residual_refuses_a_deep_net_that_is_not_deeper(run_quick):
    with pytest.raises(ValueError, match=r"deep \(2\) must be larger than shallow \(2\)"):
        run_quick("cnn.residual", deep=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pooling_saves_arithmetic_and_tolerates_shifts(run_quick, seed):
    m = run_quick("cnn.pooling", seed=seed)
    assert m["max pooling"]["macs"] < 0.3 * m["no pooling"]["macs"]
    assert m["shift_drop"]["max pooling"] < m["shift_drop"]["no pooling"]
    assert m["max pooling"]["accuracy"] > 0.6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_board_needs_its_exact_positions(run_quick, seed):
    acc = run_quick("cnn.board_game", seed=seed)["accuracy"]
    assert acc["no pooling (AlphaGo)"] > 0.9 and acc["2×2 max pooling"] < acc["no pooling (AlphaGo)"] - 0.3


def test_eye_boards_have_exactly_one_enclosed_point():
    import numpy as np
    from chainrule.lectures.cnn.basics import _eyes, eye_boards
    boards, labels = eye_boards(50, 9, np.random.default_rng(0))
    for b, y in zip(boards, labels):
        black, white = b[0] > 0, b[1] > 0
        assert not (black & white).any()
        (r, c), = _eyes(black, ~black & ~white)
        assert r * 9 + c == y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_augmentation_teaches_the_invariance_the_varied_test_needs(run_quick, seed):
    m = run_quick("cnn.augmentation", seed=seed)
    plain, aug = m["no augmentation"], m["shift + mirror"]
    assert aug["varied_test_accuracy"] > plain["varied_test_accuracy"] + 0.03
    assert aug["train_accuracy"] < plain["train_accuracy"]          # it fits the few images less tightly


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_spatial_transformer_helps_on_distorted_images(run_quick, seed):
    m = run_quick("cnn.spatial_transformer", seed=seed)
    assert m["STN + CNN"]["test_accuracy"] > m["CNN"]["test_accuracy"] + 0.03


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_1x1_reduction_cuts_the_3x3_cost_for_a_few_points(run_quick, seed):
    m = run_quick("cnn.bottleneck_1x1", seed=seed)
    c, r = 16, 4
    a, b = m["direct"], m["reduced"]
    assert b["weights"] * 9 * c * c == a["weights"] * (c * r + 9 * r * c)
    assert b["macs"] * 9 * c * c == a["macs"] * (c * r + 9 * r * c)
    assert b["accuracy"] > 0.6 and a["accuracy"] - b["accuracy"] < 0.06
