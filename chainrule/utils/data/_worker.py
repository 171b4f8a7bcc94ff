"""DataLoader worker processes, as PyTorch runs them.

Each worker is a process with its own copy of the dataset (forked where the platform forks, so
nothing is pickled on the way in), its own index queue and a seed of its own. Batches are handed
out round-robin — batch ``k`` always goes to worker ``k % num_workers`` — and come back through
one result queue; the main process puts them back in order. Per-sample Python in ``__getitem__``
(opening an image, a transform, a tokenizer) runs truly in parallel, which threads cannot give:
the interpreter lock lets only one thread run Python at a time.
"""
import collections
import itertools
import multiprocessing
import os
import queue
import random
import sys
import traceback

import numpy as np

from ...random import manual_seed

WorkerInfo = collections.namedtuple("WorkerInfo", "id num_workers seed dataset")
_worker_info = None
_POLL_S = 1.0


def get_worker_info():
    """Inside a worker process: its ``id``, ``num_workers``, ``seed`` and ``dataset`` copy (use it to
    give each worker its share of an ``IterableDataset``); ``None`` in the main process."""
    return _worker_info


class Fetcher:
    """Turn a batch of indices into a batch (the same code with and without workers)."""

    def __init__(self, dataset, collate_fn, batched):
        self.dataset, self.collate_fn, self.batched = dataset, collate_fn, batched

    def __call__(self, indices):
        if not self.batched:                      # batch_size=None: one sample, collate_fn converts it
            return self.collate_fn(self.dataset[indices])
        return self.collate_fn([self.dataset[i] for i in indices])

    def next_of(self, iterator, size, drop_last):
        """The next batch of an iterable dataset's ``iterator``, or ``_EXHAUSTED``."""
        if not self.batched:
            item = next(iterator, _EXHAUSTED)
            return item if item is _EXHAUSTED else self.collate_fn(item)
        b = list(itertools.islice(iterator, size))
        if not b or (drop_last and len(b) < size):
            return _EXHAUSTED
        return self.collate_fn(b)

    def batches_of(self, iterator, size, drop_last):
        while (batch := self.next_of(iterator, size, drop_last)) is not _EXHAUSTED:
            yield batch


class _Exhausted:
    def __reduce__(self):
        return "_EXHAUSTED"


_EXHAUSTED = _Exhausted()


class _Failure:
    """An exception raised in a worker, carried back with its traceback and raised again in the
    main process with the worker named, as PyTorch's ``ExceptionWrapper``."""

    def __init__(self, where):
        self.type = sys.exc_info()[0]
        self.where, self.text = where, "".join(traceback.format_exception(*sys.exc_info()))

    def reraise(self):
        msg = f"Caught {self.type.__name__} {self.where}.\nOriginal {self.text}"
        if self.type is KeyError:                 # KeyError prints its argument's repr
            msg = _Verbatim(msg)
        try:
            err = self.type(msg)
        except Exception:                         # exception types whose constructor needs more
            err = RuntimeError(msg)
        raise err


class _Verbatim(str):
    def __repr__(self):
        return str(self)


def _worker_loop(fetcher, stream, index_q, result_q, worker_id, num_workers, seed, init_fn):
    global _worker_info
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(seed % (1 << 32))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetcher.dataset)
    parent = os.getppid()
    failed = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception:
        failed = _Failure(f"in DataLoader worker process {worker_id} (worker_init_fn)")
    iterator, epoch_of_iterator = None, None
    while True:
        try:
            msg = index_q.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:            # the main process is gone: stop quietly
                return
            continue
        if msg is None:
            return
        epoch, task, indices = msg
        if failed is not None:
            result_q.put((epoch, task, failed))
            continue
        try:
            if stream is None:
                data = fetcher(indices)
            else:
                if epoch != epoch_of_iterator:
                    iterator, epoch_of_iterator = iter(fetcher.dataset), epoch
                data = fetcher.next_of(iterator, *stream)
        except Exception:
            data = _Failure(f"in DataLoader worker process {worker_id}")
        result_q.put((epoch, task, data))


class WorkerPool:
    """``num_workers`` processes with one index queue each and a shared result queue."""

    def __init__(self, fetcher, stream, num_workers, base_seed, init_fn, context):
        ctx = multiprocessing.get_context(context) if isinstance(context, (str, type(None))) else context
        self.result_q = ctx.Queue()
        self.index_qs, self.procs = [], []
        for w in range(num_workers):
            q = ctx.Queue()
            p = ctx.Process(target=_worker_loop, daemon=True,
                            args=(fetcher, stream, q, self.result_q, w, num_workers, base_seed + w, init_fn))
            p.start()
            self.index_qs.append(q)
            self.procs.append(p)
        self.epochs = itertools.count()

    def get(self, timeout):
        """The next result; a clear error if a worker died or ``timeout`` seconds passed."""
        waited = 0.0
        while True:
            step = _POLL_S if timeout is None else min(_POLL_S, timeout - waited)
            try:
                return self.result_q.get(timeout=max(step, 1e-3))
            except queue.Empty:
                waited += step
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader worker (pid {dead[0].pid}) exited unexpectedly "
                                       f"with exit code {dead[0].exitcode}") from None
                if timeout is not None and waited >= timeout:
                    self.shutdown(wait=False)
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def shutdown(self, wait=True):
        for q in self.index_qs:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for p in self.procs:
            p.join(timeout=5 if wait else 0)
            if p.is_alive():
                p.terminate()
        for q in self.index_qs + [self.result_q]:
            q.cancel_join_thread()
            q.close()
        self.index_qs, self.procs = [], []

    def run(self, tasks, prefetch, timeout):
        """Yield the batches of ``tasks`` (index batches, or ``None`` each for an iterable dataset)
        in order, keeping up to ``prefetch`` in flight; round-robin over the live workers."""
        epoch = next(self.epochs)
        n = len(self.procs)
        live = list(range(n))
        turn = itertools.count()
        owner, buffer = {}, {}
        sent = 0

        def send():
            nonlocal sent
            if not live:
                return False
            idx = next(tasks, _EXHAUSTED)
            if idx is _EXHAUSTED:
                return False
            w = live[next(turn) % len(live)]
            self.index_qs[w].put((epoch, sent, idx))
            owner[sent] = w
            sent += 1
            return True

        for _ in range(prefetch):
            if not send():
                break
        want = 0
        while want < sent:
            while want not in buffer:
                e, t, data = self.get(timeout)
                if e == epoch:
                    buffer[t] = data
            data = buffer.pop(want)
            w = owner.pop(want)
            want += 1
            if data is _EXHAUSTED:
                if w in live:
                    live.remove(w)
                send()
                continue
            send()
            if isinstance(data, _Failure):
                data.reraise()
            yield data
