"""Reference for the deep-model benchmark: PyTorch on the CPU (Debian python3-torch) with the same
architectures, batch sizes, optimiser and data as ours, in a fresh process. Prints JSON."""
import json
import sys
import time

import numpy as np
import torch
from torch import nn

folder, train_rows, test_rows, cols, seq_rows, seq_cols, window, units, epochs, dense_batch, lstm_batch = sys.argv[1:12]
train_rows, test_rows, cols, seq_rows, seq_cols = int(train_rows), int(test_rows), int(cols), int(seq_rows), int(seq_cols)
window, units, epochs, dense_batch, lstm_batch = int(window), int(units), int(epochs), int(dense_batch), int(lstm_batch)
torch.manual_seed(1)
X = torch.from_numpy(np.fromfile(f"{folder}/train.f32", dtype=np.float32).reshape(train_rows, cols))
X_test = torch.from_numpy(np.fromfile(f"{folder}/test.f32", dtype=np.float32).reshape(test_rows, cols))

# Dense autoencoder d-64-16-64-d: ReLU after the first and third layers, a linear code and output.
dense = nn.Sequential(nn.Linear(cols, 64), nn.ReLU(), nn.Linear(64, 16), nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, cols))
opt = torch.optim.Adam(dense.parameters(), lr=1e-3)
loss_fn = nn.MSELoss()
epoch_seconds = []
for epoch in range(epochs):
    t = time.perf_counter()
    order = torch.randperm(train_rows)
    for lo in range(0, train_rows, dense_batch):
        xb = X[order[lo:lo + dense_batch]]
        opt.zero_grad()
        loss = loss_fn(dense(xb), xb)
        loss.backward()
        opt.step()
    epoch_seconds.append(time.perf_counter() - t)
with torch.no_grad():
    t = time.perf_counter()
    for lo in range(0, test_rows, 8192):
        xb = X_test[lo:lo + 8192]
        ((dense(xb) - xb) ** 2).mean(1)
    dense_score = time.perf_counter() - t


# LSTM autoencoder: an encoder LSTM's last state, fed to a decoder LSTM at every step, then a linear layer.
class LstmAutoencoder(nn.Module):
    def __init__(self, d, u):
        super().__init__()
        self.enc = nn.LSTM(d, u, batch_first=True)
        self.dec = nn.LSTM(u, u, batch_first=True)
        self.out = nn.Linear(u, d)

    def forward(self, x):
        _, (h, _) = self.enc(x)
        code = h[-1].unsqueeze(1).repeat(1, x.shape[1], 1)
        y, _ = self.dec(code)
        return self.out(y)


rows = torch.from_numpy(np.fromfile(f"{folder}/seq.f32", dtype=np.float32).reshape(seq_rows, seq_cols))
sequences = rows.unfold(0, window, 1).permute(0, 2, 1).contiguous()  # [n, window, d]
n_seq = sequences.shape[0]
lstm = LstmAutoencoder(seq_cols, units)
opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
lstm_epochs = []
for epoch in range(epochs):
    t = time.perf_counter()
    order = torch.randperm(n_seq)
    for lo in range(0, n_seq, lstm_batch):
        xb = sequences[order[lo:lo + lstm_batch]]
        opt.zero_grad()
        loss = loss_fn(lstm(xb), xb)
        loss.backward()
        opt.step()
    lstm_epochs.append(time.perf_counter() - t)
with torch.no_grad():
    t = time.perf_counter()
    for lo in range(0, n_seq, 2048):
        xb = sequences[lo:lo + 2048]
        ((lstm(xb) - xb) ** 2).mean((1, 2))
    lstm_score = time.perf_counter() - t

print(json.dumps({
    "dense_epochs": epoch_seconds,
    "dense_score": dense_score,
    "lstm_epochs": lstm_epochs,
    "lstm_score": lstm_score,
    "sequences": n_seq,
    "version": torch.__version__,
    "threads": torch.get_num_threads(),
}))
