"""Box kernels: greedy non-maximum suppression over boxes already sorted by score.

The reference keeps the best remaining box and drops the rest that overlap it by more than the
threshold, one vectorized pass per kept box; the compiled loop does the same comparisons box by
box, without building the remaining list again each time.
"""
import numpy as np

from ._jit import jit
from ._registry import kernel


def _nms_sorted_ref(boxes, iou_threshold):
    """Indices (into the sorted boxes) that survive; boxes (n, 4) float64, best score first."""
    order = np.arange(len(boxes))
    keep = []
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        lt = np.maximum(boxes[best, :2], boxes[rest, :2])
        rb = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        wh = np.clip(rb - lt, 0, None)
        inter = wh[:, 0] * wh[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = inter / (area[best] + area[rest] - inter)
        order = rest[~(iou > iou_threshold)]      # NaN (0/0) suppresses nothing
    return np.asarray(keep, np.int64)


def _nms_sorted_loop(boxes, iou_threshold, removed, keep):
    n = boxes.shape[0]
    count = 0
    for i in range(n):
        if removed[i]:
            continue
        keep[count] = i
        count += 1
        x1, y1, x2, y2 = boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
        area_i = (x2 - x1) * (y2 - y1)
        for j in range(i + 1, n):
            if removed[j]:
                continue
            w = max(min(x2, boxes[j, 2]) - max(x1, boxes[j, 0]), 0.0)
            h = max(min(y2, boxes[j, 3]) - max(y1, boxes[j, 1]), 0.0)
            inter = w * h
            union = area_i + (boxes[j, 2] - boxes[j, 0]) * (boxes[j, 3] - boxes[j, 1]) - inter
            if union > 0.0 and inter / union > iou_threshold:
                removed[j] = True
    return count


@kernel("nms_sorted", _nms_sorted_ref)
def _build_nms_sorted():
    loop = jit(_nms_sorted_loop)

    def run(boxes, iou_threshold):
        boxes = np.ascontiguousarray(boxes, dtype=np.float64)
        keep = np.empty(len(boxes), np.int64)
        count = loop(boxes, float(iou_threshold), np.zeros(len(boxes), np.bool_), keep)
        return keep[:count]
    return run
