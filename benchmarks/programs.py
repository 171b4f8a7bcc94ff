"""Whole course-style programs, written as the homework writes them, run under chainrule and under
PyTorch: the phoneme classifier that preallocates ``X`` and fills it slice by slice, the regression
with a per-sample Dataset, the CNN on PIL images of mixed sizes through torchvision-style
transforms and worker processes, and the MAML inner loop on functional fast weights. Only the
imports differ (``course_imports``). Each program returns its numbers, so the tests compare the
two libraries' results and the benchmark times the whole program, data path included.
"""
import collections
import os
import sys
import tempfile
import time
import types

import numpy as np

from .harness import workload


def stub_torchvision_ops():
    """torchvision's transforms and models are pure Python, but its compiled ops fail to load next
    to the CPU-only torch; the two modules that register them are stubbed before its import."""
    for name in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
        sys.modules.setdefault(name, types.ModuleType(name))


def course_imports(lib):
    """What ``import torch; import torch.nn as nn; import torch.nn.functional as F; from
    torch.utils.data import ...; import torchvision.transforms as transforms`` gives, for ``lib``."""
    import torch
    if lib is torch:
        stub_torchvision_ops()
        import torchvision.transforms as transforms
        return types.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional,
                                     data=torch.utils.data, transforms=transforms)
    import chainrule.data.transforms as transforms
    return types.SimpleNamespace(torch=lib, nn=lib.nn, F=lib.nn.functional, data=lib.utils.data,
                                 transforms=transforms)


def _seed_weights(torch, model, seed):
    """The same initial weights in both libraries: every parameter drawn from one NumPy stream."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if len(p.shape) > 1 else p.shape[0]
            p.copy_(torch.from_numpy((rng.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in)).astype(np.float32)))


# --- HW2: phoneme classification --------------------------------------------------------------

def _utterances(n_utt, dim=39, classes=41, seed=0):
    """Frames of MFCC-like features with a label per frame (a hidden linear rule plus noise)."""
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((dim, classes))
    out = []
    for _ in range(n_utt):
        frames = rng.standard_normal((int(rng.integers(80, 200)), dim)).astype(np.float32)
        labels = (frames @ proj + 0.5 * rng.standard_normal((len(frames), classes))).argmax(1)
        out.append((frames, labels))
    return out


def hw2_phoneme(lib, n_utt=120, concat_n=5, epochs=2, seed=0):
    m = course_imports(lib)
    torch, nn, data = m.torch, m.nn, m.data

    def shift(x, n):
        if n < 0:
            left = x[0].repeat(-n, 1)
            right = x[:n]
        elif n > 0:
            right = x[-1].repeat(n, 1)
            left = x[n:]
        else:
            return x
        return torch.cat((left, right), dim=0)

    def concat_feat(x, concat_n):
        if concat_n < 2:
            return x
        seq_len, feature_dim = x.size(0), x.size(1)
        x = x.repeat(1, concat_n)
        x = x.view(seq_len, concat_n, feature_dim).permute(1, 0, 2)
        mid = concat_n // 2
        for r_idx in range(1, mid + 1):
            x[mid + r_idx, :] = shift(x[mid + r_idx], r_idx)
            x[mid - r_idx, :] = shift(x[mid - r_idx], -r_idx)
        return x.permute(1, 0, 2).view(seq_len, concat_n * feature_dim)

    utts = _utterances(n_utt, seed=seed)
    X = torch.empty(200 * n_utt, 39 * concat_n)
    y = torch.empty(200 * n_utt, dtype=torch.long)
    idx = 0
    for frames, labels in utts:
        feat = concat_feat(torch.from_numpy(frames), concat_n)
        cur_len = len(feat)
        X[idx: idx + cur_len, :] = feat
        y[idx: idx + cur_len] = torch.LongTensor(labels)
        idx += cur_len
    X, y = X[:idx, :], y[:idx]

    class LibriDataset(data.Dataset):
        def __init__(self, X, y=None):
            self.data, self.label = X, y

        def __getitem__(self, idx):
            return self.data[idx], self.label[idx]

        def __len__(self):
            return len(self.data)

    class BasicBlock(nn.Module):
        def __init__(self, input_dim, output_dim):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(input_dim, output_dim), nn.ReLU())

        def forward(self, x):
            return self.block(x)

    class Classifier(nn.Module):
        def __init__(self, input_dim, output_dim=41, hidden_layers=1, hidden_dim=256):
            super().__init__()
            self.fc = nn.Sequential(BasicBlock(input_dim, hidden_dim),
                                    *[BasicBlock(hidden_dim, hidden_dim) for _ in range(hidden_layers)],
                                    nn.Linear(hidden_dim, output_dim))

        def forward(self, x):
            return self.fc(x)

    n_train = int(0.8 * idx)
    torch.manual_seed(seed)
    train_loader = data.DataLoader(LibriDataset(X[:n_train], y[:n_train]), batch_size=512, shuffle=True)
    val_loader = data.DataLoader(LibriDataset(X[n_train:], y[n_train:]), batch_size=512, shuffle=False)
    model = Classifier(39 * concat_n)
    _seed_weights(torch, model, seed)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        for features, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(features), labels)
            loss.backward()
            optimizer.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for features, labels in val_loader:
            _, val_pred = torch.max(model(features), 1)
            correct += (val_pred.cpu() == labels.cpu()).sum().item()
    return {"X": X.numpy(), "y": y.numpy(), "val_acc": correct / (idx - n_train)}


# --- HW1: regression with a per-sample Dataset ------------------------------------------------

def hw1_regression(lib, n=2700, epochs=20, seed=0, shuffle=True):
    m = course_imports(lib)
    torch, nn, data = m.torch, m.nn, m.data
    rng = np.random.default_rng(seed)
    feats = rng.standard_normal((n, 117)).astype(np.float32)
    target = (feats[:, :16] @ rng.standard_normal(16) + 0.1 * rng.standard_normal(n)).astype(np.float32)

    class COVID19Dataset(data.Dataset):
        def __init__(self, x, y=None):
            self.y = y if y is None else torch.FloatTensor(y)
            self.x = torch.FloatTensor(x)

        def __getitem__(self, idx):
            return self.x[idx] if self.y is None else (self.x[idx], self.y[idx])

        def __len__(self):
            return len(self.x)

    class My_Model(nn.Module):
        def __init__(self, input_dim):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(input_dim, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(),
                                        nn.Linear(8, 1))

        def forward(self, x):
            return self.layers(x).squeeze(1)

    n_train = int(0.8 * n)
    torch.manual_seed(seed)
    train_loader = data.DataLoader(COVID19Dataset(feats[:n_train], target[:n_train]), batch_size=64,
                                   shuffle=shuffle, pin_memory=True)
    valid_loader = data.DataLoader(COVID19Dataset(feats[n_train:], target[n_train:]), batch_size=64,
                                   shuffle=False, pin_memory=True)
    model = My_Model(117)
    _seed_weights(torch, model, seed)
    criterion = nn.MSELoss(reduction="mean")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    losses = []
    for _ in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()
        loss_record = []
        for x, y in valid_loader:
            with torch.no_grad():
                loss_record.append(criterion(model(x), y).item())
        losses.append(sum(loss_record) / len(loss_record))
    return {"valid_loss": np.array(losses)}


# --- HW3: CNN on PIL images of mixed sizes ----------------------------------------------------

def make_image_folder(root, n=96, seed=0):
    """``n`` JPEG files named ``<label>_<i>.jpg`` (as HW3's food-11), sizes between 80 and 160 px;
    class k is a bright disc of radius growing with k on noise."""
    from PIL import Image
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        label, h, w = i % 4, int(rng.integers(80, 160)), int(rng.integers(80, 160))
        yy, xx = np.mgrid[:h, :w]
        disc = ((yy - h / 2) ** 2 + (xx - w / 2) ** 2) < (0.12 + 0.08 * label) ** 2 * h * w
        img = rng.integers(0, 90, (h, w, 3)) + 150 * disc[..., None]
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(os.path.join(root, f"{label}_{i}.jpg"))
    return root


def hw3_cnn(lib, root, size=64, epochs=2, num_workers=2, seed=0):
    from PIL import Image
    m = course_imports(lib)
    torch, nn, data, transforms = m.torch, m.nn, m.data, m.transforms
    tfm = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])

    class FoodDataset(data.Dataset):
        def __init__(self, path, tfm=tfm, files=None):
            self.files = sorted(os.path.join(path, x) for x in os.listdir(path) if x.endswith(".jpg"))
            self.transform = tfm

        def __len__(self):
            return len(self.files)

        def __getitem__(self, idx):
            fname = self.files[idx]
            im = self.transform(Image.open(fname))
            label = int(os.path.basename(fname).split("_")[0])
            return im, label

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.cnn = nn.Sequential(
                nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, 2, 0),
                nn.Conv2d(16, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2, 2, 0),
                nn.Conv2d(32, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(4, 4, 0))
            self.fc = nn.Sequential(nn.Linear(32 * (size // 16) ** 2, 64), nn.ReLU(), nn.Linear(64, 4))

        def forward(self, x):
            out = self.cnn(x)
            return self.fc(out.view(out.size()[0], -1))

    torch.manual_seed(seed)
    loader = data.DataLoader(FoodDataset(root), batch_size=16, shuffle=True, num_workers=num_workers)
    model = Classifier()
    _seed_weights(torch, model, seed)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
    losses, first = [], None
    for _ in range(epochs):
        model.train()
        total = 0.0
        for imgs, labels in loader:
            first = imgs if first is None else first
            logits = model(imgs)
            loss = criterion(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=10)
            optimizer.step()
            total += loss.item() * len(labels)
        losses.append(total / len(loader.dataset))
    plain = data.DataLoader(FoodDataset(root), batch_size=8, shuffle=False)
    return {"losses": losses, "first_shape": tuple(first.shape),
            "images": next(iter(plain))[0].numpy()}


# --- HW15: MAML on functional fast weights ----------------------------------------------------

def hw15_maml(lib, n_way=3, k_shot=2, q_query=2, meta_batch=4, steps=3, inner_steps=1, seed=0):
    m = course_imports(lib)
    torch, nn, F = m.torch, m.nn, m.F

    def conv_block(in_ch, out_ch):
        return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.BatchNorm2d(out_ch), nn.ReLU(),
                             nn.MaxPool2d(kernel_size=2, stride=2))

    def conv_block_func(x, w, b, w_bn, b_bn):
        x = F.conv2d(x, w, b, padding=1)
        x = F.batch_norm(x, running_mean=None, running_var=None, weight=w_bn, bias=b_bn, training=True)
        x = F.relu(x)
        return F.max_pool2d(x, kernel_size=2, stride=2)

    class Classifier(nn.Module):
        def __init__(self, in_ch, k_way):
            super().__init__()
            self.conv1, self.conv2 = conv_block(in_ch, 8), conv_block(8, 8)
            self.logits = nn.Linear(8 * 7 * 7, k_way)

        def functional_forward(self, x, params):
            for block in [1, 2]:
                x = conv_block_func(x, params[f"conv{block}.0.weight"], params[f"conv{block}.0.bias"],
                                    params.get(f"conv{block}.1.weight"), params.get(f"conv{block}.1.bias"))
            x = x.view(x.shape[0], -1)
            return F.linear(x, params["logits.weight"], params["logits.bias"])

    def create_label(n_way, k_shot):
        return torch.arange(n_way).repeat_interleave(k_shot).long()

    rng = np.random.default_rng(seed)
    model = Classifier(1, n_way)
    _seed_weights(torch, model, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    inner_lr, history = 0.4, []
    for _ in range(steps):
        x = torch.from_numpy(rng.standard_normal((meta_batch, n_way * (k_shot + q_query), 1, 28, 28))
                             .astype(np.float32))
        task_loss = []
        for meta_batch_item in x:
            train_set = meta_batch_item[: n_way * k_shot]
            val_set = meta_batch_item[n_way * k_shot:]
            fast_weights = collections.OrderedDict(model.named_parameters())
            for _ in range(inner_steps):
                train_label = create_label(n_way, k_shot)
                logits = model.functional_forward(train_set, fast_weights)
                loss = loss_fn(logits, train_label)
                grads = torch.autograd.grad(loss, fast_weights.values(), create_graph=True)
                fast_weights = collections.OrderedDict(
                    (name, param - inner_lr * grad) for ((name, param), grad) in zip(fast_weights.items(), grads))
            val_label = create_label(n_way, q_query)
            logits = model.functional_forward(val_set, fast_weights)
            task_loss.append(loss_fn(logits, val_label))
        meta_batch_loss = torch.stack(task_loss).mean()
        optimizer.zero_grad()
        meta_batch_loss.backward()
        history.append(meta_batch_loss.item())
        grad = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
        optimizer.step()
    return {"meta_loss": np.array(history), "last_grads": grad}


def _timed_program(run):
    """A ``once`` workload: the program's wall time, best of two runs (the first also warms up)."""
    def build(lib):
        def measure():
            best = float("inf")
            for _ in range(2):
                t0 = time.perf_counter()
                run(lib)
                best = min(best, time.perf_counter() - t0)
            return best
        return measure
    build.unit = "s"
    return build


workload("program_hw2_phoneme", target=1.5, once=True,
         about="HW2 whole program: 400 utterances concatenated (repeat/view/permute, slice writes into "
               "a preallocated X), per-sample Dataset, DataLoader(512, shuffle), MLP, AdamW, 3 epochs, "
               "validation")(_timed_program(lambda lib: hw2_phoneme(lib, n_utt=400, epochs=3)))
workload("program_hw1_regression", target=1.5, once=True,
         about="HW1 whole program: 2,700×117 per-sample Dataset, DataLoader(64, shuffle), 117→16→8→1, "
               "SGD momentum, 20 epochs with validation")(_timed_program(hw1_regression))


def _hw3(lib, _root=[]):
    if not _root:
        _root.append(make_image_folder(tempfile.mkdtemp(prefix="chainrule-hw3-")))
    return hw3_cnn(lib, _root[0], num_workers=0)


workload("program_hw3_cnn", target=1.5, once=True,
         about="HW3 whole program: 96 JPEGs of mixed sizes opened with PIL, Resize((64,64))+ToTensor, "
               "DataLoader(16, shuffle), 3 conv-BN-ReLU-pool blocks, Adam, 2 epochs")(_timed_program(_hw3))
workload("program_hw15_maml", target=1.5, once=True,
         about="HW15 MAML: 10 meta-steps of 4 tasks (3-way 2-shot, 28×28), functional conv/batch-norm "
               "forward on fast weights, autograd.grad(create_graph=True), second-order meta-gradient")(
    _timed_program(lambda lib: hw15_maml(lib, steps=10)))
