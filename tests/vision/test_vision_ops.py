"""chainrule.vision.ops against torchvision.ops' Python code (boxes, GIoU, focal loss, RoI align's
reference) and against brute-force loops written from the C++ kernels (NMS, RoI pool, RoI align
outside the image)."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.vision import ops

from torchvision_oracle import torchvision


def _boxes(rng, n, size=50.0):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(0, size / 2, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


def test_box_functions_equal_torchvision():
    tv = torchvision()
    rng = np.random.default_rng(0)
    a, b = _boxes(rng, 7), _boxes(rng, 5)
    a[0, 2:] = a[0, :2]   # a zero-area box
    for name in ("box_iou", "generalized_box_iou"):
        ours = getattr(ops, name)(cr.tensor(a), cr.tensor(b))
        theirs = getattr(tv.ops, name)(torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.box_area(cr.tensor(a)).numpy(), tv.ops.box_area(torch.tensor(a)).numpy())
    for fin in ("xyxy", "xywh", "cxcywh"):
        for fout in ("xyxy", "xywh", "cxcywh"):
            np.testing.assert_allclose(ops.box_convert(cr.tensor(a), fin, fout).numpy(),
                                       tv.ops.box_convert(torch.tensor(a), fin, fout).numpy(), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(ops.clip_boxes_to_image(cr.tensor(a - 10), (30, 40)).numpy(),
                               tv.ops.clip_boxes_to_image(torch.tensor(a - 10), (30, 40)).numpy())
    assert ops.remove_small_boxes(cr.tensor(a), 8.0).tolist() == \
        tv.ops.remove_small_boxes(torch.tensor(a), 8.0).tolist()


def test_generalized_iou_loss_gradient_equals_torch():
    tv = torchvision()
    rng = np.random.default_rng(1)
    a, b = _boxes(rng, 4).astype(np.float64), _boxes(rng, 4).astype(np.float64)
    pa = cr.tensor(a, requires_grad=True)
    (1 - ops.generalized_box_iou(pa, cr.tensor(b)).diagonal()).sum().backward()
    ta = torch.tensor(a, requires_grad=True)
    (1 - tv.ops.generalized_box_iou(ta, torch.tensor(b)).diagonal()).sum().backward()
    np.testing.assert_allclose(pa.grad.numpy(), ta.grad.numpy(), rtol=1e-10)


def _brute_nms(boxes, scores, thr):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        ok = True
        for j in keep:
            x1, y1 = max(boxes[i][0], boxes[j][0]), max(boxes[i][1], boxes[j][1])
            x2, y2 = min(boxes[i][2], boxes[j][2]), min(boxes[i][3], boxes[j][3])
            inter = max(x2 - x1, 0) * max(y2 - y1, 0)
            area = lambda b: (b[2] - b[0]) * (b[3] - b[1])   # noqa: E731
            union = area(boxes[i]) + area(boxes[j]) - inter
            if union > 0 and inter / union > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("thr", [0.0, 0.3, 0.7])
def test_nms_equals_the_greedy_definition(seed, thr):
    rng = np.random.default_rng(seed)
    boxes = _boxes(rng, 60, size=30.0).astype(np.float64)
    scores = rng.integers(0, 6, 60).astype(np.float64)   # many ties
    boxes[::13, 2:] = boxes[::13, :2]                      # zero-area boxes
    keep = ops.nms(cr.tensor(boxes), cr.tensor(scores), thr)
    assert keep.dtype == cr.int64 and keep.tolist() == _brute_nms(boxes.tolist(), scores.tolist(), thr)


def test_nms_edges():
    b = cr.tensor([[0., 0, 2, 2], [1, 0, 3, 2], [0, 0, 2, 2]])
    # IoU of the first two is 2/6 = 1/3: kept at threshold 1/3, suppressed just below it
    assert ops.nms(b[:2], cr.tensor([0.9, 0.8]), 1 / 3).tolist() == [0, 1]
    assert ops.nms(b[:2], cr.tensor([0.9, 0.8]), 0.33).tolist() == [0]
    assert ops.nms(b, cr.tensor([0.5, 0.9, 0.5]), 0.5).tolist() == [1, 0]   # equal scores: lower index
    assert ops.nms(cr.zeros(0, 4), cr.zeros(0), 0.5).shape == (0,)
    with pytest.raises(ValueError, match=r"nms: scores must be a Tensor of shape \(3,\)"):
        ops.nms(b, cr.tensor([1.0]), 0.5)


def test_batched_nms_never_mixes_categories():
    rng = np.random.default_rng(3)
    boxes = _boxes(rng, 40, size=20.0).astype(np.float64)
    scores = rng.uniform(size=40)
    cats = rng.integers(0, 3, 40)
    keep = ops.batched_nms(cr.tensor(boxes), cr.tensor(scores), cr.tensor(cats), 0.4).tolist()
    expect = []
    for c in range(3):
        idx = np.flatnonzero(cats == c)
        expect += [int(idx[k]) for k in _brute_nms(boxes[idx].tolist(), scores[idx].tolist(), 0.4)]
    assert keep == sorted(expect, key=lambda i: -scores[i])


def _brute_roi_align(x, rois, ph, pw, scale, ratio, aligned):
    """The C++ kernel's loops."""
    n, c, h, w = x.shape
    out = np.zeros((len(rois), c, ph, pw))
    off = 0.5 if aligned else 0.0
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        sx, sy, ex, ey = x1 * scale - off, y1 * scale - off, x2 * scale - off, y2 * scale - off
        rw, rh = ex - sx, ey - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        gh = ratio if ratio > 0 else math.ceil(rh / ph)
        gw = ratio if ratio > 0 else math.ceil(rw / pw)
        count = max(gh * gw, 1)
        for i in range(ph):
            for j in range(pw):
                total = np.zeros(c)
                for iy in range(gh):
                    yy = sy + i * rh / ph + (iy + 0.5) * rh / ph / gh
                    for ix in range(gw):
                        xx = sx + j * rw / pw + (ix + 0.5) * rw / pw / gw
                        if yy < -1.0 or yy > h or xx < -1.0 or xx > w:
                            continue
                        y, xq = max(yy, 0.0), max(xx, 0.0)
                        yl, xl = int(y), int(xq)
                        if yl >= h - 1:
                            yl = yh = h - 1
                            y = float(yl)
                        else:
                            yh = yl + 1
                        if xl >= w - 1:
                            xl = xh = w - 1
                            xq = float(xl)
                        else:
                            xh = xl + 1
                        ly, lx = y - yl, xq - xl
                        img = x[int(b)]
                        total += ((1 - ly) * (1 - lx) * img[:, yl, xl] + (1 - ly) * lx * img[:, yl, xh]
                                  + ly * (1 - lx) * img[:, yh, xl] + ly * lx * img[:, yh, xh])
                out[k, :, i, j] = total / count
    return out


ROIS = np.array([[0, 1.2, 0.7, 6.3, 5.9], [1, 0, 0, 9, 9], [0, 3.5, 2.2, 4.1, 2.9], [1, 2.7, 4.4, 8.8, 6.1]])


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("ratio", [-1, 2])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_roi_align_equals_torchvision_reference_forward_and_backward(aligned, ratio, scale):
    tv = torchvision()
    from torchvision.ops.roi_align import _roi_align
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 10, 10))
    g = rng.standard_normal((len(ROIS), 3, 3, 2))
    ours = cr.tensor(x, requires_grad=True)
    out = ops.roi_align(ours, cr.tensor(ROIS), (3, 2), scale, ratio, aligned)
    (out * cr.tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    ref = _roi_align.__wrapped__(theirs, torch.tensor(ROIS), scale, 3, 2, ratio, aligned)
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert tv is not None


def test_roi_align_outside_the_image_follows_the_kernel():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 6, 7))
    rois = np.array([[0, -4.0, -3.0, 2.0, 3.0], [0, 5.0, 4.0, 11.0, 9.0], [0, -9, -9, -2, -2]])
    for aligned in (False, True):
        out = ops.roi_align(cr.tensor(x), [cr.tensor(rois[:, 1:])], 2, 1.0, -1, aligned)
        np.testing.assert_allclose(out.numpy(), _brute_roi_align(x, rois, 2, 2, 1.0, -1, aligned), atol=1e-12)


def _brute_roi_pool(x, rois, ph, pw, scale):
    n, c, h, w = x.shape
    out, arg = np.zeros((len(rois), c, ph, pw)), np.full((len(rois), c, ph, pw), -1)
    rnd = lambda v: int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))   # noqa: E731
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        sw, sh, ew, eh = rnd(x1 * scale), rnd(y1 * scale), rnd(x2 * scale), rnd(y2 * scale)
        bh, bw = max(eh - sh + 1, 1) / ph, max(ew - sw + 1, 1) / pw
        for i in range(ph):
            for j in range(pw):
                hs = min(max(math.floor(i * bh) + sh, 0), h)
                he = min(max(math.ceil((i + 1) * bh) + sh, 0), h)
                ws = min(max(math.floor(j * bw) + sw, 0), w)
                we = min(max(math.ceil((j + 1) * bw) + sw, 0), w)
                for ch in range(c):
                    best, where = (0.0, -1) if he <= hs or we <= ws else (-np.inf, -1)
                    for yy in range(hs, he):
                        for xx in range(ws, we):
                            if x[int(b), ch, yy, xx] > best:
                                best, where = x[int(b), ch, yy, xx], (int(b), ch, yy, xx)
                    out[k, ch, i, j], arg[k, ch, i, j] = best, -1 if where == -1 else 0
                    if where != -1:
                        arg[k, ch, i, j] = np.ravel_multi_index(where, x.shape)
    return out, arg


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_roi_pool_forward_and_backward_equal_the_kernel(scale):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 8))
    rois = np.concatenate([ROIS, [[0, 7.5, 7.5, 20, 20], [1, -3, -3, -1, -1]]])
    g = rng.standard_normal((len(rois), 3, 2, 3))
    ours = cr.tensor(x, requires_grad=True)
    out = ops.roi_pool(ours, cr.tensor(rois), (2, 3), scale)
    (out * cr.tensor(g)).sum().backward()
    ref, arg = _brute_roi_pool(x, rois, 2, 3, scale)
    np.testing.assert_allclose(out.detach().numpy(), ref)
    grad = np.zeros(x.size)
    np.add.at(grad, arg[arg >= 0], g[arg >= 0])
    np.testing.assert_allclose(ours.grad.numpy().ravel(), grad)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_focal_loss_equals_torchvision(reduction):
    tv = torchvision()
    rng = np.random.default_rng(4)
    x, t = rng.standard_normal((6, 3)), (rng.uniform(size=(6, 3)) > 0.7).astype(np.float64)
    ours = cr.tensor(x, requires_grad=True)
    a = ops.sigmoid_focal_loss(ours, cr.tensor(t), reduction=reduction)
    a.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    b = tv.ops.sigmoid_focal_loss(theirs, torch.tensor(t), reduction=reduction)
    b.sum().backward()
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="Invalid Value for arg 'reduction'"):
        ops.sigmoid_focal_loss(ours, cr.tensor(t), reduction="avg")
