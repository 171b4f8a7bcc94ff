"""Counting a model's cost: parameters and multiply–accumulates (MACs) of one forward pass.

A convolution producing C_out×H_out×W_out values from C_in/groups input channels with a k_h×k_w
kernel does C_out·H_out·W_out · (C_in/groups)·k_h·k_w MACs; a linear layer in·out per example.
These dominate every CNN of the course; the count (torchvision's "GFLOPS" column counts the same
MACs) ignores the cheaper elementwise layers.
"""
from ..autograd.grad_mode import no_grad
from ..nn.layers.conv import Conv1d, Conv2d, Conv3d
from ..nn.layers.linear import Linear
from ..ops.creation import zeros


def count_parameters(model, trainable_only=False):
    """How many numbers the model learns (shared parameters once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_macs(model, input_size):
    """MACs of one forward pass on a zero input of ``input_size`` (batch included: per example,
    divide by it); returns (total, {module name: MACs}) for the convolutions and linear layers."""
    per_layer, handles = {}, []

    def conv_hook(name):
        def hook(module, inputs, output):
            kernel = 1
            for k in module.kernel_size:
                kernel *= k
            per_layer[name] = per_layer.get(name, 0) + output.numel() * (module.in_channels // module.groups) * kernel
        return hook

    def linear_hook(name):
        def hook(module, inputs, output):
            per_layer[name] = per_layer.get(name, 0) + output.numel() * module.in_features
        return hook

    for name, m in model.named_modules():
        if isinstance(m, (Conv1d, Conv2d, Conv3d)):
            handles.append(m.register_forward_hook(conv_hook(name)))
        elif isinstance(m, Linear):
            handles.append(m.register_forward_hook(linear_hook(name)))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(zeros(*input_size))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return sum(per_layer.values()), per_layer
