"""Lecture 6 — object detection: IoU and non-maximum suppression, and YOLO's one-pass detector
graded by mean average precision."""
import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule.data.datasets import SHAPE_CLASSES, make_shapes
from chainrule.models import TinyYOLOv1
from chainrule.vision import detection as D
from chainrule.vision import ops as V

from .common import figure, lines
from .lang import tr
from .registry import Result, experiment

TITLE = "Lecture 6 — Object detection: IoU, non-maximum suppression, YOLO and mAP"
ORDER = 5

_COLOURS = ("tab:red", "tab:green", "tab:blue")


def _draw_boxes(ax, image, boxes, labels, scores=None, style="-"):
    from matplotlib.patches import Rectangle
    ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
    for k, ((x1, y1, x2, y2), c) in enumerate(zip(boxes, labels)):
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=1.2, ls=style,
                               edgecolor=_COLOURS[int(c) % 3]))
        if scores is not None:
            ax.text(x1, y1 - 1, f"{scores[k]:.2f}", fontsize=6, color=_COLOURS[int(c) % 3])
    ax.axis("off")


# ------------------------------------------------------------------------------- IoU and NMS
@dataclasses.dataclass
class NMSConfig:
    candidates: int = 12
    jitter: float = 0.15
    thresholds: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
    RANGES = {"candidates": (1, 200), "jitter": (0.0, 0.5), "thresholds": (0.0, 1.0)}


def candidate_boxes(boxes, labels, per_object, jitter, rng):
    """What a detector emits before NMS: ``per_object`` shifted and rescaled copies of each object's
    box (offsets up to ``jitter`` of its size), scored higher the closer they are."""
    out, scores, owner, cls = [], [], [], []
    for k, ((x1, y1, x2, y2), c) in enumerate(zip(boxes, labels)):
        w, h = x2 - x1, y2 - y1
        for _ in range(per_object):
            d = rng.uniform(-jitter, jitter, 4) * [w, h, w, h]
            box = np.array([x1, y1, x2, y2]) + d
            iou = V.box_iou(cr.tensor(box[None].astype(np.float32)), cr.tensor(np.array([[x1, y1, x2, y2]], np.float32)))
            out.append(box)
            scores.append(float(iou.item()) * rng.uniform(0.8, 1.0))
            owner.append(k)
            cls.append(c)
    return (np.asarray(out, np.float32), np.asarray(scores, np.float32), np.asarray(owner), np.asarray(cls))


@experiment("detection.iou_nms", NMSConfig,
            "A detector proposes many overlapping boxes for each object: how does non-maximum suppression "
            "keep one per object, and what does its IoU threshold decide?",
            "IoU(A, B) = area(A ∩ B) / area(A ∪ B);  NMS: sort by score; keep the best; drop the rest with "
            "IoU > threshold; repeat",
            quick=dict(candidates=8))
def iou_nms(cfg, ctx):
    """Q: How does NMS turn many overlapping candidates into one box per object?

    A: it keeps the best-scored box, removes every candidate overlapping it by more than the IoU
    threshold, and repeats: at a middle threshold exactly one box per object survives, while a high
    threshold lets the duplicates through.
    """
    images, boxes, labels = make_shapes(1, min_objects=3, max_objects=3, seed=ctx.seed, min_radius=9)
    boxes, labels = boxes[0], labels[0]
    cand, scores, owner, cls = candidate_boxes(boxes, labels, cfg.candidates, cfg.jitter, ctx.rng)
    kept = {}
    for thr in cfg.thresholds:
        keep = V.nms(cr.tensor(cand), cr.tensor(scores), thr).numpy()
        kept[thr] = keep
    counts = {str(t): int(len(k)) for t, k in kept.items()}
    one_each = {str(t): bool(len(k) == len(boxes) and len(set(owner[k])) == len(boxes)) for t, k in kept.items()}
    mid = min(cfg.thresholds, key=lambda t: abs(t - 0.5))
    fig, axes = figure(w=8, h=3.2)
    fig.clf()
    axes = fig.subplots(1, 2)
    _draw_boxes(axes[0], images[0], cand, cls, style=":")
    axes[0].set_title(tr("detection.iou_nms.before", "{n} candidates", n=len(cand)), fontsize=9)
    _draw_boxes(axes[1], images[0], cand[kept[mid]], cls[kept[mid]], scores[kept[mid]])
    axes[1].set_title(tr("detection.iou_nms.after", "after NMS at IoU {t}", t=mid), fontsize=9)
    fig_t = lines({tr("detection.iou_nms.kept", "boxes kept"): (list(cfg.thresholds), [counts[str(t)] for t in cfg.thresholds])},
                  tr("detection.iou_nms.sweep", "Boxes kept against the IoU threshold ({n} objects)", n=len(boxes)),
                  tr("detection.iou_nms.threshold", "IoU threshold"), tr("detection.iou_nms.count", "boxes"))
    fig_t.axes[0].axhline(len(boxes), color="k", ls="--", lw=1)
    head = tr("detection.iou_nms.headline",
              "{n} objects, {c} candidates: NMS keeps {k} at IoU threshold {t} ({verdict}); at {hi} it keeps {khi}.",
              n=len(boxes), c=len(cand), k=counts[str(mid)], t=mid,
              verdict=tr("detection.iou_nms.one_each", "one per object") if one_each[str(mid)] else
              tr("detection.iou_nms.not_one_each", "not one per object this time"),
              hi=max(cfg.thresholds), khi=counts[str(max(cfg.thresholds))])
    return Result({"objects": len(boxes), "candidates": len(cand), "kept": counts, "one_per_object": one_each,
                   "middle_threshold": mid}, {"nms": fig, "threshold_sweep": fig_t}, head)


# -------------------------------------------------------------------------------------- YOLO
@dataclasses.dataclass
class YoloConfig:
    n_train: int = 3000
    n_val: int = 500
    epochs: int = 6
    width: int = 32
    lr: float = 2e-3
    RANGES = {"n_train": (100, 100_000), "n_val": (20, 10_000), "epochs": (1, 200), "width": (4, 256),
              "lr": (1e-5, 1.0)}


def _predict(model, x, batch=250):
    model.eval()
    with cr.no_grad():
        out = np.concatenate([model(cr.tensor(x[i:i + batch])).numpy() for i in range(0, len(x), batch)])
    model.train()
    return out


@experiment("detection.tiny_yolo", YoloConfig,
            "YOLO: can one pass of a CNN that regresses an S×S grid of boxes find and classify every "
            "shape in an image — how good is it by mAP@0.5, and how fast?",
            "loss = λ_coord Σ 1^obj [(x−x̂)² + (y−ŷ)² + (√w−√ŵ)² + (√h−√ĥ)²] + Σ 1^obj (C−Ĉ)² + "
            "λ_noobj Σ 1^noobj (C−Ĉ)² + Σ 1^obj Σ_c (p(c) − p̂(c))²",
            quick=dict(n_train=1500, n_val=100, epochs=2))
def tiny_yolo(cfg, ctx):
    """Q: How well does a tiny one-pass YOLO detect the shapes, by mAP@0.5, and how fast is it?

    A: trained on generated images of circles, squares and triangles, it passes mAP@0.5 = 0.7 within
    the first epochs and ends near 0.99, reading all 16 cells of an image in one forward pass —
    milliseconds per image on a CPU.
    """
    S, B, C = 4, 2, len(SHAPE_CLASSES)
    xtr, btr, ltr = make_shapes(cfg.n_train, seed=2 * ctx.seed)
    xva, bva, lva = make_shapes(cfg.n_val, seed=2 * ctx.seed + 1)
    ttr = D.yolo_v1_targets(btr, ltr, S, C, 64)
    cr.manual_seed(ctx.seed)
    model = TinyYOLOv1(num_classes=C, boxes=B, width=cfg.width)
    opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
    curve, losses, started = [], [], time.perf_counter()
    truths = list(zip(bva, lva))
    for _ in ctx.progress(range(cfg.epochs), total=cfg.epochs, desc="epochs"):
        order, total = ctx.rng.permutation(cfg.n_train), 0.0
        for i in range(0, cfg.n_train, 32):
            idx = order[i:i + 32]
            opt.zero_grad()
            loss, _ = D.yolo_v1_loss(model(cr.tensor(xtr[idx])), ttr[idx], B, C)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / cfg.n_train)
        curve.append(D.mean_average_precision(D.yolo_v1_decode(_predict(model, xva), B, C, 64, score_threshold=0.05),
                                              truths, C)[0])
    seconds = time.perf_counter() - started
    t = time.perf_counter()
    pred = _predict(model, xva)
    per_image = (time.perf_counter() - t) / cfg.n_val
    m_ap, aps = D.mean_average_precision(D.yolo_v1_decode(pred, B, C, 64, score_threshold=0.05), truths, C)
    shown = D.yolo_v1_decode(pred[:4], B, C, 64, score_threshold=0.3)
    fig, _ = figure(w=8, h=2.4)
    fig.clf()
    for ax, img, (bx, sc, lb) in zip(fig.subplots(1, 4), xva[:4], shown):
        _draw_boxes(ax, img, bx, lb, sc)
    fig.suptitle(tr("detection.tiny_yolo.shown", "Validation images: detections above score 0.3 (red circle, green "
                    "square, blue triangle)"), fontsize=9)
    fig_c = lines({"mAP@0.5": (np.arange(1, cfg.epochs + 1), curve)},
                  tr("detection.tiny_yolo.curve", "Validation mAP@0.5 per epoch"), "epoch", "mAP@0.5")
    fig_c.axes[0].set_xticks(range(1, cfg.epochs + 1))
    fig_c.axes[0].set_ylim(0, 1.02)
    reached = next((i + 1 for i, v in enumerate(curve) if v >= 0.7), None)
    head = tr("detection.tiny_yolo.headline",
              "After {e} epochs ({s:.0f} s) the tiny YOLO scores mAP@0.5 = {m:.3f} on {n} validation images (AP "
              "circle {a0:.2f}, square {a1:.2f}, triangle {a2:.2f}); {when}. One image takes {ms:.1f} ms.",
              e=cfg.epochs, s=seconds, m=m_ap, n=cfg.n_val, a0=aps.get(0, 0), a1=aps.get(1, 0), a2=aps.get(2, 0),
              when=tr("detection.tiny_yolo.reached", "it passed 0.7 after epoch {r}", r=reached) if reached else
              tr("detection.tiny_yolo.not_reached", "it did not reach 0.7"), ms=per_image * 1e3)
    return Result({"map50": m_ap, "ap": {SHAPE_CLASSES[k]: v for k, v in aps.items()}, "map_per_epoch": curve,
                   "train_loss": losses, "seconds": seconds, "ms_per_image": per_image * 1e3,
                   "epoch_reaching_0.7": reached}, {"detections": fig, "map": fig_c}, head)
