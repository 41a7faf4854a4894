#!/usr/bin/python3
"""PyTorch reference for BM_CnnTrainStep: one Adam training step of the issue-3 CNN at batch 64.

conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36 on 1x28x28 inputs, "same" padding (2), as
scrawl's conv tokens default to. Synthetic inputs (uniform [0,1)) and labels, 16 distinct batches cycled.
torch.set_num_threads(THREADS) (default 2, the machine's core count). Prints best/median samples/s (wall) and
the best samples per CPU-second.
Run with Debian's python (/usr/bin/python3), which has torch.
"""
import fair_env  # noqa: F401  (first: re-executes with glibc's allocator keeping freed memory; see fair_env.py)
import argparse
import statistics
import time

import torch
from torch import nn

BATCH = 64


def make_net():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 36))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20, help="steps per timed round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    net = make_net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xs = torch.rand(16, BATCH, 1, 28, 28)
    ys = torch.randint(0, 36, (16, BATCH))

    def step(i):
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(xs[i % 16]), ys[i % 16])
        loss.backward()
        opt.step()

    for i in range(5):  # warm-up
        step(i)
    rates, cpu_rates = [], []
    for _ in range(args.rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(args.steps):
            step(i)
        rates.append(args.steps * BATCH / (time.perf_counter() - t0))
        # Process CPU time sums all threads: comparable with scrawl's CPU time only at 1 thread.
        cpu_rates.append(args.steps * BATCH / (time.process_time() - c0))
    print(f"torch_cnn_samples_per_s best {max(rates):.1f} median {statistics.median(rates):.1f} "
          f"cpu_best {max(cpu_rates):.1f} threads {args.threads}")


if __name__ == "__main__":
    main()
