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

# Checked on Debian 12's glibc 2.36: with this setting 40 MB blocks come from the heap after the first (2.8 page faults
# per allocation instead of 568); 256 MB covers every tensor of these references.
TUNABLES = "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456"


def _threads(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


# Only a script run as such is re-executed (not python -c, not an import under a test runner); tunables the caller set
# are kept, these added after them.
if sys.argv and sys.argv[0].endswith(".py") and TUNABLES not in os.environ.get("GLIBC_TUNABLES", ""):
    env = dict(os.environ)
    env["GLIBC_TUNABLES"] = ":".join(filter(None, [env.get("GLIBC_TUNABLES"), TUNABLES]))
    n = _threads(sys.argv)
    if n is not None:
        env.update(OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n)
    argv = getattr(sys, "orig_argv", [sys.executable] + sys.argv)  # keeps interpreter flags (-u, -X ...)
    os.execve(sys.executable, argv, env)
