"""The course's PyTorch habits run with only the imports changed (SYLLABUS §11)."""
import numpy as np

import chainrule as torch  # the one line a student changes
import chainrule.nn as nn
from chainrule.utils.data import DataLoader, Dataset


class DigitsDataset(Dataset):
    def __init__(self, x, y=None):
        self.x = torch.from_numpy(x).float()
        self.y = torch.LongTensor(y) if y is not None else None

    def __getitem__(self, idx):
        return (self.x[idx], self.y[idx]) if self.y is not None else self.x[idx]

    def __len__(self):
        return len(self.x)


class Classifier(nn.Module):
    def __init__(self, input_dim, output_dim=10, hidden_layers=1, hidden_dim=64):
        super(Classifier, self).__init__()
        self.fc = nn.Sequential(
            nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.BatchNorm1d(hidden_dim), nn.Dropout(0.1),
            *[nn.Sequential(nn.Linear(hidden_dim, hidden_dim), nn.ReLU()) for _ in range(hidden_layers)],
            nn.Linear(hidden_dim, output_dim),
        )

    def forward(self, x):
        return self.fc(x)


def test_a_homework_style_training_script(tmp_path):
    from chainrule.data.datasets import load_digits
    x, y = load_digits()
    x = x / 16.0
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_set, valid_set = DigitsDataset(x[:1400], y[:1400]), DigitsDataset(x[1400:], y[1400:])
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    valid_loader = DataLoader(valid_set, batch_size=64, shuffle=False)
    model = Classifier(64).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    best_acc = 0.0
    for epoch in range(8):
        model.train()
        for features, labels in train_loader:
            features, labels = features.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(features)
            loss = criterion(outputs, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10)
            optimizer.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for features, labels in valid_loader:
                outputs = model(features.to(device))
                _, val_pred = torch.max(outputs, 1)
                correct += (val_pred.cpu() == labels.cpu()).sum().item()
        acc = correct / len(valid_set)
        if acc > best_acc:
            best_acc = acc
            torch.save(model.state_dict(), tmp_path / "model.ckpt")
    assert best_acc > 0.9
    model = Classifier(64)
    model.load_state_dict(torch.load(tmp_path / "model.ckpt"))
    model.eval()
    with torch.no_grad():
        preds = np.concatenate([model(f).argmax(dim=-1).cpu().numpy() for f, _ in valid_loader])
    assert (preds == y[1400:]).mean() == best_acc


def test_grad_mode_decorators_with_and_without_parentheses():
    @torch.no_grad
    def bare(t):
        return t * 2

    @torch.no_grad()
    def called(t):
        return t * 2

    x = torch.ones(2, requires_grad=True)
    assert not bare(x).requires_grad and not called(x).requires_grad and torch.is_grad_enabled()
