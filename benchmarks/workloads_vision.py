"""The CNN family: a ResNet-18 and a MobileNetV2 training step on 32×32 images (torchvision's models
against chainrule.models, same initial weights and batch), and the depthwise convolution that
MobileNet is made of, as its own op."""
import numpy as np

from .harness import workload
from .programs import stub_torchvision_ops
from .workloads import _functional, _tensor, sgd_step


def _zoo_model(name):
    def make(nn):
        import torch
        if nn is torch.nn:
            stub_torchvision_ops()
            import torchvision
            return getattr(torchvision.models, name)(num_classes=10)
        import chainrule.models
        return getattr(chainrule.models, name)(num_classes=10)
    return make


def _zoo_step(name, batch=32, size=32):
    def build(lib):
        return sgd_step(lib, _zoo_model(name),
                        lambda rng: rng.standard_normal((batch, 3, size, size)).astype(np.float32), 10, batch)
    return build


workload("resnet18_32_step", target=2.0, rounds=8,
         about="torchvision resnet18, 10 classes, batch 32 of 3×32×32: forward, cross-entropy, backward, SGD")(
    _zoo_step("resnet18"))
workload("mobilenet_v2_32_step", target=2.0, rounds=8,
         about="torchvision mobilenet_v2, 10 classes, batch 32 of 3×32×32: one training step")(
    _zoo_step("mobilenet_v2"))


@workload("depthwise_conv", rounds=15,
          about="depthwise 3×3 conv (groups = channels) on (32,96,16,16), padding 1, forward + backward")
def depthwise_conv(lib):
    rng = np.random.default_rng(0)
    x = _tensor(lib, rng.standard_normal((32, 96, 16, 16)).astype(np.float32), True)
    w = _tensor(lib, (rng.standard_normal((96, 1, 3, 3)) * 0.3).astype(np.float32), True)
    g = _tensor(lib, rng.standard_normal((32, 96, 16, 16)).astype(np.float32))
    F = _functional(lib)

    def step():
        x.grad = w.grad = None
        F.conv2d(x, w, None, 1, 1, 1, 96).backward(g)
    return step
