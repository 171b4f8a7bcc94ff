"""Margin and embedding losses: hinge-style max(0, ·) penalties on scores, distances and cosines
(ranking, metric learning, the multi-label logistic loss)."""
from .activation import logsigmoid, softplus
from .arithmetic import clamp, minimum, where
from .distance import pairwise_distance
from .loss import _check_reduction, _data, _reduce
from .math_ops import sqrt
from .reduction import mean, sum


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, −y(x₁ − x₂) + margin)."""
    _check_reduction(reduction, "margin_ranking_loss")
    return _reduce(clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """x where y = 1, max(0, margin − x) where y = −1."""
    _check_reduction(reduction, "hinge_embedding_loss")
    t = _data(target)
    loss = where(t != 1, clamp(margin - input, min=0.0), 0.0) + where(t != -1, input, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(−y·x)), the logistic loss for y ∈ {−1, 1}."""
    _check_reduction(reduction, "soft_margin_loss")
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """−mean over classes of y·log σ(x) + (1−y)·log σ(−x), per sample."""
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = mean(loss, dim=-1)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction="mean"):
    """max(d(a, p) − d(a, n) + margin, 0)."""
    _check_reduction(reduction, "triplet_margin_loss")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(clamp(d_pos - d_neg + margin, min=0.0), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1."""
    _check_reduction(reduction, "cosine_embedding_loss")
    eps = 1e-12
    dims = len(input1.shape) - 1
    prod = sum(input1 * input2, dim=dims)
    m1 = sum(input1 * input1, dim=dims) + eps
    m2 = sum(input2 * input2, dim=dims) + eps
    cos = prod / sqrt(m1 * m2)
    t = _data(target)
    loss = where(t == 1, 1 - cos, 0.0) + where(t == -1, clamp(cos - margin, min=0.0), 0.0)
    return _reduce(loss, reduction)
