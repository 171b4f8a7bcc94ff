"""A generated object-detection set for the detection lecture: circles, squares and triangles on
64×64 canvases, several per image, each with its box (x1, y1, x2, y2 in pixels) and class."""
import numpy as np

SHAPE_CLASSES = ("circle", "square", "triangle")


def _draw(canvas, kind, cx, cy, r, colour):
    size = canvas.shape[1]
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if kind == 0:
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    elif kind == 1:
        mask = (np.abs(xx - cx) <= r) & (np.abs(yy - cy) <= r)
    else:   # upward triangle inside the same square
        mask = (yy >= cy - r) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - (cy - r)) / 2)
    canvas[:, mask] = np.asarray(colour, np.float32)[:, None]


def make_shapes(n, size=64, max_objects=3, min_radius=6, max_radius=14, noise=0.05, seed=0, min_objects=1):
    """``n`` images (N, 3, size, size) in [0, 1] with ``min_objects``…``max_objects`` non-overlapping
    shapes each (fewer if one does not fit in 20 tries);
    returns (images, boxes: list of (k, 4) float32 arrays, labels: list of (k,) int64 arrays)."""
    if n < 1 or size < 16 or not 1 <= min_objects <= max_objects or not 2 <= min_radius <= max_radius < size / 2:
        raise ValueError(f"make_shapes: need n ≥ 1, size ≥ 16, 1 ≤ min_objects ≤ max_objects and 2 ≤ min_radius ≤ "
                         f"max_radius < size/2; got n={n}, size={size}, max_objects={max_objects}, "
                         f"radii {min_radius}..{max_radius}")
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 3, size, size), np.float32)
    all_boxes, all_labels = [], []
    for i in range(n):
        images[i] = rng.uniform(0.0, 0.25, 3)[:, None, None]          # a dark background colour
        boxes, labels = [], []
        for _ in range(rng.integers(min_objects, max_objects + 1)):
            for _attempt in range(20):
                r = rng.uniform(min_radius, max_radius)
                cx, cy = rng.uniform(r, size - r, 2)
                box = np.array([cx - r, cy - r, cx + r, cy + r])
                if all(box[0] >= b[2] + 1 or box[2] <= b[0] - 1 or box[1] >= b[3] + 1 or box[3] <= b[1] - 1
                       for b in boxes):
                    kind = int(rng.integers(0, len(SHAPE_CLASSES)))
                    _draw(images[i], kind, cx, cy, r, rng.uniform(0.5, 1.0, 3))
                    boxes.append(box)
                    labels.append(kind)
                    break
        all_boxes.append(np.asarray(boxes, np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, np.int64))
    if noise:
        images += rng.normal(0, noise, images.shape).astype(np.float32)
        np.clip(images, 0, 1, out=images)
    return images, all_boxes, all_labels
