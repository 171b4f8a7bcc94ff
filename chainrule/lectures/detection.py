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


def _train_yolo(n_train, epochs, width, lr, ctx, evaluate=None):
    """A TinyYOLOv1 trained on ``n_train`` generated images; (model, evaluate(model) per epoch, losses)."""
    S, B, C = 4, 2, len(SHAPE_CLASSES)
    xtr, btr, ltr = make_shapes(n_train, seed=2 * ctx.seed)
    ttr = D.yolo_v1_targets(btr, ltr, S, C, 64)
    cr.manual_seed(ctx.seed)
    model = TinyYOLOv1(num_classes=C, boxes=B, width=width)
    opt = cr.optim.Adam(model.parameters(), lr=lr)
    curve, losses = [], []
    for _ in ctx.progress(range(epochs), total=epochs, desc="epochs"):
        order, total = ctx.rng.permutation(n_train), 0.0
        for i in range(0, n_train, 32):
            idx = order[i:i + 32]
            opt.zero_grad()
            loss, _ = D.yolo_v1_loss(model(cr.tensor(xtr[idx])), ttr[idx], B, C)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / n_train)
        if evaluate is not None:
            curve.append(evaluate(model))
    return model, curve, losses


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
    B, C = 2, len(SHAPE_CLASSES)
    xva, bva, lva = make_shapes(cfg.n_val, seed=2 * ctx.seed + 1)
    truths = list(zip(bva, lva))
    started = time.perf_counter()
    model, curve, losses = _train_yolo(cfg.n_train, cfg.epochs, cfg.width, cfg.lr, ctx,
                                       lambda m: D.mean_average_precision(
                                           D.yolo_v1_decode(_predict(m, xva), B, C, 64, score_threshold=0.001), truths, C)[0])
    seconds = time.perf_counter() - started
    t = time.perf_counter()
    pred = _predict(model, xva)
    per_image = (time.perf_counter() - t) / cfg.n_val
    m_ap, aps = D.mean_average_precision(D.yolo_v1_decode(pred, B, C, 64, score_threshold=0.001), truths, C)
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


# ----------------------------------------------------------------------- two-stage vs one-stage
@dataclasses.dataclass
class StagesConfig:
    n_train: int = 1500
    n_val: int = 200
    epochs: int = 4
    window_sizes: tuple[int, ...] = (12, 20, 28)
    stride: int = 4
    RANGES = {"n_train": (100, 100_000), "n_val": (20, 10_000), "epochs": (1, 200), "window_sizes": (4, 64),
              "stride": (1, 32)}


def sliding_windows(sizes, stride, image_size=64):
    """Stage one of the two-stage detector: every square window of each size at every ``stride`` (the
    proposals; R-CNN used selective search's segments, the idea is the same — many candidate regions)."""
    out = []
    for s in sizes:
        starts = np.arange(0, image_size - s + 1, stride, dtype=np.float32)
        for y in starts:
            for x in starts:
                out.append((x, y, x + s, y + s))
    return np.asarray(out, np.float32)


class RegionNet(cr.nn.Module):
    """Stage two: a small CNN reads each proposal warped to 16×16 and outputs the class scores (the
    shapes + background) and the box correction (t_x, t_y, t_w, t_h)."""

    def __init__(self, classes, width=16):
        super().__init__()
        nn = cr.nn
        self.body = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(2 * width * 16, 64), nn.ReLU())
        self.cls, self.box = nn.Linear(64, classes + 1), nn.Linear(64, 4)

    def forward(self, crops):
        h = self.body(crops)
        return self.cls(h), self.box(h)


def _encode(windows, truth):
    """R-CNN's box regression targets: t_x = (g_x − p_x)/p_w, t_y likewise, t_w = log(g_w/p_w), t_h."""
    pw, ph = windows[:, 2] - windows[:, 0], windows[:, 3] - windows[:, 1]
    px, py = windows[:, 0] + pw / 2, windows[:, 1] + ph / 2
    gw, gh = truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]
    gx, gy = truth[:, 0] + gw / 2, truth[:, 1] + gh / 2
    return np.stack([(gx - px) / pw, (gy - py) / ph, np.log(gw / pw), np.log(gh / ph)], 1).astype(np.float32)


def _decode(windows, t):
    pw, ph = windows[:, 2] - windows[:, 0], windows[:, 3] - windows[:, 1]
    cx, cy = windows[:, 0] + pw / 2 + t[:, 0] * pw, windows[:, 1] + ph / 2 + t[:, 1] * ph
    w, h = pw * np.exp(t[:, 2]), ph * np.exp(t[:, 3])
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


def _crops(images, image_index, boxes):
    rois = np.concatenate([np.asarray(image_index, np.float32)[:, None], boxes], 1)
    return V.roi_align(cr.tensor(images), cr.tensor(rois), 16, sampling_ratio=2)


def _two_stage_train(xtr, btr, ltr, windows, epochs, ctx, classes):
    pos, neg = [], []
    for i, (gb, gl) in enumerate(zip(btr, ltr)):
        iou = V.box_iou(cr.tensor(windows), cr.tensor(gb)).numpy()
        best, arg = iou.max(1), iou.argmax(1)
        for w in np.flatnonzero(best >= 0.5):
            pos.append((i, w, int(gl[arg[w]]), gb[arg[w]]))
        for w in ctx.rng.choice(np.flatnonzero(best < 0.3), 8, replace=False):
            neg.append((i, w, classes, np.zeros(4, np.float32)))
    samples = pos + neg
    cr.manual_seed(ctx.seed)
    net = RegionNet(classes)
    opt = cr.optim.Adam(net.parameters(), lr=2e-3)
    for _ in ctx.progress(range(epochs), total=epochs, desc="region classifier"):
        order = ctx.rng.permutation(len(samples))
        for k in range(0, len(order), 128):
            batch = [samples[j] for j in order[k:k + 128]]
            idx = np.array([b[0] for b in batch])
            win = windows[[b[1] for b in batch]]
            label = np.array([b[2] for b in batch])
            opt.zero_grad()
            scores, t = net(_crops(xtr, idx, win))
            loss = cr.nn.functional.cross_entropy(scores, cr.tensor(label))
            fg = label < classes
            if fg.any():
                target = _encode(win[fg], np.stack([b[3] for b, f in zip(batch, fg) if f]))
                loss = loss + cr.nn.functional.smooth_l1_loss(t[cr.tensor(np.flatnonzero(fg))], cr.tensor(target))
            loss.backward()
            opt.step()
    return net


def _two_stage_detect(net, images, windows, classes, score_threshold=0.001):
    net.eval()
    found = []
    with cr.no_grad():
        for i in range(len(images)):
            scores, t = net(_crops(images[i:i + 1], np.zeros(len(windows)), windows))
            prob = cr.softmax(scores, -1).numpy()[:, :classes]
            label, score = prob.argmax(1), prob.max(1)
            keep = score >= score_threshold
            boxes = _decode(windows[keep], t.numpy()[keep]).astype(np.float32)
            label, score = label[keep], score[keep]
            kept = V.batched_nms(cr.tensor(boxes), cr.tensor(score), cr.tensor(label), 0.3).numpy() if len(boxes) else []
            found.append((boxes[kept], score[kept], label[kept]))
    net.train()
    return found


@experiment("detection.two_stage_vs_one_stage", StagesConfig,
            "R-CNN or YOLO: propose regions and classify each, or predict every box in one pass — which is "
            "more accurate here, and which is faster?",
            "two-stage: proposals → CNN per region (class + box correction t = ((g−p)/p_w, log g_w/p_w)) → NMS;  "
            "one-stage: one CNN pass → S×S×(B·5 + C) → NMS",
            quick=dict(n_train=1000, n_val=40, epochs=2, stride=8))
def two_stage_vs_one_stage(cfg, ctx):
    """Q: Two-stage (R-CNN style) or one-stage (YOLO): accuracy and speed?

    A: both find the shapes (mAP@0.5 measured on the same validation images), but the two-stage
    detector runs its CNN once per proposal — hundreds of windows per image — while YOLO reads the
    whole image once, so YOLO is many times faster per image: the reason one-stage detectors exist.
    """
    C = len(SHAPE_CLASSES)
    windows = sliding_windows(cfg.window_sizes, cfg.stride)
    xtr, btr, ltr = make_shapes(cfg.n_train, seed=2 * ctx.seed)
    xva, bva, lva = make_shapes(cfg.n_val, seed=2 * ctx.seed + 1)
    truths = list(zip(bva, lva))
    net = _two_stage_train(xtr, btr, ltr, windows, cfg.epochs, ctx, C)
    t = time.perf_counter()
    two = _two_stage_detect(net, xva, windows, C)
    two_ms = (time.perf_counter() - t) / cfg.n_val * 1e3
    yolo, _, _ = _train_yolo(cfg.n_train, cfg.epochs, 32, 2e-3, ctx)
    t = time.perf_counter()
    one = D.yolo_v1_decode(_predict(yolo, xva), 2, C, 64, score_threshold=0.001)
    one_ms = (time.perf_counter() - t) / cfg.n_val * 1e3
    m_two, m_one = D.mean_average_precision(two, truths, C)[0], D.mean_average_precision(one, truths, C)[0]
    fig, ax = figure()
    names = [tr("detection.two_stage", "two-stage (R-CNN style)"), tr("detection.one_stage", "one-stage (YOLO)")]
    ax.bar(names, [two_ms, one_ms])
    for k, (ms, m) in enumerate(((two_ms, m_two), (one_ms, m_one))):
        ax.text(k, ms, f"mAP {m:.2f}", ha="center", va="bottom")
    ax.set(title=tr("detection.two_stage.title", "Time per image ({w} proposals for the two-stage detector)", w=len(windows)),
           ylabel=tr("detection.two_stage.ms", "milliseconds per image"))
    head = tr("detection.two_stage.headline",
              "On {n} validation images: the two-stage detector ({w} proposals per image) scores mAP@0.5 = {a:.3f} in "
              "{ta:.1f} ms per image, YOLO {b:.3f} in {tb:.1f} ms — {ratio:.0f}× faster.", n=cfg.n_val, w=len(windows),
              a=m_two, ta=two_ms, b=m_one, tb=one_ms, ratio=two_ms / one_ms)
    return Result({"map50": {"two_stage": m_two, "one_stage": m_one}, "ms_per_image": {"two_stage": two_ms, "one_stage": one_ms},
                   "proposals": len(windows)}, {"time_and_map": fig}, head)
