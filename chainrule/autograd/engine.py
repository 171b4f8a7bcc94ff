"""The backward engine: the chain rule run over the recorded graph, from the output to the leaves.

Every node is visited once, after all the gradients flowing into its outputs have been summed
(total derivative: a value used twice gets the sum of both paths). Nodes are taken from a heap keyed
on their creation order: an op's inputs were always made before it, so the newest unvisited node
never waits for another one (Chainer's way; iterative, so a 20,000-op chain needs no recursion).
"""
import heapq
import sys

import numpy as np

from .. import tunables
from .broadcast import sum_to_shape
from .grad_mode import mode
from .tensor import CLOCK, POST_ACCUMULATE_HOOKS, Tensor, wrap_array

_ndarray = np.ndarray
_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


_CALLBACKS = []  # one list per running backward pass (a hook may start another)


def queue_callback(callback):
    """Run ``callback()`` when the backward pass now running has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``); call it from a hook during backward."""
    if not _CALLBACKS:
        raise RuntimeError("queue_callback: no backward pass is running; queue callbacks from a "
                           "hook while backward runs")
    _CALLBACKS[-1].append(callback)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (``torch.autograd.backward``)."""
    roots, grads = _roots_and_grads(tensors, grad_tensors, create_graph, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    _run(roots, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (``torch.autograd.grad``).

    With ``create_graph=True`` the result is itself differentiable: grad of grad.
    """
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] does not require grad; one of the "
                               f"differentiated Tensors does not require grad")
    roots, grads = _roots_and_grads(outputs, grad_outputs, create_graph, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = _Capture(inputs)
    _run(roots, grads, retain_graph, create_graph, capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture.result(i)
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError("grad: one of the differentiated Tensors appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = wrap_array(np.zeros_like(t._data))
        elif not isinstance(g, Tensor):
            g = wrap_array(np.array(g, dtype=t._data.dtype, copy=True))
        result.append(g)
    return tuple(result)


def _roots_and_grads(tensors, grad_tensors, create_graph, op):
    roots = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grad_tensors is None:
        given = (None,) * len(roots)
    elif isinstance(grad_tensors, Tensor) or not isinstance(grad_tensors, (list, tuple)):
        given = (grad_tensors,)
    else:
        given = tuple(grad_tensors)
    if len(given) != len(roots):
        raise RuntimeError(f"{op}: got {len(given)} gradients for {len(roots)} outputs")
    grads = []
    for i, (t, g) in enumerate(zip(roots, given)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: outputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"{op}: element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs; "
                                   f"this output has shape {t.shape}, so pass gradient= of that shape")
            g = np.ones_like(t._data)
            g = wrap_array(g) if create_graph else g
        else:
            if not isinstance(g, Tensor):
                g = wrap_array(np.asarray(g, dtype=t._data.dtype))
            if g.shape != t.shape:
                raise RuntimeError(f"{op}: Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {t.shape}")
            if not create_graph:
                g = g._data
        grads.append(g)
    return roots, grads


class _Capture:
    """For ``autograd.grad``: where the wanted gradients are caught, and which nodes must run."""

    def __init__(self, inputs):
        self.leaves = {}
        self.nodes = {}
        self.values = [None] * len(inputs)
        for i, t in enumerate(inputs):
            if t.grad_fn is None:
                self.leaves.setdefault(id(t), []).append(i)
            else:
                self.nodes.setdefault(t.grad_fn, []).append((t._output_nr, i))
        self.needed = None

    def result(self, i):
        return self.values[i]

    def plan(self, root_nodes):
        """The nodes whose backward leads to a wanted input (the rest are skipped)."""
        seen = set(root_nodes)
        stack = list(root_nodes)
        while stack:
            fn = stack.pop()
            for e in fn.next:
                if type(e) is tuple and e[0] not in seen:
                    seen.add(e[0])
                    stack.append(e[0])
        needed = set()
        for fn in sorted(seen, key=lambda f: f.seq):  # inputs of a node come before it
            for e in fn.next:
                if (type(e) is tuple and (e[0] in needed or e[0] in self.nodes)) or \
                        (e is not None and type(e) is not tuple and id(e) in self.leaves):
                    needed.add(fn)
                    break
        self.needed = needed


def _run(roots, root_grads, retain_graph, create_graph, capture=None):
    """The backward pass, then the callbacks its hooks queued (in order, only if it succeeded)."""
    callbacks = []
    _CALLBACKS.append(callbacks)
    try:
        _run_graph(roots, root_grads, retain_graph, create_graph, capture)
        i = 0
        while i < len(callbacks):  # a callback may queue another
            callbacks[i]()
            i += 1
    finally:
        _CALLBACKS.pop()


def _post_accumulate_plan(root_fns):
    """For the leaves with post-accumulate hooks: id → [edges into it not yet run, the leaf,
    whether a gradient arrived]. A leaf's gradient is complete when its last edge has run."""
    pending = {}
    seen = set(root_fns)
    stack = list(seen)
    while stack:
        for e in stack.pop().next or ():
            if type(e) is tuple:
                if e[0] not in seen:
                    seen.add(e[0])
                    stack.append(e[0])
            elif e is not None and id(e) in POST_ACCUMULATE_HOOKS:
                entry = pending.get(id(e))
                if entry is None:
                    pending[id(e)] = [1, e, False]
                else:
                    entry[0] += 1
    return pending or None


def _edge_done(pending, leaf, received):
    entry = pending.get(id(leaf))
    if entry is None:
        return
    entry[0] -= 1
    entry[2] = entry[2] or received
    if entry[0] == 0 and entry[2]:
        _fire_post_accumulate(leaf)


def _fire_post_accumulate(leaf):
    entry = POST_ACCUMULATE_HOOKS.get(id(leaf))
    if entry is not None:
        for h in list(entry[1]):
            h(leaf)


def _run_graph(roots, root_grads, retain_graph, create_graph, capture):
    buffers = {}
    heap = []
    push = heapq.heappush
    pending = None
    if POST_ACCUMULATE_HOOKS and capture is None:  # autograd.grad leaves .grad alone: no hooks
        pending = _post_accumulate_plan({t.grad_fn for t in roots if t.grad_fn is not None})
    for t, g in zip(roots, root_grads):
        fn = t.grad_fn
        if fn is None:
            _accumulate_leaf(t, g, create_graph, capture)
            if capture is None and id(t) in POST_ACCUMULATE_HOOKS and (pending is None or id(t) not in pending):
                _fire_post_accumulate(t)
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * fn.n_out
            push(heap, (-fn.seq, fn))
        nr = t._output_nr
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    if capture is not None:
        capture.plan([fn for _, fn in heap])
        needed = capture.needed
    prev = mode.enabled, mode.create_graph
    mode.enabled = mode.create_graph = create_graph
    pop = heapq.heappop
    try:
        while heap:
            fn = pop(heap)[1]
            grads = buffers.pop(fn)
            if fn.hooks is not None:
                _run_node_hooks(fn, grads, create_graph)
            if capture is not None:
                for nr, i in capture.nodes.get(fn, ()):
                    capture.values[i] = grads[nr]
                if fn not in needed:
                    continue
            inputs = fn.inputs
            if inputs is None:
                raise RuntimeError(_FREED)
            if CLOCK[0] > fn.stamp:
                _check_saved(fn)
            saved = fn.saved
            if saved is not None and create_graph:
                fn.saved = fn.saved_for_graph()
            try:
                if fn.n_out == 1:
                    gin = fn.backward(grads[0])
                else:
                    gin = fn.backward(*_materialize(fn, grads, create_graph))
            finally:
                fn.saved = saved
            if type(gin) is not tuple:
                gin = (gin,)
            for e, g, x in zip(fn.next, gin, inputs):
                if e is None or g is None:
                    if pending is not None and e is not None and type(e) is not tuple:
                        _edge_done(pending, e, False)
                    continue
                xd = x._data
                if g.shape != xd.shape:
                    g = sum_to_shape(g, xd.shape)
                if create_graph:
                    if g._data.dtype != xd.dtype:
                        g = g.to(xd.dtype)
                elif g.dtype is not xd.dtype and g.dtype != xd.dtype:
                    g = np.asarray(g, dtype=xd.dtype)
                if type(e) is tuple:
                    nfn, nr = e
                    if capture is not None and nfn not in needed and nfn not in capture.nodes:
                        continue
                    buf = buffers.get(nfn)
                    if buf is None:
                        buf = buffers[nfn] = [None] * nfn.n_out
                        push(heap, (-nfn.seq, nfn))
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                else:
                    _accumulate_leaf(e, g, create_graph, capture)
                    if pending is not None:
                        _edge_done(pending, e, True)
            if not retain_graph:
                fn.release()
        if pending is not None:  # leaves whose remaining edges hang off nodes no gradient reached
            for count, leaf, received in pending.values():
                if count > 0 and received:
                    _fire_post_accumulate(leaf)
    finally:
        mode.enabled, mode.create_graph = prev


def _materialize(fn, grads, create_graph):
    """Multi-output nodes get zeros for outputs that received no gradient (PyTorch's default)."""
    if getattr(fn, "_materialize", True) is False:
        return grads
    out = []
    for g, o in zip(grads, fn.out):
        if g is None and o is not None:
            g = np.zeros_like(o)
            g = wrap_array(g) if create_graph else g
        out.append(g)
    return out


def _check_saved(fn):
    """Raise if an array this node saved for backward was changed in place after it was saved."""
    if fn.stamp < 0:
        raise RuntimeError(f"one of the variables needed for gradient computation has been "
                           f"modified by an inplace operation: the output of {fn.name()} was "
                           f"changed in place after it was saved; clone() it before changing it")
    kept = fn.kept_arrays()
    for t in fn.inputs:
        if not isinstance(t, Tensor):
            continue
        root = t._base if t._base is not None else t
        if root._version > fn.stamp and any(s is t or s is t._data or (type(s) is np.ndarray and
                                                                       np.may_share_memory(s, t._data))
                                           for s in kept):
            raise RuntimeError(f"one of the variables needed for gradient computation has been "
                               f"modified by an inplace operation: [tensor of shape {t.shape}], "
                               f"an input of {fn.name()}, was changed in place after {fn.name()} "
                               f"saved it; use an out-of-place op or clone() it first")


def _as_hook_tensor(g, create_graph):
    return g if create_graph else wrap_array(g if type(g) is _ndarray else np.asarray(g))


def _run_node_hooks(fn, grads, create_graph):
    """Hooks registered on non-leaf tensors (and retain_grad, always last) see their gradient."""
    for nr in range(len(grads)):
        hooks = fn.hooks.get(nr)
        g = grads[nr]
        if g is None:
            continue
        if hooks:
            for h in hooks:
                r = h(_as_hook_tensor(g, create_graph))
                if r is not None:
                    g = r if create_graph else r._data
            grads[nr] = g
    for h in fn.hooks.get("retain", ()):
        for nr in range(len(grads)):
            if grads[nr] is not None:
                h(_as_hook_tensor(grads[nr], create_graph))


def _accumulate_leaf(leaf, g, create_graph, capture):
    if capture is not None and id(leaf) not in capture.leaves:
        return
    if leaf._hooks:
        for h in leaf._hooks:
            r = h(_as_hook_tensor(g, create_graph))
            if r is not None:
                g = r if create_graph else r._data
    if capture is not None:
        for i in capture.leaves.get(id(leaf), ()):
            old = capture.values[i]
            capture.values[i] = g if old is None else old + g
        return
    old = leaf.grad
    if create_graph:
        if not isinstance(g, Tensor):
            g = wrap_array(g)
        leaf.grad = g if old is None else old + g
    elif old is None:
        # Keep the engine's fresh array when nothing else refers to it; copy anything shared.
        refs = sys.getrefcount(g)
        if _probe is not None:
            _probe.append(refs)
        if type(g) is _ndarray and tunables.STEAL_LEAF_GRADIENTS and refs <= _steal[0] and (g.base is None or _sole_view(g)):
            leaf.grad = wrap_array(g)
        else:
            leaf.grad = wrap_array(np.array(g, dtype=leaf._data.dtype, copy=True))
    elif old.grad_fn is None and old._data.flags.writeable and old._data.shape == np.shape(g):
        np.add(old._data, g, out=old._data)
    else:
        leaf.grad = wrap_array(np.asarray(old._data + (g._data if isinstance(g, Tensor) else g)))


def _sole_view(g):
    """True when g is a whole view of a fresh array that nothing but g refers to (an op's
    ``gx.reshape(x.shape)``, or a convolution's NCHW view of its channels-last gradient): keeping
    g then aliases nothing, so the copy can be skipped (the gradient keeps that memory layout, as
    PyTorch's follows the input's memory format). The base is referred to by g, by the local name
    and by getrefcount's argument."""
    base = g.base
    if not (type(base) is _ndarray and base.base is None and base.size == g.size and
            g.flags.writeable and sys.getrefcount(base) <= 3):
        return False
    expect = g.itemsize  # every element its own memory: the strides tile the base exactly
    for stride, n in sorted(zip(g.strides, g.shape)):
        if n > 1:
            if stride != expect:
                return False
            expect *= n
    return True


# Leaf-gradient stealing. A gradient array that reaches _accumulate_leaf from the engine loop with
# no holder but the loop itself (the backward's result tuple, zip's reused tuple, the loop name,
# the argument) can become the leaf's .grad without a copy. That count depends on the
# interpreter, so it is measured once: a probe op returns a fresh array, another returns an array
# it also keeps; the first count is the threshold only if the second is exactly one more
# (otherwise stealing stays off and every gradient is copied, which is always safe). chainrule's
# __init__ calibrates once at import, before any user code can run a backward on another thread.
_steal = [0]
_probe = None


def calibrate_steal():
    global _probe
    from .function import Op
    from .grad_mode import enable_grad

    class _Fresh(Op):
        def forward(self, x):
            return x.copy()

        def backward(self, g):
            return np.ones(2)

    class _Kept(_Fresh):
        def backward(self, g):
            self.kept = np.ones(2)
            return self.kept

    _steal[0] = 0
    counts = []
    try:
        for op in (_Fresh, _Kept):
            _probe = []
            with enable_grad():
                x = wrap_array(np.zeros(2))
                x.requires_grad_(True)
                y = op.apply(x)
            _run([y], [np.ones(2)], False, False)
            counts.append(_probe[0])
    finally:
        _probe = None
    _steal[0] = counts[0] if counts[1] == counts[0] + 1 else 0
