"""Similarity and distance between vectors (used by contrastive losses and attention)."""
from .arithmetic import clamp
from .reduction import norm, sum


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x₁·x₂ / (max(‖x₁‖, ε)·max(‖x₂‖, ε)) along dim."""
    n1 = clamp(norm(x1, 2, dim), min=eps)
    n2 = clamp(norm(x2, 2, dim), min=eps)
    return sum(x1 * x2, dim=dim) / (n1 * n2)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x₁ − x₂ + ε‖_p along the last dim."""
    nd = max(len(x1.shape), len(x2.shape))
    return norm(x1 - x2 + eps, p, dim=nd - 1 if nd else None, keepdim=keepdim)
