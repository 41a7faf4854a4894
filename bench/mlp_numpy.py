#!/usr/bin/python3
"""Plain-numpy reference for BM_MlpEpoch: the same training loop as scrawl's Trainer, timed per epoch.

784-64-36 MLP (fc64, sigmoid, fc36), softmax cross-entropy, batch 32, SGD with momentum (M = mu*M - lr*g;
W += M), 10,800 synthetic samples (uniform [0,1) pixels, uniform labels), float32 throughout. Each epoch
draws a fresh permutation, gathers each batch, runs forward, loss, correct count, backward, update.

Prints one line: best/median epoch wall time and process CPU time in milliseconds over --epochs epochs.
The BLAS thread count is whatever the environment says (OPENBLAS_NUM_THREADS); run_speed.sh sets it.
Run with Debian's python (/usr/bin/python3), which has numpy.
"""
import fair_env  # noqa: F401  (first: re-executes with glibc's allocator keeping freed memory; see fair_env.py)
import argparse
import statistics
import time

import numpy as np

N, D, H, K = 10800, 784, 64, 36
BATCH, LR, MU = 32, 0.01, 0.9
F32 = np.float32


def xavier(rng, n_in, n_out):
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out)).astype(F32)


def train_epoch(x_all, y_all, params, vel, rng):
    w1, b1, w2, b2 = params
    order = rng.permutation(N)
    loss_sum, correct = 0.0, 0
    for begin in range(0, N, BATCH):
        idx = order[begin:begin + BATCH]
        x = x_all[idx]  # gather: (n, 784)
        y = y_all[idx]
        n = x.shape[0]
        # forward
        h = 1.0 / (1.0 + np.exp(-(x @ w1 + b1)))  # (n, 64)
        z = h @ w2 + b2  # (n, 36)
        zmax = z.max(axis=1, keepdims=True)
        e = np.exp(z - zmax)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        loss_sum += float(-(z[np.arange(n), y] - zmax[:, 0] - np.log(s[:, 0])).sum())
        correct += int((p.argmax(axis=1) == y).sum())
        # backward: dlogits = (p - onehot) / n
        dz = p
        dz[np.arange(n), y] -= 1.0
        dz *= F32(1.0 / n)
        dw2 = h.T @ dz
        db2 = dz.sum(axis=0)
        dh = dz @ w2.T
        da = dh * h * (1.0 - h)
        dw1 = x.T @ da  # the first layer needs no dx
        db1 = da.sum(axis=0)
        for w, m, g in zip(params, vel, (dw1, db1, dw2, db2)):
            m *= F32(MU)
            m -= F32(LR) * g
            w += m
    return loss_sum / N, correct / N


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=7, help="timed epochs (after one warm-up epoch)")
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    x_all = rng.random((N, D), dtype=F32)
    y_all = rng.integers(0, K, size=N)
    params = [xavier(rng, D, H), np.zeros(H, F32), xavier(rng, H, K), np.zeros(K, F32)]
    vel = [np.zeros_like(p) for p in params]
    assert all(p.dtype == F32 for p in params)
    train_epoch(x_all, y_all, params, vel, rng)  # warm-up
    wall, cpu = [], []
    for _ in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        train_epoch(x_all, y_all, params, vel, rng)
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    assert all(p.dtype == F32 for p in params), "float64 crept in"
    print(f"numpy_mlp_epoch_ms best {min(wall):.2f} median {statistics.median(wall):.2f} "
          f"cpu_best {min(cpu):.2f} cpu_median {statistics.median(cpu):.2f}")


if __name__ == "__main__":
    main()
