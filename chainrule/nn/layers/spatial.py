"""The spatial transformer (Jaderberg et al., 2015; Lecture 5): a network that learns where to look.

A localization net reads the image and outputs an affine map θ (2×3); the sampling grid
θ·(x, y, 1)ᵀ over the output's pixels says where each output pixel is read from, and bilinear
sampling reads it there. Every step is differentiable (in θ too), so the classifier's loss teaches
the localization net to undo rotations, shifts and zooms without any label for them.
"""
import numpy as np

from ...ops.sampling import affine_grid, grid_sample
from ..module import Module
from .linear import Linear


class SpatialTransformer(Module):
    """``localization``: a module mapping the input to features of ``loc_features`` numbers per
    example (flattened); a Linear layer turns them into θ. It starts at the identity (zero weights,
    bias (1, 0, 0, 0, 1, 0)), so training begins from "look at the whole image". ``output_size``
    (H, W) defaults to the input's. The last θ is kept in ``self.theta`` for drawing."""

    def __init__(self, localization, loc_features, output_size=None, align_corners=False):
        super().__init__()
        self.localization = localization
        self.fc_loc = Linear(loc_features, 6)
        self.output_size = output_size
        self.align_corners = align_corners
        self.theta = None
        with_identity = np.array([1, 0, 0, 0, 1, 0], dtype=self.fc_loc.bias._data.dtype)
        self.fc_loc.weight._data[...] = 0
        self.fc_loc.bias._data[...] = with_identity

    def forward(self, x):
        features = self.localization(x).flatten(1)
        theta = self.fc_loc(features).reshape(-1, 2, 3)
        self.theta = theta.detach()
        h, w = self.output_size or x.shape[2:]
        grid = affine_grid(theta, (x.shape[0], x.shape[1], h, w), align_corners=self.align_corners)
        return grid_sample(x, grid, align_corners=self.align_corners)
