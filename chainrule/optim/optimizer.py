"""Optimizer: walks the parameters downhill (step 3 of the course: pick the best function).

Parameters live in ``param_groups`` (each group may have its own learning rate and options), the
per-parameter state (momentum buffers, running averages) in ``state``; both round-trip through a
``state_dict`` with PyTorch's structure. ``step`` updates the raw arrays in place, outside autograd.
"""
import copy

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor, wrap_array, bump_version


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def check_range(op, name, value, low=0.0, high=None, low_open=False, high_open=True):
    """Raise ValueError naming the optimizer, the option and the allowed range."""
    bad = value < low or (low_open and value == low) or (high is not None and (
        value > high or (high_open and value == high)))
    if bad:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        rng = f"{lo}{low}, {high}{hi}" if high is not None else f"{'>' if low_open else '>='} {low}"
        raise ValueError(f"{op}: invalid {name}: {value} (expected {rng})")


FORMS = ("pytorch", "notes")


def check_form(op, form):
    """``form`` of the optimizers that also have the course notes' literal version."""
    if form not in FORMS:
        raise ValueError(f"{op}: form must be 'pytorch' or 'notes', got {form!r}")


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``; subclasses implement ``update``."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params argument given to the optimizer should "
                            f"be an iterable of Tensors or dicts, but got a Tensor")
        if hasattr(params, "parameters") and hasattr(params, "state_dict"):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or dicts, "
                            f"got the module {type(params).__name__}; did you mean model.parameters()?")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or dicts, "
                            f"got {type(params).__name__}") from None
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, but one of the "
                                f"params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once in one "
                             f"parameter group")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen & set(ids):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             f"parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Subclasses validate their options here (a bad value raises ValueError)."""

    def zero_grad(self, set_to_none=True):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad._data
                if g.shape != p._data.shape:
                    raise RuntimeError(f"{type(self).__name__}: gradient of shape {g.shape} does not "
                                       f"match its parameter of shape {p._data.shape}")
                if group.get("maximize"):
                    g = -g
                state = self.state.setdefault(p, {})
                self.update(p._data, g, state, group)
                bump_version(p)
        return loss

    def update(self, p, g, state, group):
        """Change the array p in place, given its gradient g (arrays), state and options."""
        raise NotImplementedError(f"{type(self).__name__}.update is abstract")

    # ------------------------------------------------------------------------ state dict
    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, PyTorch's layout."""
        index, groups = {}, []
        for g in self.param_groups:
            entry = {k: v for k, v in g.items() if k != "params"}
            entry["params"] = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                entry["params"].append(index[id(p)])
            groups.append(entry)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (wrap_array(v.copy()) if isinstance(v, np.ndarray) else
                                               copy.deepcopy(v)) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict has "
                             f"{len(groups)} parameter groups, the optimizer has {len(self.param_groups)}")
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict contains "
                                 f"a parameter group that doesn't match the size of optimizer's group "
                                 f"({len(saved['params'])} vs {len(own['params'])} parameters)")
        by_index = {}
        for saved, own in zip(groups, self.param_groups):
            for i, p in zip(saved["params"], own["params"]):
                by_index[i] = p
        new_state = {}
        for key, st in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                continue
            entry = {}
            for k, v in st.items():
                arr = v._data if isinstance(v, Tensor) else v
                if isinstance(arr, np.ndarray) and arr.ndim and arr.shape != p._data.shape and k != "step":
                    raise ValueError(f"{type(self).__name__}.load_state_dict: state '{k}' of shape "
                                     f"{arr.shape} does not fit its parameter of shape {p._data.shape}")
                if isinstance(arr, np.ndarray):
                    arr = arr.astype(p._data.dtype) if arr.dtype.kind == "f" else arr.copy()
                    if arr.ndim == 0 and k == "step":
                        arr = arr.item()
                entry[k] = arr
            new_state[p] = entry
        self.state = new_state
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if isinstance(v, list) and k == "betas" else v

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)
