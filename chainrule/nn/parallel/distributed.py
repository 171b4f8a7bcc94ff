"""Data-parallel training: every rank holds the whole model, computes the gradient of its own
shard of the batch, and the ranks average their gradients before the optimizer steps.

Why the average is right: the loss of a global batch of B = N·b examples is the mean of N shard
means, so by linearity of the derivative its gradient is the mean of the N shard gradients (the
chain rule, run on each rank, then one sum across ranks). Every rank then takes the same step
from the same weights, so the replicas never drift apart.

Averaging overlaps with backward: parameters are grouped into buckets in reverse order of
registration (roughly the order backward finishes them); once every gradient of a bucket is
complete (a post-accumulate hook), its non-blocking all-reduce starts while backward goes on with
earlier layers. The last reductions are waited for when the backward pass ends, before any
optimizer step can run.
"""
import contextlib
import time
import weakref

import numpy as np

from ... import distributed as dist
from ...autograd.engine import queue_callback
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.tensor import Tensor, wrap_array
from ..module import Module

_FIRST_BUCKET_BYTES = 1 << 20  # PyTorch's: a small first bucket starts communicating early


def _flat(arrays, dtype):
    return np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False) if arrays else \
        np.empty(0, dtype)


def _broadcast_coalesced(tensors, group, src):
    """Give every rank ``src``'s values of ``tensors``: one broadcast per dtype."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for dtype, ts in by_dtype.items():
        flat = wrap_array(_flat([t._data for t in ts], dtype))
        dist.broadcast(flat, src=src, group=group)
        at = 0
        for t in ts:
            n = t._data.size
            t._data[...] = flat._data[at:at + n].reshape(t._data.shape)
            at += n


def _tensors_in(output):
    if isinstance(output, Tensor):
        yield output
    elif isinstance(output, (list, tuple)):
        for o in output:
            yield from _tensors_in(o)
    elif isinstance(output, dict):
        for o in output.values():
            yield from _tensors_in(o)


def _reached_leaves(outputs):
    """ids of the leaves the outputs' graph reaches (for find_unused_parameters)."""
    seen, leaves = set(), set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    leaves.update(id(t) for t in outputs if t.grad_fn is None)
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        for e in fn.next or ():
            if type(e) is tuple:
                stack.append(e[0])
            elif e is not None:
                leaves.add(id(e))
    return leaves


class _Bucket:
    __slots__ = ("params", "offsets", "buffer", "pending", "work")

    def __init__(self, params):
        self.params = params
        self.offsets = np.cumsum([0] + [p._data.size for p in params]).tolist()
        self.buffer = np.empty(self.offsets[-1], params[0]._data.dtype)
        self.pending = len(params)
        self.work = None


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``loss.backward()`` leaves every rank with the gradient averaged over
    all ranks (``torch.nn.parallel.DistributedDataParallel`` on MPI).

    At construction rank 0's parameters and buffers are copied to every rank. ``bucket_cap_mb``
    sizes the buckets; ``find_unused_parameters`` allows forwards that leave parameters out;
    ``broadcast_buffers`` copies rank 0's buffers (BatchNorm statistics) at every forward;
    ``no_sync()`` accumulates local gradients without communicating (the next synchronized
    backward averages the sum). State-dict keys carry the ``module.`` prefix, as PyTorch's.
    ``communication_seconds`` adds up the time spent starting and waiting for the reductions
    (a chainrule addition, for measuring what data parallelism costs). ``gradient_as_bucket_view``,
    ``static_graph`` and ``check_reduction`` are PyTorch's memory and speed hints; they change no
    result and are accepted as such.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None):
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: Default process group has not been "
                               "initialized; call chainrule.distributed.init_process_group('mpi') "
                               "first (and start the ranks with mpirun -np N)")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a chainrule.nn.Module, got "
                            f"{type(module).__name__}")
        if device_ids not in (None, [], ["cpu"]) or output_device not in (None, "cpu"):
            raise ValueError(f"DistributedDataParallel: this is a CPU build; device_ids must be None "
                             f"(got {device_ids!r})")
        for name, value in (("mixed_precision", mixed_precision), ("device_mesh", device_mesh),
                            ("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce)):
            if value is not None:
                raise ValueError(f"DistributedDataParallel: {name} is not supported by chainrule's "
                                 f"MPI data parallelism; leave it None")
        cap = 25.0 if bucket_cap_mb is None else bucket_cap_mb
        if not isinstance(cap, (int, float)) or cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be a positive number of "
                             f"megabytes, got {bucket_cap_mb!r}")
        self.module = module
        d = self.__dict__
        d["process_group"] = process_group
        d["world_size"] = dist.get_world_size(process_group)
        d["broadcast_buffers"], d["find_unused_parameters"] = broadcast_buffers, find_unused_parameters
        d["bucket_bytes_cap"] = int(cap * 1024 * 1024)
        d["require_backward_grad_sync"] = True
        d["communication_seconds"] = 0.0
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        d["_names"] = {id(p): n for n, p in named}
        params = [p for _, p in named]
        self._check_same_model(params)
        with_buffers = list(module.buffers()) if broadcast_buffers else []
        _broadcast_coalesced(params + with_buffers, process_group, src=0)
        d["_buckets"] = self._make_buckets(params)
        d["_where"] = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        d["_armed"] = False        # a synchronized backward is expected (set by forward)
        d["_ready"] = set()        # ids of parameters whose gradient is in its bucket
        d["_next"] = 0             # the next bucket to reduce (all ranks reduce in one order)
        d["_queued"] = False       # _finish is queued to run when this backward ends
        d["_unused"] = ()
        ref = weakref.ref(self)  # the hooks must not keep a discarded wrapper alive

        def hook(p):
            ddp = ref()
            if ddp is not None:
                ddp._grad_ready(p)
        handles = [p.register_post_accumulate_grad_hook(hook) for p in params]
        weakref.finalize(self, lambda: [h.remove() for h in handles])

    # ------------------------------------------------------------------------- set-up
    def _check_same_model(self, params):
        """Every rank must wrap the same architecture, or the reductions would mix up tensors."""
        sig = np.array([len(params), sum(p._data.size for p in params)], np.int64)
        lo, hi = wrap_array(sig.copy()), wrap_array(sig.copy())
        dist.all_reduce(lo, op=dist.ReduceOp.MIN, group=self.process_group)
        dist.all_reduce(hi, op=dist.ReduceOp.MAX, group=self.process_group)
        if not np.array_equal(lo._data, hi._data):
            raise RuntimeError(f"DistributedDataParallel: the ranks wrap different models (this rank: "
                               f"{sig[0]} parameters, {sig[1]} numbers; across ranks "
                               f"{lo._data.tolist()} to {hi._data.tolist()})")

    def _make_buckets(self, params):
        buckets, current, size = [], [], 0
        cap = min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for p in reversed(params):
            if current and (size + p._data.nbytes > cap or p._data.dtype != current[0]._data.dtype):
                buckets.append(_Bucket(current))
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += p._data.nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ------------------------------------------------------------------------- forward
    def forward(self, *inputs, **kwargs):
        if self._armed and self._queued:
            raise RuntimeError("DistributedDataParallel: Expected to have finished reduction in the "
                               "prior iteration before starting a new one: the last backward did not "
                               "reach every parameter; pass find_unused_parameters=True when forward "
                               "does not use them all")
        if self.broadcast_buffers and self.world_size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(buffers, self.process_group, src=0)
        output = self.module(*inputs, **kwargs)
        d = self.__dict__
        d["_armed"] = is_grad_enabled() and self.require_backward_grad_sync
        if self._armed:
            self._ready.clear()
            d["_next"], d["_queued"] = 0, False
            for b in self._buckets:
                b.pending, b.work = len(b.params), None
            if self.find_unused_parameters:
                reached = _reached_leaves(list(_tensors_in(output)))
                d["_unused"] = [p for b in self._buckets for p in b.params if id(p) not in reached]
                for p in self._unused:
                    self._mark_ready(p, None)
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, forward/backward only accumulate local gradients; the first synchronized
        backward after it averages the accumulated sums."""
        old = self.require_backward_grad_sync
        self.__dict__["require_backward_grad_sync"] = False
        try:
            yield
        finally:
            self.__dict__["require_backward_grad_sync"] = old

    # ------------------------------------------------------------------------- backward
    def _grad_ready(self, p):
        if not self._armed:
            return
        if not self._queued:
            queue_callback(self._finish)
            self.__dict__["_queued"] = True
        self._mark_ready(p, p.grad)

    def _mark_ready(self, p, grad):
        if id(p) in self._ready:
            raise RuntimeError(f"DistributedDataParallel: Expected to mark a variable ready only once; "
                               f"parameter {self._names[id(p)]!r} got a second gradient in one "
                               f"iteration (a second backward through one forward is not supported)")
        self._ready.add(id(p))
        bucket, i = self._where[id(p)]
        part = bucket.buffer[bucket.offsets[i]:bucket.offsets[i + 1]]
        if grad is None:
            part[...] = 0
        else:
            np.divide(np.ravel(grad._data), self.world_size, out=part)  # the mean, as PyTorch's
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready()

    def _launch_ready(self):
        """Start the reductions of the ready buckets, in bucket order on every rank."""
        t0 = time.perf_counter()
        d = self.__dict__
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            b = self._buckets[self._next]
            b.work = dist.all_reduce(wrap_array(b.buffer), group=self.process_group, async_op=True)
            d["_next"] += 1
        d["communication_seconds"] += time.perf_counter() - t0

    def _finish(self):
        """End of backward: wait for every reduction, give each parameter its averaged gradient."""
        d = self.__dict__
        missing = [name for key, name in self._names.items() if key not in self._ready]
        if missing:
            raise RuntimeError(f"DistributedDataParallel: parameters {missing} received no gradient in "
                               f"this backward pass; pass find_unused_parameters=True if forward does "
                               f"not use every parameter (or freeze them with requires_grad_(False))")
        t0 = time.perf_counter()
        for b in self._buckets:
            b.work.wait()
        d["communication_seconds"] += time.perf_counter() - t0
        unused = {id(p) for p in self._unused}
        for b in self._buckets:
            for i, p in enumerate(b.params):
                avg = b.buffer[b.offsets[i]:b.offsets[i + 1]].reshape(p._data.shape)
                g = p.grad
                if g is not None and g.grad_fn is None and g._data.flags.writeable and \
                        g._data.shape == avg.shape:
                    g._data[...] = avg
                elif g is not None or id(p) not in unused or avg.any():
                    p.grad = wrap_array(avg.copy())
        d["_armed"] = d["_queued"] = False
        self._ready.clear()
