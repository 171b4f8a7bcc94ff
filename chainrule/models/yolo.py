"""A tiny YOLO v1 (Redmon et al., 2016, "You only look once") for small images (Lecture 6).

One pass of a CNN maps the image to an S×S×(B·5 + C) grid: per cell B boxes (x, y in the cell,
w, h of the image, confidence) and C class probabilities — detection as one regression, no
proposals. Here sigmoids keep every box number in [0, 1] and a softmax gives the classes, so the
output is what ``chainrule.vision.detection.yolo_v1_loss`` and ``yolo_v1_decode`` read.
"""
from .. import nn
from ..ops.activation import softmax
from ..ops.combine import cat
from ..ops.math_ops import sigmoid


class TinyYOLOv1(nn.Module):
    """64×64 → four 3×3 convolution stages (each halving the size) → S×S = 4×4 cells (for
    ``image_size`` 64; the grid is image_size / 16)."""

    def __init__(self, num_classes=3, boxes=2, width=32, image_size=64, in_channels=3):
        super().__init__()
        if image_size % 16:
            raise ValueError(f"TinyYOLOv1: image_size must be a multiple of 16, got {image_size}")
        self.num_classes, self.boxes, self.grid = num_classes, boxes, image_size // 16
        layers, c = [], in_channels
        for out in (width // 2, width, width * 2, width * 2):
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.LeakyReLU(0.1),
                       nn.MaxPool2d(2)]
            c = out
        self.features = nn.Sequential(*layers)                                       # N×2w×S×S
        self.head = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.LeakyReLU(0.1),
                                  nn.Conv2d(c, boxes * 5 + num_classes, 1))

    def forward(self, x):
        out = self.head(self.features(x)).permute(0, 2, 3, 1)                      # N×S×S×(B·5 + C)
        b = self.boxes * 5
        return cat([sigmoid(out[..., :b]), softmax(out[..., b:], -1)], -1)
