"""utils.data: datasets, samplers, batching, shuffling, collation, workers, determinism."""
import os
import time

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.nn.utils.rnn import pad_sequence
from chainrule.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                                  RandomSampler, SequentialSampler, Subset, TensorDataset,
                                  WeightedRandomSampler, default_collate, get_worker_info,
                                  random_split)


def _ds(n=10):
    return TensorDataset(cr.arange(n).float(), cr.arange(n))


def test_batches_and_drop_last():
    batches = list(DataLoader(_ds(10), batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(_ds(10), batch_size=4)) == 3
    assert len(DataLoader(_ds(10), batch_size=4, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(_ds(10), batch_size=4, drop_last=True)][-1] == [4, 5, 6, 7]
    x, y = next(iter(DataLoader(_ds(10), batch_size=4)))
    assert x.dtype == cr.float32 and y.dtype == cr.int64 and x.shape == (4,)


def test_shuffle_is_new_every_epoch_and_repeats_under_a_seed():
    loader = DataLoader(_ds(20), batch_size=20, shuffle=True)
    cr.manual_seed(3)
    e1, e2 = [next(iter(loader))[1].tolist() for _ in range(2)]
    assert e1 != e2 and sorted(e1) == list(range(20))
    cr.manual_seed(3)
    assert next(iter(loader))[1].tolist() == e1
    g = cr.Generator().manual_seed(5)
    a = next(iter(DataLoader(_ds(20), batch_size=20, shuffle=True, generator=g)))[1].tolist()
    b = next(iter(DataLoader(_ds(20), batch_size=20, shuffle=True, generator=cr.Generator().manual_seed(5))))[1].tolist()
    assert a == b


class _WhoLoads(Dataset):
    """Items name the worker process that loaded them and carry a random draw made there."""

    def __len__(self):
        return 50

    def __getitem__(self, i):
        info = get_worker_info()
        return np.full(3, i, dtype=np.float32), i, -1 if info is None else info.id, float(cr.rand(()))


def _record_init(worker_id):
    assert get_worker_info().id == worker_id
    _WhoLoads.init_pid = os.getpid()


def test_workers_give_the_same_batches_in_order_round_robin():
    plain = [b[1].tolist() for b in DataLoader(_WhoLoads(), batch_size=7)]
    batches = list(DataLoader(_WhoLoads(), batch_size=7, num_workers=3, worker_init_fn=_record_init))
    assert [b[1].tolist() for b in batches] == plain
    assert [set(b[2].tolist()) for b in batches] == [{k % 3} for k in range(len(plain))]
    assert get_worker_info() is None


def test_worker_seeds_differ_between_workers_and_repeat_under_a_seed():
    def draws():
        cr.manual_seed(11)
        loader = DataLoader(_WhoLoads(), batch_size=5, num_workers=2, shuffle=True)
        return [(b[1].tolist(), b[3].tolist()) for b in loader]
    a, b = draws(), draws()
    assert a == b
    cr.manual_seed(11)
    assert [x[0] for x in a] == [b[1].tolist() for b in DataLoader(_WhoLoads(), batch_size=5, shuffle=True)]
    first_of_each_worker = [a[0][1][0], a[1][1][0]]
    assert first_of_each_worker[0] != first_of_each_worker[1]


def test_worker_errors_name_the_worker_and_keep_the_traceback():
    class Broken(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                raise KeyError(f"no item {i}")
            return i
    with pytest.raises(KeyError, match=r"(?s)in DataLoader worker process 0.*no item 5"):
        list(DataLoader(Broken(), batch_size=2, num_workers=2))


def test_worker_timeout_and_persistent_workers():
    class Slow(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            time.sleep(3 if i == 2 else 0)
            return os.getpid()
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        list(DataLoader(Slow(), batch_size=2, num_workers=1, timeout=0.5))
    fast = TensorDataset(cr.arange(6))
    loader = DataLoader(_Pids(), batch_size=2, num_workers=2, persistent_workers=True)
    e1, e2 = [sorted({p for b in loader for p in b.tolist()}) for _ in range(2)]
    assert e1 == e2 and len(e1) == 2 and os.getpid() not in e1
    assert len(list(DataLoader(fast, batch_size=4, num_workers=2))) == 2


class _Pids(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return os.getpid()


class _Shards(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, 10, step))


def test_iterable_dataset_shared_out_by_worker_info():
    plain = sorted(x for b in DataLoader(_Shards(), batch_size=2) for x in b.tolist())
    split = [b.tolist() for b in DataLoader(_Shards(), batch_size=2, num_workers=2)]
    assert plain == list(range(10)) and sorted(x for b in split for x in b) == plain
    assert split[0] == [0, 2] and split[1] == [1, 3]


def test_collation_of_structures():
    batch = [({"a": np.ones(2), "b": 1.5}, [1, "x"]), ({"a": np.zeros(2), "b": 2.5}, [2, "y"])]
    out = default_collate(batch)
    assert out[0]["a"].shape == (2, 2) and out[0]["a"].dtype == cr.float64
    assert out[0]["b"].tolist() == [1.5, 2.5] and out[0]["b"].dtype == torch_like_float64()
    assert out[1][0].tolist() == [1, 2] and out[1][1] == ["x", "y"]
    t = default_collate([cr.ones(2, 3), cr.zeros(2, 3)])
    assert t.shape == (2, 2, 3)


def torch_like_float64():
    return cr.float64  # PyTorch collates Python floats to float64


def test_collate_matches_torch_dtypes():
    from torch.utils.data import default_collate as tcollate
    for batch in ([1, 2], [1.0, 2.0], [np.float32(1), np.float32(2)], [True, False]):
        assert str(tcollate(batch).dtype).replace("torch.", "") == default_collate(batch).dtype.name


def test_samplers():
    ds = _ds(6)
    assert list(SequentialSampler(ds)) == list(range(6))
    cr.manual_seed(0)
    r = list(RandomSampler(ds))
    assert sorted(r) == list(range(6))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=20))) == 20
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    w = WeightedRandomSampler([0.0, 0.0, 1.0], num_samples=10)
    assert list(w) == [2] * 10
    loader = DataLoader(ds, batch_sampler=[[5, 0], [1]])
    assert [b[1].tolist() for b in loader] == [[5, 0], [1]]


def test_subsets_concat_and_random_split():
    ds = _ds(10)
    assert Subset(ds, [3, 1])[1][1].item() == 1
    c = ConcatDataset([ds, _ds(5)])
    assert len(c) == 15 and c[12][1].item() == 2 and c[-1][1].item() == 4
    cr.manual_seed(0)
    a, b = random_split(ds, [7, 3])
    assert len(a) == 7 and len(b) == 3
    assert sorted([a[i][1].item() for i in range(7)] + [b[i][1].item() for i in range(3)]) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=cr.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    with pytest.raises(ValueError, match="does not equal the length of the input dataset"):
        random_split(ds, [3, 3])


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("make,err,msg", [
    (lambda: DataLoader(TensorDataset(cr.zeros(0, 2)), batch_size=2), ValueError, "the dataset is empty"),
    (lambda: DataLoader(_ds(), batch_size=0), ValueError, "batch_size should be a positive integer"),
    (lambda: DataLoader(_ds(), num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (lambda: DataLoader(_ds(), sampler=SequentialSampler(_ds()), shuffle=True), ValueError, "mutually exclusive"),
    (lambda: TensorDataset(cr.zeros(3, 2), cr.zeros(4)), ValueError, "size mismatch"),
])
def test_bad_input(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_pad_sequence_matches_torch():
    seqs = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate((3, 1, 4))]
    for kw in ({}, {"batch_first": True, "padding_value": -1.0}, {"batch_first": True, "padding_side": "left"}):
        a = pad_sequence([cr.tensor(s) for s in seqs], **kw)
        b = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw)
        np.testing.assert_array_equal(a.data, b.numpy())
