#!/usr/bin/python3
"""Training speed of Tessera's zoo models (2nn, cnn) in PyTorch, on the CPU, for `tessera bench train --vs-torch`.

The models replicate src/Tessera.Graphs/Zoo/ModelZoo.cs exactly:
  2nn: flat 784 input, Linear(784,200) ReLU Linear(200,200) ReLU Linear(200,10)         (199,210 parameters)
  cnn: 1x28x28 input, Conv2d(1,32,5,pad 2) ReLU MaxPool(2) Conv2d(32,64,5,pad 2) ReLU MaxPool(2)
       Flatten Linear(3136,512) ReLU Linear(512,10)                                        (1,663,370 parameters)
Training is what a Tessera artifact does per step: mean softmax cross-entropy, the count of correct predictions,
backward, SGD with momentum (lr 0.01, momentum 0.9, no dampening, no weight decay: the same update as
OptimizerStep.cs). Batches are random and MNIST-shaped (10 classes), made before timing.

Measured like BenchCommand.Measure: one warm-up chunk of K steps, then chunks of K steps until the time budget is
spent (at least 3), and samples/s = K * batch / median chunk time. One JSON line per (model, batch) on stdout.

Run with OPENBLAS_NUM_THREADS=1 (the fastest setting here: torch's own threads, not OpenBLAS's, parallelize);
when it is not set the script sets it (and OMP_WAIT_POLICY=PASSIVE unless given) and starts itself again, before
torch is imported.

  python3 bench/torch_train.py --models 2nn cnn --batches 10 50 --seconds 2 --threads 2
  python3 bench/torch_train.py --version      # {"torch": ...} or exit 3 when torch cannot be imported
"""
import argparse
import json
import os
import statistics
import sys
import time

# Both must be in the environment before torch (OpenBLAS, libgomp) loads. OMP_WAIT_POLICY=PASSIVE: on a shared,
# loaded machine libgomp's default spinning at every barrier made 2 threads ten times slower than 1; an
# OMP_WAIT_POLICY the caller sets is kept.
if os.environ.get("OPENBLAS_NUM_THREADS") != "1" or "OMP_WAIT_POLICY" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.execv(sys.executable, [sys.executable] + sys.argv)

try:
    import torch
    from torch import nn
except ImportError as e:  # the caller turns exit 3 into "run scripts/setup-torch.sh"
    print(f"torch is not importable: {e}", file=sys.stderr)
    sys.exit(3)

LR = 0.01
MOMENTUM = 0.9


def mnist_2nn():
    return nn.Sequential(
        nn.Linear(784, 200), nn.ReLU(),
        nn.Linear(200, 200), nn.ReLU(),
        nn.Linear(200, 10))


def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 64, 512), nn.ReLU(),
        nn.Linear(512, 10))


MODELS = {"2nn": (mnist_2nn, (784,)), "cnn": (mnist_cnn, (1, 28, 28))}


def measure(name, batch, k, seconds):
    make, sample_shape = MODELS[name]
    torch.manual_seed(1)
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    xs = torch.rand(k, batch, *sample_shape) * 2 - 1
    ys = (torch.arange(k * batch) % 10).reshape(k, batch)

    def chunk():
        correct = 0
        for i in range(k):
            x, y = xs[i], ys[i]
            opt.zero_grad(set_to_none=True)
            out = model(x)
            loss = loss_fn(out, y)
            correct += (out.argmax(-1) == y).sum()
            loss.backward()
            opt.step()
        return float(loss), int(correct)

    chunk()  # warm-up
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        chunk()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    return {
        "model": name, "batch": batch, "steps_per_chunk": k, "chunks": len(times),
        "samples_per_s": k * batch / median, "ms_per_step": median / k * 1000,
        "parameters": sum(p.numel() for p in model.parameters()),
        "threads": torch.get_num_threads(), "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "torch": torch.__version__,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=["2nn", "cnn"], choices=sorted(MODELS))
    p.add_argument("--batches", nargs="+", type=int, default=[10, 50])
    p.add_argument("--seconds", type=float, default=2.0, help="measuring time per (model, batch)")
    p.add_argument("--steps-per-chunk", type=int, default=50, help="K: steps per timed chunk, as Tessera's steps per call")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--version", action="store_true", help="print the torch version as JSON and exit")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.version:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        return
    if a.seconds <= 0 or a.steps_per_chunk < 1 or any(b < 1 for b in a.batches):
        p.error("--seconds, --steps-per-chunk and --batches must be positive")
    for name in a.models:
        for batch in a.batches:
            print(json.dumps(measure(name, batch, a.steps_per_chunk, a.seconds)), flush=True)


if __name__ == "__main__":
    main()
