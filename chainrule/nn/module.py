"""Module: a function with learnable parameters (step 1 of the course: a set of functions).

Assigning a Parameter, a buffer or another Module to an attribute registers it, exactly as in
PyTorch, so ``parameters()``, ``state_dict()``, ``train()``/``eval()`` and ``to()`` reach the
whole tree, and state-dict keys match a PyTorch model of the same architecture.
"""
import collections
import itertools

import numpy as np

from ..autograd.dtype import to_numpy_dtype
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import RemovableHandle, Tensor
from .parameter import Parameter

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_hook_ids = itertools.count()


class Module:
    """Base class of every layer and model: override ``forward``; call the module to run it."""

    training = True

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; call "
                            f"super().__init__() without arguments")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_pre_hooks"] = {}
        d["_backward_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}]: forward is abstract; define "
                                  f"forward(self, ...) in your Module subclass")

    # ------------------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        d = self.__dict__
        pre, bw, post = d["_forward_pre_hooks"], d["_backward_hooks"], d["_forward_hooks"]
        if not (pre or bw or post):  # the common case: no hooks at all
            return self.forward(*args, **kwargs)
        for hook in list(pre.values()):
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        if bw:
            state = _BackwardHookState(self, list(bw.values()), args)
            args = state.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(post.values()):
            r = hook(self, args, out)
            if r is not None:
                out = r
        if bw:
            out = state.wrap_outputs(out)
        return out

    # ---------------------------------------------------------------------- registration
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(chainrule.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            d["_modules"][name] = value
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(chainrule.nn.Module or None expected)")
            d["_modules"][name] = None
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(chainrule.Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            d[key].pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d.get(key, ()):
                del d[key][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__())
        for key in ("_parameters", "_buffers", "_modules"):
            keys.update(self.__dict__[key])
        return sorted(keys)

    def _check_register(self, kind, store, name):
        if store not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    def _register(self, kind, store, cls, name, value):
        self._check_register(kind, store, name)
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"cannot assign '{type(value).__name__}' object to {kind} '{name}' "
                            f"(chainrule.{'nn.' if cls is Parameter else ''}{cls.__name__} or None required)")
        self._forget(name)
        getattr(self, store)[name] = value

    def register_parameter(self, name, param):
        self._register("parameter", "_parameters", Parameter, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        self._register("buffer", "_buffers", Tensor, name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_register("module", "_modules", name)
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # ------------------------------------------------------------------------- traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, m in mods:
            for name, v in m.__dict__[store].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        m = self
        for part in target.split(".") if target else []:
            if part not in m._modules:
                raise AttributeError(f"{type(m).__name__} has no attribute `{part}` (looking up "
                                     f"submodule '{target}')")
            m = m._modules[part]
        return m

    def get_parameter(self, target):
        mod, _, name = target.rpartition(".")
        m = self.get_submodule(mod)
        if name not in m._parameters:
            raise AttributeError(f"{type(m).__name__} has no parameter `{name}`")
        return m._parameters[name]

    # ------------------------------------------------------------------------- modes
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p.grad._data))

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, convert):
        for m in self.modules():
            for store in ("_parameters", "_buffers"):
                for name, t in m.__dict__[store].items():
                    if t is None:
                        continue
                    new = convert(t._data)
                    if new is not t._data:
                        t._data = new
                        if t.grad is not None:
                            t.grad = Tensor(convert(t.grad._data))
        return self

    def to(self, *args, **kwargs):
        """Cast floating-point parameters and buffers (``to(dtype)``); 'cpu' changes nothing."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda"):
                from ..backend import device
                device(a)  # 'cuda' raises a clear error
                continue
            if type(a).__name__ == "device":
                continue
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif a is not None:
                dtype = a
        if dtype is None:
            return self
        npd = to_numpy_dtype(dtype)
        if npd.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._apply_to_tensors(lambda a: a.astype(npd) if a.dtype.kind == "f" and a.dtype != npd else a)

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    def cpu(self):
        return self

    def cuda(self, device=None):
        """Raises the same clear error as ``.to('cuda')``: chainrule has no GPU backend yet."""
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def type(self, dst_type):
        return self.to(dst_type)

    # ------------------------------------------------------------------------ state dict
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name (the keys PyTorch would use)."""
        out = collections.OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values in; with strict, every key must match (missing, unexpected and
        shape-mismatched keys are all listed in one error)."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        staged = []
        for k, target in own.items():
            if k not in state_dict:
                continue
            value = _as_array(state_dict[k])
            if value.shape != target._data.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {value.shape} from "
                              f"checkpoint, the shape in current model is {target._data.shape}.")
                continue
            staged.append((target, value))
        if strict:
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                errors.insert(int(bool(missing)), "Unexpected key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in unexpected) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" +
                               "\n\t".join(errors))
        with no_grad():
            for target, value in staged:  # only after every check passed: all or nothing
                np.copyto(target._data, value.astype(target._data.dtype, copy=False))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------------------ hooks
    def _add_hook(self, store, hook, prepend=False):
        key = next(_hook_ids)
        d = self.__dict__[store]
        if prepend:
            items = list(d.items())
            d.clear()
            d[key] = hook
            d.update(items)
        else:
            d[key] = hook
        return RemovableHandle(d, key)

    def register_forward_pre_hook(self, hook, prepend=False):
        """``hook(module, args)`` runs before forward; a returned value replaces the args."""
        return self._add_hook("_forward_pre_hooks", hook, prepend)

    def register_forward_hook(self, hook, prepend=False):
        """``hook(module, args, output)`` runs after forward; a returned value replaces the output."""
        return self._add_hook("_forward_hooks", hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the
        module's inputs are computed; a returned tuple replaces grad_input."""
        return self._add_hook("_backward_hooks", hook, prepend)

    # ---------------------------------------------------------------------------- printing
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        head = self._get_name() + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _as_array(value):
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class _HookIdentity(Function):
    """Identity on tensors whose backward lets a module's backward hooks see the gradients."""

    @staticmethod
    def forward(ctx, state, kind, *tensors):
        ctx.state, ctx.kind = state, kind
        outs = tuple(t.view_as(t) for t in tensors)
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def backward(ctx, *grads):
        return (None, None) + tuple(ctx.state.on_backward(ctx.kind, grads))


class _BackwardHookState:
    def __init__(self, module, hooks, args):
        self.module, self.hooks = module, hooks
        self.grad_output = None
        self.n_in = sum(isinstance(a, Tensor) and a.requires_grad for a in args)

    def _through_identity(self, side, items):
        """``items`` with each tensor that requires grad passed through one hook identity node
        (``side`` "in" or "out"), or None when none does."""
        idx = [i for i, a in enumerate(items) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return None
        passed = _HookIdentity.apply(self, side, *[items[i] for i in idx])
        passed = passed if isinstance(passed, tuple) else (passed,)
        items = list(items)
        for i, p in zip(idx, passed):
            items[i] = p
        return items

    def wrap_inputs(self, args):
        items = self._through_identity("in", args)
        return args if items is None else tuple(items)

    def wrap_outputs(self, out):
        single = isinstance(out, Tensor)
        items = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
        items = None if items is None else self._through_identity("out", items)
        if items is None:
            return out
        return items[0] if single else type(out)(items)

    def on_backward(self, kind, grads):
        if kind == "out":
            self.grad_output = tuple(grads)
            if self.n_in == 0:
                self._call(tuple(None for _ in grads))
            return grads
        return self._call(tuple(grads))

    def _call(self, grad_input):
        for hook in self.hooks:
            r = hook(self.module, grad_input, self.grad_output)
            if r is not None:
                grad_input = tuple(r)
        return grad_input
