"""The model zoo's registry: ``list_models()``, ``get_model(name, **kwargs)`` (torchvision's), and
the ``weights`` argument every constructor takes.

Pretrained weights are not downloaded (chainrule reaches no network at run time). To use
torchvision's, convert them once where torch is installed and load the file::

    # with torch:      safetensors.torch.save_file(torchvision.models.resnet18(weights="DEFAULT").state_dict(), "r18.safetensors")
    # with chainrule:  model = chainrule.models.resnet18(); model.load_state_dict(chainrule.load("r18.safetensors"))

State-dict keys and shapes equal torchvision's, so the file loads as it is.
"""
import difflib

from .. import nn

_MODELS = {}


def init_cnn(model):
    """torchvision's initialization of VGG and MobileNetV2: convolutions He-normal over fan_out with
    zero biases, batch/group norms at (1, 0), linear layers N(0, 0.01²) with zero biases."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)


def register_model(fn):
    """Make a constructor reachable by name (``get_model``) and listed (``list_models``)."""
    _MODELS[fn.__name__] = fn
    return fn


def no_weights(name, weights):
    """Refuse pretrained weights with the way to get them (see the module docstring)."""
    if weights is not None:
        raise ValueError(f"{name}: weights={weights!r} would need a download, and chainrule makes no "
                         f"download; save torchvision's state dict as safetensors once and load it: "
                         f"model = chainrule.models.{name}(); model.load_state_dict(chainrule.load(path))")


def list_models():
    """The registered model names, sorted."""
    return sorted(_MODELS)


def get_model(name, **kwargs):
    """``get_model("resnet18", num_classes=10)`` — the constructor called ``name``."""
    if name not in _MODELS:
        close = difflib.get_close_matches(name, list(_MODELS), n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; known: {', '.join(list_models())}"
        raise ValueError(f"get_model: unknown model {name!r}{hint}")
    return _MODELS[name](**kwargs)
