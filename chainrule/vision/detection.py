"""YOLO v1 (Redmon et al., 2016) as the notes write it, and the mean average precision that grades a
detector (Lecture 6).

YOLO divides the image into an S×S grid; each cell predicts B boxes (x, y, w, h, confidence) and C
class probabilities, an output of S×S×(B·5 + C). (x, y) is the box centre within its cell, (w, h)
its size relative to the image, all in [0, 1]. The cell holding an object's centre is responsible
for it, and of its B boxes the one whose prediction overlaps the object most (IoU). The loss:

    λ_coord Σ_i Σ_j 1_ij^obj [(x − x̂)² + (y − ŷ)²] + λ_coord Σ_i Σ_j 1_ij^obj [(√w − √ŵ)² + (√h − √ĥ)²]
  + Σ_i Σ_j 1_ij^obj (C − Ĉ)² + λ_noobj Σ_i Σ_j 1_ij^noobj (C − Ĉ)²
  + Σ_i 1_i^obj Σ_c (p_i(c) − p̂_i(c))²

with Ĉ the IoU of the responsible box with the object (or 1), λ_coord = 5, λ_noobj = 0.5, summed
over the grid and averaged over the batch.
"""
import numpy as np

from ..autograd.tensor import Tensor, wrap_array
from .ops import batched_nms


def yolo_v1_targets(boxes, labels, S, C, image_size):
    """Per image, an (S, S, 5 + C) array: for the cell holding each object's centre (x, y in the
    cell, w, h of the image, 1 = object here, one-hot class); the first object wins a shared cell."""
    out = np.zeros((len(boxes), S, S, 5 + C), np.float32)
    for n, (bx, lb) in enumerate(zip(boxes, labels)):
        for (x1, y1, x2, y2), c in zip(np.asarray(bx, np.float64), lb):
            cx, cy = (x1 + x2) / 2 / image_size * S, (y1 + y2) / 2 / image_size * S
            i, j = min(int(cy), S - 1), min(int(cx), S - 1)
            if out[n, i, j, 4]:
                continue
            out[n, i, j, :5] = (cx - j, cy - i, (x2 - x1) / image_size, (y2 - y1) / image_size, 1.0)
            out[n, i, j, 5 + int(c)] = 1.0
    return out


def _cell_boxes_xyxy(x, y, w, h, S):
    """Corners in image units (0..1) of boxes given as cell offsets and sizes, on arrays or Tensors."""
    gi = np.arange(S, dtype=np.float32)
    cx = (x + gi[None, None, :]) / S
    cy = (y + gi[None, :, None]) / S
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _iou_xyxy(a, b):
    ix = np.clip(np.minimum(a[2], b[2]) - np.maximum(a[0], b[0]), 0, None)
    iy = np.clip(np.minimum(a[3], b[3]) - np.maximum(a[1], b[1]), 0, None)
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def yolo_v1_loss(pred, target, B, C, lambda_coord=5.0, lambda_noobj=0.5, confidence_target="iou"):
    """The loss of the module docstring. ``pred`` (N, S, S, B·5 + C): each box's (x, y, w, h, conf)
    in [0, 1] and the class probabilities; ``target`` from ``yolo_v1_targets``. Returns the scalar
    averaged over the batch, and a dict of its five terms (floats) for logging."""
    if confidence_target not in ("iou", "one"):
        raise ValueError(f"yolo_v1_loss: confidence_target must be 'iou' or 'one', got {confidence_target!r}")
    if not isinstance(pred, Tensor) or pred.ndim != 4 or pred.shape[-1] != B * 5 + C:
        raise ValueError(f"yolo_v1_loss: pred must be a Tensor (N, S, S, B·5 + C = {B * 5 + C}), got "
                         f"{tuple(pred.shape) if isinstance(pred, Tensor) else type(pred).__name__}")
    t = target._data if isinstance(target, Tensor) else np.asarray(target, np.float32)
    n, S = pred.shape[0], pred.shape[1]
    if t.shape != (n, S, S, 5 + C):
        raise ValueError(f"yolo_v1_loss: target must have shape {(n, S, S, 5 + C)}, got {t.shape}")
    p = pred._data
    t = t.astype(p.dtype, copy=False)
    obj = t[..., 4] > 0                                                   # 1_i^obj, (N, S, S)
    truth = _cell_boxes_xyxy(t[..., 0], t[..., 1], t[..., 2], t[..., 3], S)
    ious = np.stack([_iou_xyxy(_cell_boxes_xyxy(p[..., 5 * b], p[..., 5 * b + 1], p[..., 5 * b + 2],
                                                p[..., 5 * b + 3], S), truth) for b in range(B)], -1)
    best = ious.argmax(-1)                                                # the responsible predictor
    resp = np.zeros(p.shape[:3] + (B,), p.dtype)                          # 1_ij^obj
    resp[obj, best[obj]] = 1.0
    noobj = 1.0 - resp                                                    # 1_ij^noobj
    conf_target = np.where(resp > 0, ious if confidence_target == "iou" else 1.0, 0.0).astype(p.dtype)
    boxes = pred[..., :5 * B].reshape(n, S, S, B, 5)
    r = wrap_array(resp)
    tx, ty = wrap_array(t[..., None, 0:1].repeat(B, -2)), wrap_array(t[..., None, 1:2].repeat(B, -2))
    tw, th = wrap_array(np.sqrt(t[..., None, 2:3]).repeat(B, -2)), wrap_array(np.sqrt(t[..., None, 3:4]).repeat(B, -2))
    xy = ((boxes[..., 0:1] - tx) ** 2 + (boxes[..., 1:2] - ty) ** 2)[..., 0]
    wh = ((boxes[..., 2:3].clamp(min=0).sqrt() - tw) ** 2 + (boxes[..., 3:4].clamp(min=0).sqrt() - th) ** 2)[..., 0]
    conf_err = (boxes[..., 4] - wrap_array(conf_target)) ** 2
    cls = ((pred[..., 5 * B:] - wrap_array(t[..., 5:])) ** 2).sum(-1) * wrap_array(obj.astype(p.dtype))
    terms = {"coord_xy": lambda_coord * (r * xy).sum(), "coord_wh": lambda_coord * (r * wh).sum(),
             "conf_obj": (r * conf_err).sum(), "conf_noobj": lambda_noobj * (wrap_array(noobj) * conf_err).sum(),
             "class": cls.sum()}
    total = sum(terms.values()) / n
    return total, {k: v.item() / n for k, v in terms.items()}


def yolo_v1_decode(pred, B, C, image_size, score_threshold=0.2, iou_threshold=0.5):
    """Per image (boxes in pixels xyxy, scores = confidence × class probability, labels), after a
    score threshold and NMS within each class."""
    p = pred._data if isinstance(pred, Tensor) else np.asarray(pred)
    S = p.shape[1]
    results = []
    for img in p:
        found = []
        for b in range(B):
            x1, y1, x2, y2 = (v * image_size for v in _cell_boxes_xyxy(img[..., 5 * b][None], img[..., 5 * b + 1][None],
                                                                       img[..., 5 * b + 2][None], img[..., 5 * b + 3][None], S))
            cls = img[..., 5 * B:]
            label = cls.argmax(-1)
            score = img[..., 5 * b + 4] * cls.max(-1)
            found.append(np.stack([x1[0], y1[0], x2[0], y2[0], score, label], -1).reshape(-1, 6))
        det = np.concatenate(found)
        det = det[det[:, 4] >= score_threshold]
        if len(det):
            keep = batched_nms(wrap_array(det[:, :4].astype(np.float32)), wrap_array(det[:, 4]),
                               wrap_array(det[:, 5].astype(np.int64)), iou_threshold)._data
            det = det[keep]
        results.append((det[:, :4].astype(np.float32), det[:, 4].astype(np.float32), det[:, 5].astype(np.int64)))
    return results


def average_precision(recall, precision):
    """VOC's all-point interpolated AP: the area under the precision envelope (each precision
    replaced by the best precision at any higher recall), summed where recall changes."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    changes = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[changes + 1] - r[changes]) * p[changes + 1]))


def mean_average_precision(detections, ground_truths, num_classes, iou_threshold=0.5):
    """mAP@iou_threshold over images. ``detections``: per image (boxes, scores, labels);
    ``ground_truths``: per image (boxes, labels). A detection is a true positive when it overlaps an
    unmatched object of its class by at least the threshold (highest scores matched first).
    Returns (mAP over the classes that have objects, {class: AP})."""
    if len(detections) != len(ground_truths):
        raise ValueError(f"mean_average_precision: {len(detections)} images of detections for "
                         f"{len(ground_truths)} of ground truth")
    aps = {}
    for c in range(num_classes):
        scored, n_true = [], 0
        taken = []
        for i, ((db, ds, dl), (gb, gl)) in enumerate(zip(detections, ground_truths)):
            gb, gl = np.asarray(gb, np.float64).reshape(-1, 4), np.asarray(gl)
            n_true += int((gl == c).sum())
            taken.append(np.zeros(len(gb), bool))
            for box, s, lab in zip(np.asarray(db, np.float64).reshape(-1, 4), np.asarray(ds), np.asarray(dl)):
                if lab == c:
                    scored.append((-float(s), i, box))
        if n_true == 0:
            continue
        scored.sort(key=lambda e: e[0])
        tp = np.zeros(len(scored))
        for k, (_, i, box) in enumerate(scored):
            gb, gl = np.asarray(ground_truths[i][0], np.float64).reshape(-1, 4), np.asarray(ground_truths[i][1])
            cand = np.flatnonzero(gl == c)
            if len(cand):
                ious = np.array([_iou_xyxy(box, gb[j]) for j in cand])
                j = int(np.argmax(ious))
                if ious[j] >= iou_threshold and not taken[i][cand[j]]:
                    taken[i][cand[j]] = True
                    tp[k] = 1
        ctp = np.cumsum(tp)
        recall = ctp / n_true
        precision = ctp / np.arange(1, len(tp) + 1) if len(tp) else np.zeros(0)
        aps[c] = average_precision(recall, precision)
    return (float(np.mean(list(aps.values()))) if aps else 0.0), aps
