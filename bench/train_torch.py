#!/usr/bin/python3
"""PyTorch reference for a whole `scrawl train` command: the CNN of BM_CnnTrainStep trained on real glyphs.

conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36 ("same" padding, as scrawl's conv tokens), batch 64,
Adam lr 0.001, on an IDX glyph set (e.g. emnist36-train300), a fresh shuffle every epoch, and after every epoch the
loss and accuracy on a validation set in batches of 256 with gradients off, as `scrawl train` does. Prints one line
per epoch: training seconds, validation seconds, their sum, and the validation accuracy.

bench/train_compare.sh runs this beside `scrawl train` with the same data, network and threads.
Run with Debian's python (/usr/bin/python3), which has torch and numpy.
"""
import fair_env  # noqa: F401  (first: re-executes with glibc's allocator keeping freed memory; see fair_env.py)
import argparse
import gzip
import time

import numpy as np
import torch
from torch import nn

from cnn_torch import make_net  # the same network as the step benchmark

BATCH, VALID_BATCH = 64, 256


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(prefix):
    x = read_idx(prefix + "-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = read_idx(prefix + "-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True, help="IDX prefix, e.g. .../emnist36-train300")
    ap.add_argument("--valid", required=True, help="IDX prefix, e.g. .../emnist36-valid")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    xt, yt = load(args.train)
    xv, yv = load(args.valid)
    net = make_net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        net.train()
        order = torch.randperm(len(yt))
        for begin in range(0, len(yt), BATCH):
            idx = order[begin:begin + BATCH]
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        t1 = time.perf_counter()
        net.eval()
        correct, loss_sum = 0, 0.0
        with torch.no_grad():
            for begin in range(0, len(yv), VALID_BATCH):
                logits = net(xv[begin:begin + VALID_BATCH])
                loss_sum += float(loss_fn(logits, yv[begin:begin + VALID_BATCH])) * len(logits)
                correct += int((logits.argmax(1) == yv[begin:begin + VALID_BATCH]).sum())
        t2 = time.perf_counter()
        print(f"epoch {epoch} train_s {t1 - t0:.3f} valid_s {t2 - t1:.3f} epoch_s {t2 - t0:.3f} "
              f"valid_acc {correct / len(yv):.4f} threads {args.threads}", flush=True)


if __name__ == "__main__":
    main()
