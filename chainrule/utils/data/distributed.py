"""Each rank its own shard of the data (``torch.utils.data.distributed.DistributedSampler``)."""
import math

import numpy as np

from ... import distributed as dist
from ...random import Generator
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Rank r of N visits indices r, r+N, r+2N, … of one order that every rank draws alike.

    The order is ``range(len)``, or with ``shuffle`` a permutation from a generator seeded with
    ``seed + epoch`` (call ``set_epoch`` before each epoch for a new one; chainrule's generator, so
    the permutation itself differs from PyTorch's while the sharding is the same). Without
    ``drop_last`` the order is padded by repeating its start until it divides evenly (some
    examples are then seen twice in an epoch); with it, the tail is dropped. Every rank gets
    ``num_samples`` indices, so every rank runs the same number of steps.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = dist.get_world_size()
        if rank is None:
            rank = dist.get_rank()
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, int(seed), drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            order = g.np.permutation(n)
        else:
            order = np.arange(n)
        if not self.drop_last:
            pad = self.total_size - n
            if pad:
                order = np.concatenate([order, np.resize(order, pad)])  # repeat the start
        else:
            order = order[:self.total_size]
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use the permutation of this epoch (the same on every rank)."""
        self.epoch = int(epoch)
