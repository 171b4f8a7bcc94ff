"""Dataset readers on small files written here in the standard formats, the bundled sets and the
generators."""
import gzip
import os
import struct

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import datasets as D


def _write_idx(path, array, gz=True):
    codes = {np.uint8: 0x08}
    header = struct.pack(">HBB", 0, codes[array.dtype.type], array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    data = header + array.tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


@pytest.fixture
def fashion_dir(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 12), ("t10k", 5)):
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte", rng.integers(0, 10, n).astype(np.uint8), gz=False)
    return tmp_path


def test_idx_reader_and_fashion_dataset(fashion_dir):
    ds = D.FashionMNIST(root=str(fashion_dir))
    img, label = ds[0]
    assert len(ds) == 12 and img.size == (28, 28) and img.mode == "L" and 0 <= label < 10   # PIL, as torchvision
    assert ds.data.shape == (12, 28, 28) and ds.data.dtype == cr.uint8 and ds.targets.dtype == cr.int64
    assert repr(ds).splitlines()[:2] == ["Dataset FashionMNIST", "    Number of datapoints: 12"]
    assert "Split: Train" in repr(ds) and ds.class_to_idx["Trouser"] == 1
    test = D.FashionMNIST(root=str(fashion_dir), train=False, transform=cr.data.transforms.ToTensor())
    x, y = test[1]
    assert len(test) == 5 and x.shape == (1, 28, 28) and x.dtype == cr.float32
    xs, ys = test.arrays(flatten=True)
    assert xs.shape == (5, 784) and xs.max() <= 1.0 and ys.dtype == np.int64


def test_env_folder_is_searched(fashion_dir, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DATA", str(fashion_dir))
    assert len(D.FashionMNIST(train=False)) == 5


def test_missing_and_broken_files_say_what_is_wrong(tmp_path, fashion_dir, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match=r"(?s)mnist: train-images-idx3-ubyte.gz was not found.*CHAINRULE_DATA"):
        D.MNIST(root=str(tmp_path / "nowhere"))
    bad = fashion_dir / "t10k-images-idx3-ubyte.gz"
    raw = gzip.open(bad).read()
    with gzip.open(bad, "wb") as f:
        f.write(raw[:1000])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: truncated IDX data"):
        D.FashionMNIST(root=str(fashion_dir), train=False)
    (fashion_dir / "t10k-labels-idx1-ubyte").write_bytes(b"\x12\x34\x56\x78")
    with pytest.raises(ValueError, match="not an IDX file"):
        D.read_idx(str(fashion_dir / "t10k-labels-idx1-ubyte"))


def test_cifar10_binary(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(0)

    def batch(n):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        pixels = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
        return np.concatenate([labels[:, None], pixels], axis=1).tobytes(), labels
    for i in range(1, 6):
        (folder / f"data_batch_{i}.bin").write_bytes(batch(3)[0])
    raw, labels = batch(4)
    (folder / "test_batch.bin").write_bytes(raw)
    assert len(D.CIFAR10(root=str(tmp_path))) == 15
    test = D.CIFAR10(root=str(tmp_path), train=False)
    assert len(test) == 4 and test.data.shape == (4, 32, 32, 3)     # H×W×C, as torchvision
    assert test.targets == labels.tolist()
    img, y = test[2]
    assert img.mode == "RGB" and img.size == (32, 32) and y == int(labels[2])
    pixels = np.frombuffer(raw, np.uint8).reshape(4, 3073)[2, 1:].reshape(3, 32, 32)
    np.testing.assert_array_equal(np.asarray(img), pixels.transpose(1, 2, 0))
    (folder / "test_batch.bin").write_bytes(raw[:-10])
    with pytest.raises(ValueError, match="not a CIFAR-10 binary batch"):
        D.CIFAR10(root=str(tmp_path), train=False)


def test_bundled_sets():
    for load, shape, classes in ((D.load_digits, (1797, 64), 10), (D.load_iris, (150, 4), 3),
                                 (D.load_wine, (178, 13), 3), (D.load_breast_cancer, (569, 30), 2)):
        x, y = load()
        assert x.shape == shape and x.dtype == np.float32 and len(np.unique(y)) == classes
    x, y = D.load_diabetes()
    assert x.shape == (442, 10) and y.dtype == np.float32


def test_generators():
    v = D.daily_views(days=70, seed=1)
    x, y = D.windows(v, 7)
    assert x.shape == (63, 7) and y[0] == v[7]
    weekly = v[:70].reshape(10, 7).mean(0)
    assert weekly.argmin() == 6  # the weekly pattern: Sundays are slow
    x, c, y = D.polynomial_with_categories(60, seed=0)
    assert x.shape == c.shape == y.shape == (60,) and set(c) == {0, 1, 2}
    for gen in (D.gaussian_classes, D.xor, D.two_spirals, D.moons):
        xs, ys = gen(seed=0)
        assert xs.ndim == 2 and xs.shape[1] == 2 and set(ys.tolist()) == {0, 1}
    xs, ys = D.xor(seed=1, noise=0.0)
    assert ((xs[:, 0] > 0.5) ^ (xs[:, 1] > 0.5)).astype(int).tolist() == ys.tolist()
    np.testing.assert_array_equal(D.moons(seed=3)[0], D.moons(seed=3)[0])


def _image_tree(root):
    """root/<class>/<files>: two classes of PNG/JPEG photos of different sizes, a stray text file,
    and a nested folder."""
    from PIL import Image
    rng = np.random.default_rng(0)
    for cls, sizes in (("dog", [(20, 30), (41, 17)]), ("cat", [(12, 12)])):
        (root / cls / "more").mkdir(parents=True)
        for k, (h, w) in enumerate(sizes):
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(root / cls / f"{k}.png")
        Image.fromarray(rng.integers(0, 256, (9, 9), dtype=np.uint8)).save(root / cls / "more" / "g.jpg")
    (root / "dog" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_matches_torchvision(tmp_path):
    from torchvision_oracle import torchvision
    tv = torchvision()
    root = _image_tree(tmp_path)
    ours, theirs = D.ImageFolder(str(root)), tv.datasets.ImageFolder(str(root))
    assert ours.classes == theirs.classes == ["cat", "dog"] and ours.class_to_idx == theirs.class_to_idx
    assert ours.samples == theirs.samples and ours.targets == theirs.targets and ours.imgs == theirs.imgs
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert ya == yb and a.mode == b.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    T = cr.data.transforms
    tf = T.Compose([T.Resize((16, 16)), T.ToTensor()])
    with_tf = D.ImageFolder(str(root), transform=tf, target_transform=lambda y: y * 10)
    assert repr(with_tf) == repr(tv.datasets.ImageFolder(
        str(root), transform=tv.transforms.Compose([tv.transforms.Resize((16, 16)), tv.transforms.ToTensor()]),
        target_transform=with_tf.target_transform))
    x, y = with_tf[0]
    assert x.shape == (3, 16, 16) and y == 0
    batch = next(iter(cr.utils.data.DataLoader(with_tf, batch_size=5)))
    assert batch[0].shape == (5, 3, 16, 16) and batch[1].tolist() == [0, 0, 10, 10, 10]


def test_dataset_folder_with_its_own_loader_and_filters(tmp_path):
    root = _image_tree(tmp_path)
    texts = D.DatasetFolder(str(root), loader=lambda p: open(p, "rb").read()[:4], extensions=(".txt",),
                            allow_empty=True)
    assert len(texts) == 1 and texts[0] == (b"not ", 1)
    pngs = D.DatasetFolder(str(root), loader=D.pil_loader, is_valid_file=lambda p: p.endswith(".png"))
    assert [os.path.basename(p) for p, _ in pngs.samples] == ["0.png", "0.png", "1.png"]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat"):
        D.DatasetFolder(str(root), loader=D.pil_loader, extensions=".txt")
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        D.DatasetFolder(str(root), loader=D.pil_loader)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        D.ImageFolder(str(root / "cat" / "more"))
    with pytest.raises(ValueError, match="only transforms or transform/target_transform"):
        D.VisionDataset(str(root), transforms=lambda x, y: (x, y), transform=lambda x: x)
