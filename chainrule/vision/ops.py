"""Detection ops with ``torchvision.ops``' names and semantics: boxes, IoU, non-maximum
suppression, RoI pooling and RoI align, the focal loss.

Boxes are (x1, y1, x2, y2) with x1 ≤ x2, y1 ≤ y2 unless a function says otherwise. The box
functions are built from Tensor ops, so IoU-based losses (GIoU) differentiate through them; NMS
returns indices and is not differentiable (as torchvision's).
"""
import numpy as np

from .. import kernels as K
from ..autograd.tensor import Tensor, wrap_array
from ..ops.math_ops import sigmoid
from ..ops.combine import stack
from ..ops.loss import binary_cross_entropy_with_logits

_FORMATS = ("xyxy", "xywh", "cxcywh")


def _check_boxes(boxes, what, arg="boxes"):
    if not isinstance(boxes, Tensor):
        raise TypeError(f"{what}: {arg} must be a Tensor, got {type(boxes).__name__}")
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{what}: {arg} must have shape (N, 4) as (x1, y1, x2, y2), got {tuple(boxes.shape)}")


def box_area(boxes):
    """(x2 − x1)·(y2 − y1) of each box."""
    _check_boxes(boxes, "box_area")
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _intersection_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = boxes1[:, None, :2].maximum(boxes2[None, :, :2])      # [N, M, 2] top-left of the overlap
    rb = boxes1[:, None, 2:].minimum(boxes2[None, :, 2:])      # bottom-right
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[:, None] + area2[None, :] - inter


def box_iou(boxes1, boxes2):
    """IoU = area(A ∩ B) / area(A ∪ B) for every pair: an [N, M] matrix."""
    _check_boxes(boxes1, "box_iou", "boxes1")
    _check_boxes(boxes2, "box_iou", "boxes2")
    inter, union = _intersection_union(boxes1, boxes2)
    return inter / union


def generalized_box_iou(boxes1, boxes2):
    """GIoU = IoU − (area(C) − area(A ∪ B)) / area(C), C the smallest box enclosing both: in
    [−1, 1], and still informative (a gradient) when the boxes do not overlap."""
    _check_boxes(boxes1, "generalized_box_iou", "boxes1")
    _check_boxes(boxes2, "generalized_box_iou", "boxes2")
    inter, union = _intersection_union(boxes1, boxes2)
    lt = boxes1[:, None, :2].minimum(boxes2[None, :, :2])
    rb = boxes1[:, None, 2:].maximum(boxes2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    enclosing = wh[..., 0] * wh[..., 1]
    return inter / union - (enclosing - union) / enclosing


def box_convert(boxes, in_fmt, out_fmt):
    """Between 'xyxy' (corners), 'xywh' (corner + size) and 'cxcywh' (centre + size)."""
    if in_fmt not in _FORMATS or out_fmt not in _FORMATS:
        raise ValueError(f"box_convert: unsupported box format: in_fmt={in_fmt!r}, out_fmt={out_fmt!r}; "
                         f"supported: {', '.join(_FORMATS)}")
    _check_boxes(boxes, "box_convert")
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = (boxes[:, i] for i in range(4))
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return stack([a, b, c, d], dim=-1)


def clip_boxes_to_image(boxes, size):
    """Clamp x to [0, width] and y to [0, height]; ``size`` is (height, width)."""
    if boxes.shape[-1] != 4:
        raise ValueError(f"clip_boxes_to_image: boxes must end in 4 coordinates, got {tuple(boxes.shape)}")
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], dim=-1)


def remove_small_boxes(boxes, min_size):
    """Indices of the boxes whose width and height are both at least ``min_size``."""
    _check_boxes(boxes, "remove_small_boxes")
    b = boxes._data
    keep = ((b[:, 2] - b[:, 0]) >= min_size) & ((b[:, 3] - b[:, 1]) >= min_size)
    return wrap_array(np.flatnonzero(keep).astype(np.int64))


def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression — the notes' four steps:

    1. sort the candidate boxes by score, highest first;
    2. take the best remaining box into the result;
    3. remove every remaining box whose IoU with it is above ``iou_threshold``;
    4. repeat 2–3 until no box remains.

    Returns the int64 indices of the kept boxes by decreasing score (equal scores: lower index
    first). A box whose IoU equals the threshold is kept; a zero-area box suppresses nothing.
    """
    _check_boxes(boxes, "nms")
    if not isinstance(scores, Tensor) or scores.shape != (boxes.shape[0],):
        raise ValueError(f"nms: scores must be a Tensor of shape ({boxes.shape[0]},) (one per box), got "
                         f"{tuple(scores.shape) if isinstance(scores, Tensor) else type(scores).__name__}")
    order = np.argsort(-scores._data.astype(np.float64), kind="stable")          # step 1
    kept = K.nms_sorted(boxes._data[order].astype(np.float64), iou_threshold)    # steps 2–4
    keep = order[kept]
    return wrap_array(np.asarray(keep, dtype=np.int64))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """NMS within each category ``idxs`` (boxes of different categories never suppress each other);
    indices of the kept boxes by decreasing score."""
    _check_boxes(boxes, "batched_nms")
    cats = np.asarray(idxs._data if isinstance(idxs, Tensor) else idxs)
    if cats.shape != (boxes.shape[0],):
        raise ValueError(f"batched_nms: idxs must hold one category per box ({boxes.shape[0]}), got shape "
                         f"{cats.shape}")
    keep = []
    for c in np.unique(cats):
        members = np.flatnonzero(cats == c)
        kept = nms(wrap_array(boxes._data[members]), wrap_array(scores._data[members]), iou_threshold)
        keep.append(members[kept._data])
    keep = np.concatenate(keep) if keep else np.zeros(0, np.int64)
    keep = keep[np.argsort(-scores._data[keep].astype(np.float64), kind="stable")]
    return wrap_array(keep.astype(np.int64))


# ----------------------------------------------------------------------------------- RoI ops
def _rois(boxes, what):
    """Boxes as a [K, 5] array (batch index, x1, y1, x2, y2), from that or a list of [L, 4] tensors."""
    if isinstance(boxes, (list, tuple)):
        rows = []
        for i, b in enumerate(boxes):
            a = np.asarray(b._data if isinstance(b, Tensor) else b, dtype=np.float64).reshape(-1, 4)
            rows.append(np.concatenate([np.full((len(a), 1), i), a], 1))
        return np.concatenate(rows) if rows else np.zeros((0, 5))
    a = np.asarray(boxes._data if isinstance(boxes, Tensor) else boxes, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 5:
        raise ValueError(f"{what}: boxes must be a Tensor[K, 5] (batch index, x1, y1, x2, y2) or a list of "
                         f"Tensor[L, 4], got shape {a.shape}")
    return a


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _axis_weights(start, bin_size, grid, pooled, size):
    """RoI align along one axis as a [pooled, size] matrix: row p averages ``grid`` bilinear samples
    at start + p·bin + (i + ½)·bin/grid; a sample outside [−1, size] contributes 0 (the kernel's rule)."""
    w = np.zeros((pooled, size))
    for p in range(pooled):
        for i in range(grid):
            y = start + p * bin_size + (i + 0.5) * bin_size / grid
            if y < -1.0 or y > size:
                continue
            y = max(y, 0.0)
            low = int(y)
            if low >= size - 1:
                low = high = size - 1
                y = float(low)
            else:
                high = low + 1
            frac = y - low
            w[p, low] += (1 - frac) / grid
            w[p, high] += frac / grid
    return w


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """Mask R-CNN's RoI align: each output bin averages bilinearly interpolated samples of its region
    (``sampling_ratio`` per axis, or ceil(roi size / output size) when ≤ 0). Bilinear weights factor
    into a y part and an x part, so a region's output is Ay · X · Axᵀ for two small matrices —
    linear in X, and backward is Ayᵀ · G · Ax, scattered to the RoI's image."""
    if input.ndim != 4:
        raise ValueError(f"roi_align: input must be N×C×H×W, got shape {tuple(input.shape)}")
    ph, pw = _pair(output_size)
    rois = _rois(boxes, "roi_align")
    height, width = input.shape[2:]
    offset = 0.5 if aligned else 0.0
    ays, axs = [], []
    for _, x1, y1, x2, y2 in rois:
        sx, sy = x1 * spatial_scale - offset, y1 * spatial_scale - offset
        rw, rh = x2 * spatial_scale - offset - sx, y2 * spatial_scale - offset - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        gh = sampling_ratio if sampling_ratio > 0 else int(np.ceil(rh / ph))
        gw = sampling_ratio if sampling_ratio > 0 else int(np.ceil(rw / pw))
        # count = max(gh·gw, 1): a zero grid gives an all-zero matrix
        ays.append(_axis_weights(sy, rh / ph, gh, ph, height))
        axs.append(_axis_weights(sx, rw / pw, gw, pw, width))
    dtype = input._data.dtype
    if not len(rois):
        return wrap_array(np.zeros((0, input.shape[1], ph, pw), dtype))
    ay = wrap_array(np.stack(ays).astype(dtype)[:, None])                 # K×1×PH×H
    axt = wrap_array(np.stack(axs).astype(dtype).transpose(0, 2, 1)[:, None])   # K×1×W×PW
    regions = input[wrap_array(rois[:, 0].astype(np.int64))]              # K×C×H×W
    return ay @ regions @ axt


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Fast R-CNN's RoI max pooling: the region (corners rounded to the feature grid) split into
    output_size bins, the maximum of each (an empty bin gives 0); backward sends each bin's gradient
    to its maximum."""
    if input.ndim != 4:
        raise ValueError(f"roi_pool: input must be N×C×H×W, got shape {tuple(input.shape)}")
    ph, pw = _pair(output_size)
    rois = _rois(boxes, "roi_pool")
    n, c, height, width = input.shape
    x = input._data
    index = np.zeros((len(rois), c, ph, pw), np.int64)   # flat positions in N·H·W per channel
    full = np.zeros((len(rois), c, ph, pw), bool)

    def rnd(v):   # C's round(): halves away from zero
        return int(np.sign(v) * np.floor(abs(v) + 0.5))
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        b = int(b)
        sw, sh, ew, eh = (rnd(v * spatial_scale) for v in (x1, y1, x2, y2))
        bh, bw = max(eh - sh + 1, 1) / ph, max(ew - sw + 1, 1) / pw
        for i in range(ph):
            hs = min(max(int(np.floor(i * bh)) + sh, 0), height)
            he = min(max(int(np.ceil((i + 1) * bh)) + sh, 0), height)
            for j in range(pw):
                ws = min(max(int(np.floor(j * bw)) + sw, 0), width)
                we = min(max(int(np.ceil((j + 1) * bw)) + sw, 0), width)
                if he <= hs or we <= ws:
                    continue
                region = x[b, :, hs:he, ws:we].reshape(c, -1)
                at = region.argmax(1)   # the first maximum, as the kernel's strict '>'
                index[k, :, i, j] = b * height * width + (hs + at // (we - ws)) * width + ws + at % (we - ws)
                full[k, :, i, j] = True
    flat = input.permute(1, 0, 2, 3).reshape(c, n * height * width)      # C × (N·H·W)
    picked = flat.gather(1, wrap_array(index.transpose(1, 0, 2, 3).reshape(c, -1)))
    out = picked.reshape(c, len(rois), ph, pw).permute(1, 0, 2, 3)
    return out * wrap_array(full.astype(x.dtype))


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """RetinaNet's focal loss: FL = −α_t (1 − p_t)^γ log p_t, p_t = p for positives and 1 − p for
    negatives — easy examples (p_t near 1) are down-weighted so the rare hard ones drive learning."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction}' \n Supported reduction modes: "
                         f"'none', 'mean', 'sum'")
    p = sigmoid(inputs)
    ce = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
