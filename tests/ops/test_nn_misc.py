"""Linear, embedding, attention, distance, padding, sampling and dropout against torch."""
import numpy as np

import chainrule as cr
from oracle import Case, F, Fixed, Int, Unit, op_tests

THETA = Fixed(np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.05]], [[1.2, 0.1, 0.0], [0.0, 0.8, 0.2]]]))

CASES = [
    Case("linear", lambda m, x, w, b: F(m).linear(x, w, b), [[(4, 3), (5, 3), (5,)], [(2, 4, 3), (5, 3), (5,)]]),
    Case("linear_nobias", lambda m, x, w: F(m).linear(x, w), [(3,), (2, 3)]),
    Case("bilinear", lambda m, a, b, w, bias: F(m).bilinear(a, b, w, bias), [(4, 3), (4, 2), (5, 3, 2), (5,)]),
    Case("embedding", lambda m, i, w: F(m).embedding(i, w), [Int((2, 3), 0, 5), (5, 4)]),
    # the padding row is read but gets no gradient (PyTorch's rule), so finite differences disagree
    Case("embedding_padding", lambda m, i, w: F(m).embedding(i, w, padding_idx=1),
         [Fixed(np.array([[1, 0, 1], [2, 1, 4]])), (5, 4)], gradcheck=False),
    Case("one_hot", lambda m, i: F(m).one_hot(i, 5), [Int((2, 3), 0, 5)], grad=False),
    Case("sdpa", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 6)]),
    Case("sdpa_causal", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, is_causal=True),
         [(2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3)], double=False),  # torch's fused kernel has none
    Case("sdpa_bool_mask", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=m.tensor([[True, False, True], [True, True, False]])), [(2, 3), (3, 3), (3, 4)]),
    Case("sdpa_float_mask_scale", lambda m, q, k, v, msk: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=msk, scale=0.3), [(2, 3), (3, 3), (3, 4), (2, 3)]),
    Case("cosine_similarity", lambda m, a, b: F(m).cosine_similarity(a, b), [(4, 5), (4, 5)]),
    Case("cosine_similarity_dim", lambda m, a, b: F(m).cosine_similarity(a, b, dim=-1), [(2, 3, 5), (1, 3, 5)]),
    Case("pairwise_distance", lambda m, a, b: F(m).pairwise_distance(a, b), [(4, 5), (4, 5)]),
    Case("pairwise_distance_p1", lambda m, a, b: F(m).pairwise_distance(a, b, p=1.0, keepdim=True), [(4, 5), (4, 5)]),
    Case("pad_constant", lambda m, x: F(m).pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4)]),
    Case("pad_negative", lambda m, x: F(m).pad(x, (-1, 2)), [(2, 5)]),
    Case("pad_reflect", lambda m, x: F(m).pad(x, (2, 1, 1, 2), mode="reflect"), [(1, 2, 4, 5)]),
    Case("pad_replicate", lambda m, x: F(m).pad(x, (2, 3), mode="replicate"), [(1, 2, 4)]),
    Case("pad_circular", lambda m, x: F(m).pad(x, (1, 2, 2, 1), mode="circular"), [(1, 2, 4, 5)]),
    Case("interpolate_nearest", lambda m, x: F(m).interpolate(x, scale_factor=2), [(1, 2, 3, 4)]),
    Case("interpolate_nearest_size", lambda m, x: F(m).interpolate(x, size=(5, 3)), [(1, 2, 3, 4)]),
    Case("interpolate_bilinear", lambda m, x: F(m).interpolate(x, size=(5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
    Case("interpolate_bilinear_ac", lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bilinear", align_corners=True),
         [(2, 1, 3, 4)]),
    Case("interpolate_bilinear_down", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="bilinear"), [(1, 2, 5, 7)]),
    Case("interpolate_linear", lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="linear"), [(2, 3, 4)]),
    Case("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), [(2, 8, 3, 2)]),
    Case("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), [(2, 2, 4, 6)]),
    Case("affine_grid", lambda m, t: F(m).affine_grid(t, (2, 3, 4, 5), align_corners=False), [THETA]),
    Case("affine_grid_ac", lambda m, t: F(m).affine_grid(t, [2, 1, 3, 3], align_corners=True), [THETA]),
    Case("grid_sample", lambda m, x, g: F(m).grid_sample(x, g, align_corners=False), [(2, 3, 4, 5), Unit((2, 3, 2, 2))],
         gradcheck=True),
    Case("grid_sample_outside", lambda m, x, g: F(m).grid_sample(x, g * 1.6, align_corners=True),
         [(1, 2, 4, 4), Unit((1, 3, 3, 2))]),
    Case("grid_sample_border", lambda m, x, g: F(m).grid_sample(x, g * 1.5, padding_mode="border", align_corners=False),
         [(1, 2, 4, 4), Unit((1, 3, 3, 2))]),
    Case("grid_sample_nearest", lambda m, x, g: F(m).grid_sample(x, g, mode="nearest", align_corners=False),
         [(1, 2, 4, 4), Unit((1, 3, 3, 2))], gradcheck=False),
    Case("spatial_transformer", lambda m, x, t: F(m).grid_sample(x, F(m).affine_grid(t, (2, 3, 5, 4), align_corners=False),
                                                                  align_corners=False),
         [(2, 3, 5, 4), THETA]),
    Case("dropout_eval", lambda m, x: F(m).dropout(x, 0.5, training=False), [(3, 4)]),
    Case("dropout_p0", lambda m, x: F(m).dropout(x, 0.0), [(3, 4)]),
]

test_oracle, test_gradcheck, test_double_backward = op_tests(CASES)


def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    x = cr.ones(200, 100)
    y = cr.nn.functional.dropout(x, 0.3)
    kept = y._data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y._data[kept], 1 / 0.7, rtol=1e-6)
    z = cr.nn.functional.dropout2d(cr.ones(50, 40, 3, 3), 0.5)
    per_map = z._data.reshape(50, 40, 9)
    assert np.all((per_map == 0).all(-1) | (per_map != 0).all(-1))  # whole feature maps dropped


def test_dropout_gradient_uses_the_same_mask():
    x = cr.ones(10, 10, requires_grad=True)
    y = cr.nn.functional.dropout(x, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, y._data)
