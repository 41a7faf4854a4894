#!/usr/bin/python3
"""PyTorch reference for BM_LineTrainStep: one Adam step of train-line's default line model with CTC.

conv3x3x32,relu,pool2,conv3x3x64,relu,pool2,conv3x3x96,relu,seq,tconv3x192,relu,tconv3x192,relu,tconv1x38 on
16 lines of 1x32x512 (128 frames), "same" padding as scrawl's tokens; seq folds channels x rows into features;
the loss is torch.nn.CTCLoss (blank 0, zero_infinity) on log_softmax, labels of 24 random non-blank classes, the
mean over the batch as scrawl's CtcLoss. Synthetic inputs (uniform [0,1)). torch.set_num_threads(THREADS).
Prints best/median lines/s (wall). Run with Debian's python (/usr/bin/python3), which has torch.
"""
import fair_env  # noqa: F401  (first: re-executes with glibc's allocator keeping freed memory; see fair_env.py)
import argparse
import statistics
import time

import torch
from torch import nn

BATCH, HEIGHT, WIDTH, LABEL, CLASSES = 16, 32, 512, 24, 38


class LineNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 96, 3, padding=1), nn.ReLU())
        self.seq = nn.Sequential(
            nn.Conv1d(96 * HEIGHT // 4, 192, 3, padding=1), nn.ReLU(),
            nn.Conv1d(192, 192, 3, padding=1), nn.ReLU(),
            nn.Conv1d(192, CLASSES, 1))

    def forward(self, x):
        f = self.conv(x)
        return self.seq(f.reshape(f.shape[0], -1, f.shape[3]))  # (N, classes, T)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10, help="steps per timed round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    net = LineNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    ctc = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    x = torch.rand(BATCH, 1, HEIGHT, WIDTH)
    targets = torch.randint(1, CLASSES, (BATCH, LABEL))
    frames = WIDTH // 4
    in_lens = torch.full((BATCH,), frames, dtype=torch.long)
    tgt_lens = torch.full((BATCH,), LABEL, dtype=torch.long)

    def step():
        opt.zero_grad(set_to_none=False)
        logp = net(x).permute(2, 0, 1).log_softmax(2)  # (T, N, C)
        loss = ctc(logp, targets, in_lens, tgt_lens) / BATCH
        loss.backward()
        opt.step()

    for _ in range(3):  # warm-up
        step()
    rates = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(args.steps * BATCH / (time.perf_counter() - t0))
    print(f"torch_line_lines_per_s best {max(rates):.1f} median {statistics.median(rates):.1f} threads {args.threads}")


if __name__ == "__main__":
    main()
