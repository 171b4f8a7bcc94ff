"""Graph nodes: one recorded application of a differentiable function.

Two ways to write one:

* ``Op`` — chainrule's own primitives. ``forward(self, *arrays)`` computes on arrays and keeps what
  backward needs with ``self.save_for_backward``; ``backward(self, *grads)`` returns one gradient
  per input. Backward formulas are written with operators and chainrule ops, which accept arrays as
  well as Tensors: on the fast path the engine hands them arrays (plain NumPy speed); when
  ``create_graph=True`` it hands them Tensors, and the backward pass is itself recorded — gradients
  of gradients for free (the DeZero/Chainer idea).
* ``Function`` — PyTorch's user API: static ``forward(ctx, ...)`` / ``backward(ctx, ...)`` on
  Tensors, ``ctx.save_for_backward``, ``Function.apply``.
"""
import itertools

import numpy as np

from .grad_mode import mode, no_grad
from .tensor import CLOCK, Tensor, wrap_array

_sequence = itertools.count()
_ndarray = np.ndarray


class Node:
    """A vertex of the backward graph.

    ``next`` holds one edge per input: ``None`` (no gradient needed), the leaf Tensor itself
    (accumulate into its ``.grad``), or ``(node, output_nr)`` of the op that made the input.
    ``seq`` orders nodes by creation, which is a topological order of the graph.
    """

    __slots__ = ("next", "inputs", "saved", "out", "n_out", "seq", "stamp", "hooks", "__weakref__")

    def name(self):
        return f"{type(self).__name__}Backward0"

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if type(e) is tuple else ((e, 0) if e is not None else (None, 0))
                     for e in self.next)

    @property
    def needs_input_grad(self):
        return tuple(e is not None for e in self.next)

    def save_for_backward(self, *values):
        self.saved = values

    def release(self):
        """Drop what the backward needed (the engine calls it once the node has run, unless
        ``retain_graph``): after ``loss.backward()`` a graph the user still references holds no
        arrays."""
        self.inputs = self.saved = self.out = None

    def kept_arrays(self):
        """Everything the backward will read besides the gradients — checked against in-place
        changes of the inputs (the version check)."""
        return self.saved or ()

    def saved_for_graph(self):
        """The saved values as graph-connected Tensors, for a differentiable backward."""
        return self.saved

    def __repr__(self):
        return f"<{self.name()}>"


def _edge(t):
    if not t.requires_grad:
        return None
    fn = t.grad_fn
    return t if fn is None else (fn, t._output_nr)


class Op(Node):
    """Base of chainrule's primitives (see the module docstring).

    The memory contract: what backward needs is kept either with ``save_for_backward`` or as
    attributes set in ``forward`` (an im2col buffer, a mask, the shapes); both are released when
    the node has run (``release``), and both are covered by the in-place version check
    (``kept_arrays``).
    """

    __slots__ = ("__dict__",)

    def release(self):
        Node.release(self)
        self.__dict__.clear()

    def kept_arrays(self):
        return tuple(self.saved or ()) + tuple(v for v in self.__dict__.values() if type(v) is _ndarray)

    def forward(self, *arrays, **params):
        raise NotImplementedError(f"{type(self).__name__}.forward is abstract")

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__}.backward is abstract")

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op; record it in the graph when an input requires grad and recording is on.

        Called with arrays only (inside a fast-path backward), it just computes and returns arrays.
        """
        fn = _new(cls)
        fn.saved = None
        arrays = []
        edges = []
        tensor_in = need = False
        for a in inputs:
            if isinstance(a, Tensor):
                tensor_in = True
                arrays.append(a._data)
                if a.requires_grad:
                    need = True
                    g = a.grad_fn
                    edges.append(a if g is None else (g, a._output_nr))
                    continue
            else:
                arrays.append(a)
            edges.append(None)
        if need and mode.enabled:
            fn.inputs = inputs
            out = fn.forward(*arrays, **params)
            fn.next = edges
            fn.seq = next(_sequence)
            fn.stamp = CLOCK[0]
            fn.hooks = None
            if type(out) is tuple:
                out = tuple([o if type(o) is _ndarray else np.asarray(o) for o in out])
                fn.out, fn.n_out = out, len(out)
                return tuple([wrap_array(o, fn, o.dtype.kind == "f", i) for i, o in enumerate(out)])
            if type(out) is not _ndarray:  # NumPy gives scalars for 0-d results
                scalar, out = out, np.asarray(out)
                if fn.saved is not None:
                    fn.saved = tuple([out if s is scalar else s for s in fn.saved])
            fn.out = out
            fn.n_out = 1
            t = _new(Tensor)  # wrap_array, inlined on the hottest path
            t._data = out
            t.grad = None
            t.requires_grad = True
            t.grad_fn = fn
            t._output_nr = 0
            t._version = 0
            t._base = None
            t._hooks = None
            return t
        out = fn.forward(*arrays, **params)
        if not tensor_in:
            return out
        if type(out) is tuple:
            return tuple([wrap_array(o if type(o) is _ndarray else np.asarray(o)) for o in out])
        return wrap_array(out if type(out) is _ndarray else np.asarray(out))

    @property
    def saved_tensors(self):
        """What forward saved: arrays on the fast path, graph-connected Tensors under create_graph
        (the engine swaps them in for the duration of a differentiable backward)."""
        return self.saved

    def saved_for_graph(self):
        return tuple([self._as_tensor(a) for a in self.saved])

    def _as_tensor(self, a):
        if a is None or isinstance(a, Tensor):
            return a
        for t in self.inputs:
            if isinstance(t, Tensor) and t._data is a:
                return t
        out = self.out
        if type(out) is tuple:
            for i, o in enumerate(out):
                if o is a:
                    return wrap_array(a, self, True, i)
        elif out is a:
            return wrap_array(a, self, True)
        return wrap_array(a if isinstance(a, _ndarray) else np.asarray(a))


_new = object.__new__


class FunctionCtx(Node):
    """The ``ctx`` of a user ``Function``: saves tensors and carries what backward needs."""

    __slots__ = ("__dict__",)

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: expected Tensors or None, got "
                                f"{type(t).__name__}; keep other values as ctx attributes")
        self.saved = tensors

    @property
    def saved_tensors(self):
        return self.saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    def name(self):
        return f"{self._cls.__name__}Backward"

    def backward(self, *grads):
        cls = self._cls
        if mode.create_graph:
            result = cls.backward(self, *grads)
        else:
            grads = tuple(None if g is None else wrap_array(g if type(g) is _ndarray else np.asarray(g))
                          for g in grads)
            with no_grad():
                result = cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.next)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(f"function {cls.__name__}.backward returned {len(result)} "
                               f"gradients, but forward took {n} inputs; return one per input "
                               f"(None for inputs that need no gradient)")
        result = result[:n]
        if mode.create_graph:
            return result
        return tuple(r._data if isinstance(r, Tensor) else r for r in result)


class Function:
    """A differentiable function written by the user, exactly as in PyTorch::

        class GradReverse(chainrule.autograd.Function):
            @staticmethod
            def forward(ctx, x): return x.view_as(x)
            @staticmethod
            def backward(ctx, g): return -g

    ``forward`` runs without recording; ``backward`` gets one gradient per output and returns one
    per input of ``forward`` (None where no gradient is needed).
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function.forward is abstract: subclasses define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function.backward is abstract: subclasses define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(FunctionCtx)
        ctx._cls = cls
        ctx.saved = None
        ctx.hooks = None
        ctx.inputs = args
        ctx.next = tuple(_edge(a) if isinstance(a, Tensor) else None for a in args)
        ctx._non_differentiable = ()
        ctx._materialize = True
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        record = mode.enabled and any(e is not None for e in ctx.next)
        if record:
            ctx.seq = next(_sequence)
            ctx.stamp = CLOCK[0]
            ctx.n_out = len(outs)
        wrapped = []
        input_ids = {id(a) for a in args}
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            differentiable = id(o) not in ctx._non_differentiable
            if id(o) in input_ids or o.grad_fn is not None or o.requires_grad:
                o = wrap_array(o._data)  # a fresh tensor: never rewire one the user already holds
            if record and o._data.dtype.kind == "f" and differentiable:
                o.grad_fn, o.requires_grad, o._output_nr = ctx, True, i
            wrapped.append(o)
        if record:
            ctx.out = tuple(o._data if isinstance(o, Tensor) else None for o in outs)
        return wrapped[0] if single else tuple(wrapped)
