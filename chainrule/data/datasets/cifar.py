"""CIFAR-10 from its binary version (cifar-10-batches-bin: 1 label byte + 3,072 pixel bytes)."""
import os
import tarfile

import numpy as np

from .files import download, find_file, search_dirs
from .vision import VisionDataset

_RECORD = 1 + 3 * 32 * 32
_ARCHIVE = "cifar-10-binary.tar.gz"
_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
_URL = "https://www.cs.toronto.edu/~kriz/"


def read_cifar_batch(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw or len(raw) % _RECORD:
        raise ValueError(f"{path}: not a CIFAR-10 binary batch ({len(raw)} bytes is not a multiple "
                         f"of the {_RECORD}-byte record)")
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _RECORD)
    return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0].astype(np.int64)


class CIFAR10(VisionDataset):
    """32×32 colour images in 10 classes (50,000 train, 10,000 test), as torchvision's: ``data`` a
    (N, 32, 32, 3) uint8 array, ``targets`` a list, items (RGB PIL image, class index). Read from
    the binary version of the files (never the pickled Python one)."""

    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]
        paths = [find_file("cifar-10", os.path.join("cifar-10-batches-bin", n), root) or
                 find_file("cifar-10", n, root) for n in names]
        if any(p is None for p in paths) and download:
            folder = root or os.environ.get("CHAINRULE_DATA") or search_dirs("cifar-10")[-1]
            archive = download_archive(folder)
            with tarfile.open(archive) as tar:
                tar.extractall(folder, filter="data")
            paths = [find_file("cifar-10", os.path.join("cifar-10-batches-bin", n), folder) for n in names]
        if any(p is None for p in paths):
            where = "\n  ".join(search_dirs("cifar-10", root))
            raise FileNotFoundError(f"cifar-10: {', '.join(names)} not found (looked in cifar-10-batches-bin/ "
                                    f"under:\n  {where}\n); unpack {_URL}{_ARCHIVE} there, or pass "
                                    f"download=True on a machine with a network")
        parts = [read_cifar_batch(p) for p in paths]
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.data = np.ascontiguousarray(np.concatenate([p[0] for p in parts]).transpose(0, 2, 3, 1))
        self.targets = np.concatenate([p[1] for p in parts]).tolist()
        self.train = train
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        from PIL import Image
        x, y = Image.fromarray(self.data[i]), self.targets[i]
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y


def download_archive(folder):
    return download(_URL + _ARCHIVE, folder, _ARCHIVE, _MD5)
