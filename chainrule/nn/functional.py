"""``chainrule.nn.functional`` — PyTorch's ``torch.nn.functional``: every function behind the layers.

The differentiable primitives live in ``chainrule.ops``; this module gathers them under the names
PyTorch users know (``import chainrule.nn.functional as F``).
"""
from ..ops.arithmetic import where
from ..ops.activation import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu,
                              log_softmax, logsigmoid, mish, relu, relu6, selu, silu, softmax,
                              softmin, softplus)
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from ..ops.ctc import ctc_loss
from ..ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                        conv_transpose3d, fold, unfold)
from ..ops.distance import cosine_similarity, pairwise_distance
from ..ops.dropout import dropout, dropout1d, dropout2d
from ..ops.embedding import embedding, one_hot
from ..ops.linear import bilinear, linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                        gaussian_nll_loss, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                        poisson_nll_loss, smooth_l1_loss)
from ..ops.margin_loss import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                               multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss)
from ..ops.math_ops import sigmoid, tanh
from ..ops.normalization import (batch_norm, group_norm, instance_norm, layer_norm,
                                 local_response_norm, normalize)
from ..ops.padding import pad
from ..ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                           adaptive_max_pool2d, avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d,
                           max_pool2d, max_pool3d, max_unpool2d)
from ..ops.sampling import (affine_grid, grid_sample, interpolate, pixel_shuffle,
                            pixel_unshuffle, upsample)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return where(input._data > threshold, input, float(value))


def prelu(input, weight):
    """max(0, x) + a·min(0, x), a learned per channel (dim 1) or shared."""
    w = weight
    if len(input.shape) > 1 and weight.shape and weight.shape[0] > 1:
        w = weight.reshape((1, -1) + (1,) * (len(input.shape) - 2))
    return where(input._data > 0, input, input * w)


def softsign(input):
    """x / (1 + |x|): a slower-saturating cousin of tanh."""
    return input / (1.0 + input.abs())


def tanhshrink(input):
    """x − tanh x."""
    return input - tanh(input)


def softshrink(input, lambd=0.5):
    """x − λ above λ, x + λ below −λ, 0 between (the proximal step of an L1 penalty)."""
    d = input._data
    return where(d > lambd, input - lambd, where(d < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """x where |x| > λ, else 0."""
    return where(abs(input._data) > lambd, input, 0.0)


def glu(input, dim=-1):
    """a ⊙ σ(b) with a, b the two halves of input along dim."""
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


def logsumexp(input, dim, keepdim=False):
    return input.logsumexp(dim, keepdim)


__all__ = sorted(name for name, value in list(globals().items())
                 if callable(value) and not name.startswith("_"))
