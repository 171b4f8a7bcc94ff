"""LeNet-5 (LeCun et al., 1998, "Gradient-based learning applied to document recognition"): the
first CNN of the course (Lecture 5). Convolutions share one small filter over every position, so
a 32×32 digit needs 61,706 parameters where a fully connected layer of the same width would need
millions; tanh activations and 2×2 max pooling, as the notes draw it (the paper pooled by a trained average)."""
from .. import nn
from .zoo import no_weights, register_model


class LeNet5(nn.Module):
    """1×32×32 → conv 6@5×5 → tanh → 2×2 pool → conv 16@5×5 → tanh → 2×2 pool → 120 → tanh → 84 →
    tanh → 10. ``in_channels``, ``num_classes`` and ``input_size`` (28 pads the first convolution
    by 2, as the MNIST homework does) adapt it without changing the 32×32 default."""

    def __init__(self, num_classes=10, in_channels=1, input_size=32):
        super().__init__()
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5: input_size must be 32 (the paper) or 28 (MNIST, padded by 2), "
                             f"got {input_size}")
        pad = (32 - input_size) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), nn.Tanh(), nn.MaxPool2d(2),   # N×6×28×28 → 14×14
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2))                         # N×16×10×10 → 5×5
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


@register_model
def lenet5(*, weights=None, progress=True, **kwargs):
    no_weights("lenet5", weights)
    return LeNet5(**kwargs)
