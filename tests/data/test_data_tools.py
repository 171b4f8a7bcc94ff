"""chainrule.data: scaling, splitting, cross validation, transforms."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.data import KFold, Standardizer, split_indices, train_val_test_split
from chainrule.data import transforms as T


def test_standardizer_fits_on_train_only():
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 2, (100, 3)), rng.normal(8, 1, (20, 3))
    s = Standardizer().fit(train)
    z = s.transform(train)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-6)
    np.testing.assert_allclose(s.transform(test), (test - train.mean(0)) / train.std(0), rtol=1e-6)
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test, rtol=1e-6)
    with pytest.raises(RuntimeError, match="call fit"):
        Standardizer().transform(test)


def test_splits_and_kfold():
    parts = split_indices(10, (0.6, 0.2, 0.2), generator=cr.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [6, 2, 2] and sorted(np.concatenate(parts)) == list(range(10))
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    xtr, xva, xte, ytr, yva, yte = train_val_test_split(x, y, fractions=(0.5, 0.3, 0.2))
    assert (xtr[:, 0] // 2 == ytr).all() and len(xte) == 2
    folds = list(KFold(5).split(12))
    assert len(folds) == 5
    val = np.concatenate([v for _, v in folds])
    assert sorted(val) == list(range(12))
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 12
    with pytest.raises(ValueError, match="cannot split 3 samples into 5 folds"):
        list(KFold(5).split(3))


def test_transforms():
    """Tensor images (C, H, W) through the lecture-style pipeline (torchvision parity is in
    tests/data/test_transforms.py)."""
    img = cr.tensor(np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5))
    t = T.ToTensor()(np.full((4, 5, 3), 255, dtype=np.uint8))
    assert t.shape == (3, 4, 5) and t.numpy().max() == 1.0
    n = T.Normalize([1.0, 2.0], [2.0, 4.0])(img)
    np.testing.assert_allclose(n.numpy()[1], (img.numpy()[1] - 2) / 4)
    assert T.CenterCrop(2)(img).shape == (2, 2, 2)
    cr.manual_seed(0)
    assert T.RandomCrop(4, padding=2)(img).shape == (2, 4, 4)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img).numpy(), img.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img
    r = T.Resize((8, 10))(img)
    ref = torch.nn.functional.interpolate(torch.tensor(img.numpy())[None], (8, 10), mode="bilinear",
                                          antialias=True)[0].numpy()
    np.testing.assert_allclose(r.numpy(), ref, atol=1e-5)
    rot = T.RandomRotation((90, 90))(cr.tensor(np.eye(5, dtype=np.float32)[None]))
    np.testing.assert_allclose(rot.numpy()[0], np.eye(5)[::-1], atol=1e-6)  # a 90° turn of the diagonal
    assert T.RandomResizedCrop(3)(img).shape == (2, 3, 3)
    rgb = cr.tensor(np.stack([np.ones((2, 2)), np.zeros((2, 2)), np.zeros((2, 2))]).astype(np.float32))
    np.testing.assert_allclose(T.Grayscale()(rgb).numpy(), 0.2989 * np.ones((1, 2, 2)), rtol=1e-6)
    noisy = T.GaussianNoise(sigma=0.5, clip=False)(cr.zeros(1, 100, 100))
    assert abs(noisy.numpy().std() - 0.5) < 0.02
    comp = T.Compose([T.ToTensor(), T.Normalize([0.5], [0.5])])
    out = comp(np.zeros((3, 3), dtype=np.uint8))
    assert isinstance(out, cr.Tensor) and out.shape == (1, 3, 3) and np.allclose(out.numpy(), -1)