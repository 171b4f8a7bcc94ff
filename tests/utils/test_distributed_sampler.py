"""DistributedSampler shards as PyTorch's: the same padding, dropping and striding over the same
order (for shuffle, PyTorch's randperm is replaced by chainrule's permutation for seed + epoch)."""
import pytest
import torch
import torch.utils.data.distributed as torch_distributed

from chainrule.random import Generator
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset
import chainrule as cr

CASES = [(size, replicas, drop_last, shuffle, epoch)
         for size, replicas in [(10, 2), (10, 3), (7, 4), (3, 5), (1, 2), (12, 4)]
         for drop_last in (False, True) for shuffle in (False, True) for epoch in (0, 3)]


@pytest.mark.parametrize("size,replicas,drop_last,shuffle,epoch", CASES)
def test_indices_equal_torch(monkeypatch, size, replicas, drop_last, shuffle, epoch):
    def our_permutation(n, generator):
        return torch.as_tensor(Generator().manual_seed(generator.initial_seed()).np.permutation(n))
    monkeypatch.setattr(torch, "randperm", our_permutation)
    data = list(range(size))
    for rank in range(replicas):
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=11,
                                  drop_last=drop_last)
        theirs = torch_distributed.DistributedSampler(data, num_replicas=replicas, rank=rank,
                                                      shuffle=shuffle, seed=11, drop_last=drop_last)
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == ours.num_samples and ours.total_size == theirs.total_size


def test_shards_cover_the_data_and_change_with_the_epoch():
    shards = [DistributedSampler(range(10), num_replicas=2, rank=r, seed=0) for r in range(2)]
    first = [list(s) for s in shards]
    assert sorted(first[0] + first[1]) == list(range(10))
    assert list(shards[0]) == first[0]  # same epoch, same order
    for s in shards:
        s.set_epoch(1)
    assert [list(s) for s in shards] != first


def test_errors_and_loader_use():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
    ds = TensorDataset(cr.arange(10).float())
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1.0, 3.0], [5.0, 7.0], [9.0]]
