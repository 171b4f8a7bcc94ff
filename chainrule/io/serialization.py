"""``chainrule.save`` / ``chainrule.load``: tensors and nested containers as safetensors.

Tensors are stored under their dotted paths (a state dict keeps its own keys, so
``safetensors.torch.load_file`` reads it straight into PyTorch), and everything else — the shape
of the nesting, numbers, strings — goes into the file's JSON metadata. Nothing is ever unpickled,
so a stranger's file cannot run code; pickling whole objects needs an explicit
``weights_only=False`` on both ends, as in PyTorch.
"""
import json
import os
import pickle

import numpy as np

from ..autograd.tensor import Tensor, wrap_array
from .atomic import atomic_write

_MAGIC_PICKLE = b"CHAINRULE-PICKLE\n"


def _encode(obj, path, tensors):
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray):
        arr = obj._data if isinstance(obj, Tensor) else obj
        key = path or "tensor"
        while key in tensors:
            key += "_"
        tensors[key] = arr if arr.flags.c_contiguous else arr.copy()  # (ascontiguousarray would make 0-d arrays 1-d)
        node = {"t": "tensor", "key": key}
        if isinstance(obj, np.ndarray):
            node["ndarray"] = True
        if getattr(obj, "requires_grad", False):
            node["requires_grad"] = True
        return node
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"save: dict key {k!r} at '{path}' is a {type(k).__name__}; keys must "
                                f"be strings or numbers")
            items.append([k, _encode(v, f"{path}.{k}" if path else str(k), tensors)])
        return {"t": "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        return {"t": "tuple" if isinstance(obj, tuple) else "list",
                "items": [_encode(v, f"{path}.{i}" if path else str(i), tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"t": "value", "v": obj}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at '{path or 'the top level'}' "
                    f"without pickling; save a state_dict() instead, or pass weights_only=False "
                    f"(and load it only if you trust the file)")


def _decode(node, tensors):
    t = node["t"]
    if t == "tensor":
        arr = tensors[node["key"]]
        if node.get("ndarray"):
            return arr
        out = wrap_array(arr)
        if node.get("requires_grad"):
            out.requires_grad_(True)
        return out
    if t == "dict":
        return {k: _decode(v, tensors) for k, v in node["items"]}
    if t == "list":
        return [_decode(v, tensors) for v in node["items"]]
    if t == "tuple":
        return tuple(_decode(v, tensors) for v in node["items"])
    return node["v"]


def save(obj, f, weights_only=True):
    """Save tensors and (nested) dicts/lists/tuples of tensors, numbers and strings to ``f``."""
    from safetensors.numpy import save as st_save
    try:
        tensors = {}
        structure = _encode(obj, "", tensors)
        payload = st_save(tensors, metadata={"format": "pt", "chainrule": json.dumps(structure)})
    except TypeError:
        if weights_only:
            raise
        payload = _MAGIC_PICKLE + pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    if hasattr(f, "write"):
        f.write(payload)
        return
    with atomic_write(f) as out:
        out.write(payload)


def _is_torch_file(raw):
    """torch.save writes a zip archive holding data.pkl (or, before PyTorch 1.6, a bare pickle)."""
    if raw.startswith(b"PK\x03\x04"):
        return b"data.pkl" in raw[:4096] or b".data/" in raw[:4096]
    return len(raw) > 2 and raw[0] == 0x80 and raw[1] in range(2, 6)


def load(f, weights_only=True, map_location=None):
    """Load what ``save`` wrote (or any safetensors file, e.g. one PyTorch saved)."""
    if hasattr(f, "read"):
        name = getattr(f, "name", "<stream>")
        raw = f.read()
    else:
        name = os.fspath(f)
        if not os.path.exists(f):
            raise FileNotFoundError(f"load: no such file: {f}")
        with open(f, "rb") as fh:
            raw = fh.read()
    if raw.startswith(_MAGIC_PICKLE):
        if weights_only:
            raise RuntimeError(f"load: {name} holds pickled Python objects, which can run code when "
                               f"loaded; pass weights_only=False only if you trust its source")
        return pickle.loads(raw[len(_MAGIC_PICKLE):])
    if _is_torch_file(raw):
        raise ValueError(
            f"load: {name} is a PyTorch pickle file (written by torch.save); chainrule reads "
            f"safetensors and never unpickles. Convert it once where PyTorch is installed: "
            f"from safetensors.torch import save_file; "
            f"save_file(torch.load({os.path.basename(name)!r}), 'weights.safetensors') — then "
            f"chainrule.load('weights.safetensors') or model.load_state_dict(...) on the result")
    from safetensors.numpy import load as st_load
    try:
        tensors = st_load(raw)
        header_len = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8:8 + header_len])
    except Exception as e:  # safetensors raises its own error types for truncated/corrupt files
        raise ValueError(f"load: {name} is not a valid safetensors file (truncated or corrupt?): {e}") from None
    meta = header.get("__metadata__") or {}
    if "chainrule" not in meta:
        return {k: wrap_array(v) for k, v in tensors.items()}
    try:
        return _decode(json.loads(meta["chainrule"]), tensors)
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError(f"load: {name} has a damaged chainrule structure record ({e})") from None
