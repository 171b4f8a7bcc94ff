"""Layers and losses given bad input say what they expected."""
import pytest

import chainrule as cr
from chainrule import nn
import chainrule.nn.functional as F


def test_conv_channel_mismatch_message():
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 16, kernel_size=3\) expects input \(N, 3, H, W\) "
                                           r"or \(3, H, W\); got \(8, 1, 28, 28\)"):
        nn.Conv2d(3, 16, kernel_size=3)(cr.zeros(8, 1, 28, 28))
    with pytest.raises(RuntimeError, match=r"Conv1d\(2, 4, kernel_size=3\) expects input \(N, 2, L\)"):
        nn.Conv1d(2, 4, 3)(cr.zeros(2, 3, 5, 5))


def test_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError, match=r"conv2d: the kernel \(5, 5\) is larger than the padded input \(3, 3\)"):
        nn.Conv2d(1, 1, 5)(cr.zeros(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="max_pool2d: output size is too small"):
        F.max_pool2d(cr.zeros(1, 1, 1, 1), 3, stride=1)


def test_linear_wrong_features():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=784, out_features=10, bias=True\) "
                                           r"expects input \(\*, 784\); got \(32, 100\)"):
        nn.Linear(784, 10)(cr.zeros(32, 100))


def test_cross_entropy_label_out_of_range():
    with pytest.raises(IndexError, match=r"target 7 is out of bounds: class labels must be in \[0, 5\) \(C = 5\)"):
        F.cross_entropy(cr.zeros(3, 5), cr.tensor([1, 7, 0]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        F.nll_loss(cr.zeros(3, 5), cr.tensor([1, -1, 0]))


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss,
                                F.binary_cross_entropy_with_logits])
def test_loss_shape_mismatch(fn):
    with pytest.raises(ValueError, match=r"target size \(3, 1\) must be the same as input size \(3,\)"):
        fn(cr.zeros(3), cr.zeros(3, 1))


def test_cross_entropy_target_shape_and_unknown_reduction():
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\) for input of shape \(4, 3\)"):
        F.cross_entropy(cr.zeros(4, 3), cr.tensor([0, 1]))
    with pytest.raises(ValueError, match="'average' is not a valid value for reduction"):
        F.mse_loss(cr.zeros(2), cr.zeros(2), reduction="average")
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")


def test_other_layer_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\) expects a 4-D input \(N, 4, ...\); got \(2, 3, 5, 5\)"):
        nn.BatchNorm2d(4)(cr.zeros(2, 3, 5, 5))
    with pytest.raises(RuntimeError, match=r"layer_norm: given normalized_shape=\[5\]"):
        nn.LayerNorm(5)(cr.zeros(2, 4))
    with pytest.raises(IndexError, match="embedding: index 9 is out of range for an embedding table of 5 rows"):
        nn.Embedding(5, 2)(cr.tensor([1, 9]))
    with pytest.raises(ValueError, match="in_channels \\(3\\) and out_channels \\(4\\) must be divisible by groups \\(2\\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([1.5]), cr.tensor([1.0]))
