"""MNIST and Fashion-MNIST from the standard IDX files (the format LeCun's MNIST uses)."""
import gzip
import struct

import numpy as np

from ...autograd.tensor import wrap_array
from .files import ensure
from .vision import VisionDataset

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An IDX file (optionally gzipped) as a NumPy array; errors name the file and the problem."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot be read as an IDX file ({e})") from None
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code not in _DTYPES or ndim == 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = struct.unpack(">" + "I" * ndim, raw[4:header])
    dtype = np.dtype(_DTYPES[dtype_code])
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header < need:
        raise ValueError(f"{path}: truncated IDX data: the header promises shape {shape} "
                         f"({need} bytes) but only {len(raw) - header} bytes follow")
    return np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape)), offset=header).reshape(shape).astype(
        dtype.newbyteorder("="))


class _IDXImages(VisionDataset):
    """torchvision's MNIST-family datasets: ``data`` a (N, 28, 28) uint8 tensor, ``targets`` int64,
    items (PIL image in mode 'L', class index) before the transforms."""
    name = ""
    files = {}
    mirrors = []
    classes = []

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        prefix = "train" if train else "t10k"
        wanted = {f: c for f, c in self.files.items() if f.startswith(prefix)}
        paths = ensure(self.name, wanted, self.mirrors, root, download)
        images = read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"])
        labels = read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{self.name}: images {images.shape} and labels {labels.shape} do not "
                             f"match (expected (N, 28, 28) and (N,))")
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.data, self.targets = wrap_array(images), wrap_array(labels.astype(np.int64))
        self.train = train

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        from PIL import Image
        x, y = Image.fromarray(self.data._data[i]), int(self.targets._data[i])
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def arrays(self, flatten=False, scale=True):
        """(images float32 in [0, 1] as (N, 1, 28, 28) or (N, 784), labels int64)."""
        images = self.data._data
        x = images.astype(np.float32) / 255.0 if scale else images
        return (x.reshape(len(x), -1) if flatten else x[:, None]), self.targets._data


class MNIST(_IDXImages):
    """Handwritten digits 0–9, 60,000 training and 10,000 test images of 28×28."""
    name = "mnist"
    files = {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
             "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
             "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
             "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/"]
    classes = [str(i) for i in range(10)]


class FashionMNIST(_IDXImages):
    """Zalando's clothing images: 10 classes, 60,000 training and 10,000 test images of 28×28."""
    name = "fashion-mnist"
    files = {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
             "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
             "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
             "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]
