"""DataLoader: batches from a dataset — shuffled each epoch, collated into tensors, optionally
loaded ahead by worker processes (Lecture: batch, epoch and shuffle)."""
import collections
import itertools
import numbers

import numpy as np

from ...autograd.tensor import Tensor, wrap_array, as_array
from ...random import numpy_generator
from ._worker import Fetcher, WorkerPool
from .dataset import IterableDataset, dataset_length
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack a list of examples into a batch: numbers, arrays and tensors become one tensor;
    tuples, lists and dicts are collated field by field; strings stay a list."""
    first = batch[0]
    if isinstance(first, Tensor):
        return wrap_array(np.stack([b._data for b in batch]))
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "US":
            return list(batch)
        return wrap_array(as_array(np.stack(batch)))
    if isinstance(first, np.generic):
        return wrap_array(np.array(batch))                      # NumPy scalars keep their dtype
    if isinstance(first, bool):
        return wrap_array(np.array(batch, dtype=bool))
    if isinstance(first, numbers.Integral):
        return wrap_array(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return wrap_array(np.array(batch, dtype=np.float64))   # Python floats: float64, as PyTorch
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(f)) for f in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("default_collate: each element in a list of batches should be of equal size")
        return [default_collate(list(f)) for f in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts or "
                    f"lists; found {type(first).__name__}")


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    ``num_workers > 0`` loads batches in that many worker processes (see ``_worker``), keeping up
    to ``prefetch_factor × num_workers`` batches in flight; batches still come out in order, and
    ``get_worker_info()`` inside ``__getitem__`` or ``worker_init_fn`` tells a worker who it is.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; got {num_workers}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative; got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified with "
                             "num_workers > 0 (worker processes); set prefetch_factor to None")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        self.dataset, self.num_workers = dataset, num_workers
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self.worker_init_fn, self.generator = worker_init_fn, generator
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers, self.timeout = persistent_workers, timeout
        self._pool = None
        self._iterable = isinstance(dataset, IterableDataset)
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                                       or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle, "
                                 "sampler and batch_sampler options")
            self.batch_size, self.drop_last = batch_size, drop_last
            self.sampler = self.batch_sampler = None
            return
        if dataset_length(dataset, "DataLoader") == 0:
            raise ValueError("DataLoader: the dataset is empty (length 0); there is nothing to load")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _fetcher(self):
        batched = self.batch_size is not None if self._iterable else self.batch_sampler is not None
        collate = self.collate_fn if batched or self.collate_fn is not default_collate else _identity
        return Fetcher(self.dataset, collate, batched)

    def _index_stream(self):
        return iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        return self.iterate()

    def iterate(self, skip=0, after_skip=None):
        """Batches in order, optionally skipping the first ``skip`` without loading them (used to
        resume an interrupted epoch exactly); ``after_skip()`` runs once they are passed."""
        if self._iterable:
            return self._iterate_stream(skip, after_skip)
        return self._iterate_map(skip, after_skip)

    def _iterate_map(self, skip, after_skip):
        indices = self._index_stream()
        for _ in range(skip):
            if next(indices, None) is None:
                break
        if after_skip is not None:
            after_skip()
        if self.num_workers == 0:
            fetch = self._fetcher()
            for idx in indices:
                yield fetch(idx)
        else:
            first = next(indices, None)            # draws this epoch's shuffle before the seeds
            if first is not None:
                yield from self._in_workers(itertools.chain([first], indices), stream=None)

    def _iterate_stream(self, skip, after_skip):
        size = self.batch_size or 1
        if self.num_workers == 0:
            batches = self._fetcher().batches_of(iter(self.dataset), size, self.drop_last)
        else:
            batches = self._in_workers(itertools.repeat(None), stream=(size, self.drop_last))
        for n, batch in enumerate(batches):
            if n == skip and after_skip is not None:
                after_skip()
            if n >= skip:
                yield batch

    def _in_workers(self, tasks, stream):
        pool = self._pool
        if pool is None:
            base_seed = int(numpy_generator(self.generator).integers(0, 1 << 62))
            pool = WorkerPool(self._fetcher(), stream, self.num_workers, base_seed,
                              self.worker_init_fn, self.multiprocessing_context)
            if self.persistent_workers:
                self._pool = pool
        try:
            yield from pool.run(tasks, self.num_workers * self.prefetch_factor, self.timeout or None)
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def __del__(self):
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown()


def _identity(x):
    return x
