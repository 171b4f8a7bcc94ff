"""YOLO v1's loss against the notes' formula written as plain loops, its targets and decoding, and
mAP (VOC all-point) on cases worked by hand."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.gradcheck import gradcheck
from chainrule.data.datasets import make_shapes
from chainrule.vision import detection as D


def _naive_loss(p, t, B, C, lc=5.0, ln=0.5, conf="iou"):
    n, S = p.shape[:2]
    total = 0.0

    def corners(x, y, w, h, i, j):
        cx, cy = (x + j) / S, (y + i) / S
        return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

    def iou(a, b):
        ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
        return ix * iy / u if u > 0 else 0.0
    for k in range(n):
        for i in range(S):
            for j in range(S):
                cell, tc = p[k, i, j], t[k, i, j]
                if tc[4] > 0:
                    truth = corners(*tc[:4], i, j)
                    ious = [iou(corners(*cell[5 * b:5 * b + 4], i, j), truth) for b in range(B)]
                    r = int(np.argmax(ious))
                else:
                    r = -1
                for b in range(B):
                    x, y, w, h, c = cell[5 * b:5 * b + 5]
                    if b == r:
                        total += lc * ((x - tc[0]) ** 2 + (y - tc[1]) ** 2)
                        total += lc * ((math.sqrt(w) - math.sqrt(tc[2])) ** 2 + (math.sqrt(h) - math.sqrt(tc[3])) ** 2)
                        total += (c - (ious[b] if conf == "iou" else 1.0)) ** 2
                    else:
                        total += ln * c ** 2
                if tc[4] > 0:
                    total += sum((cell[5 * B + q] - tc[5 + q]) ** 2 for q in range(C))
    return total / n


def _case(seed, S=4, B=2, C=3):
    images, boxes, labels = make_shapes(3, seed=seed)
    t = D.yolo_v1_targets(boxes, labels, S, C, 64)
    p = np.random.default_rng(seed).uniform(0.05, 0.95, (3, S, S, B * 5 + C))
    return p, t, boxes, labels


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("conf", ["iou", "one"])
def test_yolo_loss_is_the_notes_formula(seed, conf):
    p, t, _, _ = _case(seed)
    loss, terms = D.yolo_v1_loss(cr.tensor(p), t, 2, 3, confidence_target=conf)
    assert loss.item() == pytest.approx(_naive_loss(p, t.astype(np.float64), 2, 3, conf=conf), rel=1e-10)
    assert sum(terms.values()) == pytest.approx(loss.item(), rel=1e-10)


def test_yolo_loss_gradient_by_finite_differences():
    p, t, _, _ = _case(5)
    x = cr.tensor(p, requires_grad=True)
    assert gradcheck(lambda q: D.yolo_v1_loss(q, t, 2, 3, confidence_target="one")[0], (x,))


def test_targets_and_decoding_round_trip():
    boxes, labels = [np.array([[10.0, 20.0, 30.0, 36.0]])], [np.array([2])]
    t = D.yolo_v1_targets(boxes, labels, 4, 3, 64)
    i, j = 1, 1   # centre (20, 28) → cell row 28/16 = 1, column 20/16 = 1
    np.testing.assert_allclose(t[0, i, j], [20 / 16 - 1, 28 / 16 - 1, 20 / 64, 16 / 64, 1, 0, 0, 1])
    assert t[0].sum() == pytest.approx(t[0, i, j].sum())
    pred = np.zeros((1, 4, 4, 2 * 5 + 3), np.float32)
    pred[0, i, j, :5] = t[0, i, j, :5]
    pred[0, i, j, 10:] = [0.1, 0.1, 0.8]
    (found, scores, labs), = D.yolo_v1_decode(cr.tensor(pred), 2, 3, 64, score_threshold=0.5)
    np.testing.assert_allclose(found, boxes[0], atol=1e-4)
    assert labs.tolist() == [2] and scores.tolist() == pytest.approx([0.8])


def test_mean_average_precision_by_hand():
    gt = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30.]]), np.array([0, 0]))]
    perfect = [(gt[0][0], np.array([0.9, 0.8]), np.array([0, 0]))]
    assert D.mean_average_precision(perfect, gt, 1)[0] == 1.0
    # TP 0.9, FP 0.8, TP 0.7: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 → AP = ½·1 + ½·⅔
    mixed = [(np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30.]]), np.array([0.9, 0.8, 0.7]),
              np.array([0, 0, 0]))]
    assert D.mean_average_precision(mixed, gt, 1)[0] == pytest.approx(0.5 + 0.5 * 2 / 3)
    # a duplicate of a found object is a false positive; an IoU below 0.5 is a miss
    dup = [(np.array([[0, 0, 10, 10], [1, 0, 11, 10], [24, 24, 34, 34.]]), np.array([0.9, 0.8, 0.7]),
            np.array([0, 0, 0]))]
    assert D.mean_average_precision(dup, gt, 1)[0] == pytest.approx(0.5)
    # classes: one found perfectly, one never detected → mAP ½
    two = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30.]]), np.array([0, 1]))]
    found = [(np.array([[0, 0, 10, 10.]]), np.array([0.9]), np.array([0]))]
    m, aps = D.mean_average_precision(found, two, 3)
    assert aps == {0: 1.0, 1: 0.0} and m == 0.5
    assert D.average_precision(np.array([0.5, 1.0]), np.array([1.0, 0.5])) == pytest.approx(0.75)


def test_shapes_are_drawn_inside_their_boxes():
    images, boxes, labels = make_shapes(8, seed=3, noise=0.0)
    assert images.shape == (8, 3, 64, 64) and 0 <= images.min() and images.max() <= 1
    for img, bx, lb in zip(images, boxes, labels):
        assert 1 <= len(bx) <= 3 and len(lb) == len(bx) and set(lb.tolist()) <= {0, 1, 2}
        for x1, y1, x2, y2 in bx:
            assert 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64
            assert img[:, int((y1 + y2) / 2), int((x1 + x2) / 2)].min() >= 0.5   # shapes are bright ...
        covered = np.zeros((64, 64), bool)
        for x1, y1, x2, y2 in bx:
            covered[int(y1):int(np.ceil(y2)) + 1, int(x1):int(np.ceil(x2)) + 1] = True
        assert img[:, ~covered].max() <= 0.25                                    # ... on a dark ground
    with pytest.raises(ValueError, match="make_shapes"):
        make_shapes(2, max_radius=40)
