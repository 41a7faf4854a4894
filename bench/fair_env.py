"""Imported first by the Python references (numpy, PyTorch): re-executes the script with glibc's allocator told to
keep freed memory, so the references run as fast as the libraries can.

glibc hands every allocation over 128 KB (each activation and gradient tensor of these networks) to mmap and gives
it back to the kernel when it is freed, so a fresh process page-faults its tensors in again on every step. Loading a
large dataset first raises glibc's dynamic threshold and hides the cost, which is why a whole training command ran
torch twice as fast per sample as the step benchmark did (BENCHMARKS.md, "The references' allocator"). scrawl
reuses its buffers, so the same settings do not change its figures. With `--threads N` on the command line the
OpenMP and OpenBLAS pools are set to N as well (an idle OpenBLAS worker spinning beside a one-thread run slows it).
"""
import os
import sys

TUNABLES = "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456"

if os.environ.get("GLIBC_TUNABLES") != TUNABLES:
    env = dict(os.environ, GLIBC_TUNABLES=TUNABLES)
    if "--threads" in sys.argv[:-1]:
        n = sys.argv[sys.argv.index("--threads") + 1]
        env.update(OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)
