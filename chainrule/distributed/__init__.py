"""Beyond one machine: processes that train one model together, over MPI (``torch.distributed``'s API).

Start N copies of a script with ``mpirun -np N python train.py`` (or ``chainrule launch -np N
train.py``); each calls ``init_process_group(backend="mpi")`` and learns its rank and the world
size from MPI. Collectives work in place on tensors' arrays, handed to MPI as contiguous buffers
(no pickling); ``async_op=True`` returns a ``Work`` whose ``wait()`` finishes it. Data-parallel
training builds on ``all_reduce``: ``nn.parallel.DistributedDataParallel`` averages gradients as
backward produces them, ``utils.data.distributed.DistributedSampler`` gives each rank its shard.
"""
from .collectives import (GroupMember, ProcessGroup, ReduceOp, Work, all_gather, all_gather_into_tensor,
                          all_reduce, barrier, broadcast, destroy_process_group, gather, get_backend,
                          get_rank, get_world_size, group, init_process_group, irecv, is_available,
                          is_initialized, is_mpi_available, isend, new_group, recv, reduce, reduce_scatter,
                          reduce_scatter_tensor, scatter, send)

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "is_mpi_available", "get_backend", "get_rank", "get_world_size", "new_group", "group",
           "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "reduce", "reduce_scatter", "reduce_scatter_tensor", "gather",
           "scatter", "barrier", "send", "recv", "isend", "irecv"]
