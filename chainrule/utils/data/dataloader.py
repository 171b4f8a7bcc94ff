"""DataLoader: batches from a dataset — shuffled each epoch, collated into tensors, optionally
loaded ahead by worker threads (Lecture: batch, epoch and shuffle)."""
import collections
import concurrent.futures
import itertools
import numbers

import numpy as np

from ...autograd.tensor import Tensor, _wrap, as_array
from .dataset import IterableDataset, dataset_length
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack a list of examples into a batch: numbers, arrays and tensors become one tensor;
    tuples, lists and dicts are collated field by field; strings stay a list."""
    first = batch[0]
    if isinstance(first, Tensor):
        return _wrap(np.stack([b._data for b in batch]))
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "US":
            return list(batch)
        return _wrap(as_array(np.stack(batch)))
    if isinstance(first, np.generic):
        return _wrap(np.array(batch))                      # NumPy scalars keep their dtype
    if isinstance(first, bool):
        return _wrap(np.array(batch, dtype=bool))
    if isinstance(first, numbers.Integral):
        return _wrap(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return _wrap(np.array(batch, dtype=np.float64))   # Python floats: float64, as PyTorch
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

    ``num_workers > 0`` fetches and collates batches in that many worker threads (NumPy releases
    the GIL while it copies), keeping up to ``prefetch_factor × num_workers`` batches in flight;
    batches still come out in order.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, *, prefetch_factor=None, persistent_workers=False):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; got {num_workers}")
        self.dataset, self.num_workers = dataset, num_workers
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self.worker_init_fn, self.generator = worker_init_fn, generator
        self.prefetch_factor = 2 if prefetch_factor is None else prefetch_factor
        self.timeout = timeout or None
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

    def _fetch(self, indices):
        if self.batch_sampler is None:
            return self.collate_fn(self.dataset[indices]) if self.collate_fn is not default_collate \
                else self.dataset[indices]
        return self.collate_fn([self.dataset[i] for i in indices])

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
            for idx in indices:
                yield self._fetch(idx)
        else:
            yield from self._threaded(indices)

    def _iterate_stream(self, skip, after_skip):
        it = iter(self.dataset)
        size = self.batch_size or 1
        n = 0
        while True:
            b = list(itertools.islice(it, size))
            if not b or (self.drop_last and len(b) < size):
                return
            if n == skip and after_skip is not None:
                after_skip()
            if n >= skip:
                yield self.collate_fn(b)
            n += 1

    def _threaded(self, indices):
        local = itertools.count()

        def init():
            if self.worker_init_fn is not None:
                self.worker_init_fn(next(local))
        pool = concurrent.futures.ThreadPoolExecutor(self.num_workers, thread_name_prefix="chainrule-loader",
                                                     initializer=init)
        pending = collections.deque()
        try:
            for idx in itertools.islice(indices, self.num_workers * self.prefetch_factor):
                pending.append(pool.submit(self._fetch, idx))
            while pending:
                batch = pending.popleft().result(timeout=self.timeout)
                nxt = next(indices, None)
                if nxt is not None:
                    pending.append(pool.submit(self._fetch, nxt))
                yield batch
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
