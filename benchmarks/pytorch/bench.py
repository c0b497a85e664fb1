"""PyTorch's column of `pnpm bench`: times the same workloads as the Torchlet rows, on this machine.

Run by benchmarks/src/pytorch.ts (never by tests): reads a JSON list of workload specs on stdin, writes
one JSON object {id: {"ms": median, "runs": n, "note": ...}} on stdout. Same shapes, batch sizes, layer
definitions and optimizers as the TypeScript workloads; inputs are PyTorch's own seeded random numbers
(the times do not depend on the values). Threads: torch.set_num_threads(threads) from the first argument.
"""
import json
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def timed(run, budget_s, min_runs=5, max_runs=200, warmup=2, warmup_s=0.5):
    # The same warm-up as the Torchlet rows (benchmarks/src/timing.ts FULL): 2 runs, and more until 0.5 s.
    end = time.perf_counter() + warmup_s
    done = 0
    while done < warmup or time.perf_counter() < end:
        run()
        done += 1
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(times)


def gemm(spec, budget):
    g = torch.Generator().manual_seed(101)
    a = torch.randn(spec["m"], spec["k"], generator=g)
    b = torch.randn(spec["k"], spec["n"], generator=g)
    return timed(lambda: torch.mm(a, b), budget)


def conv(spec, budget):
    g = torch.Generator().manual_seed(21)
    x = torch.randn(*spec["x"], generator=g)
    w = torch.randn(*spec["w"], generator=g)
    op = [F.conv1d, F.conv2d, F.conv3d][len(spec["x"]) - 3]
    pad = spec["padding"]
    if not spec["backward"]:
        with torch.no_grad():
            return timed(lambda: op(x, w, padding=pad), budget)
    x.requires_grad_(True)
    w.requires_grad_(True)
    gy = torch.randn_like(op(x.detach(), w.detach(), padding=pad))

    def run():
        x.grad = None
        w.grad = None
        op(x, w, padding=pad).backward(gy)

    return timed(run, budget)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def cifar_cnn():
    # benchmarks/src/workloads/cifar.ts: 3×32×32 → [conv 3×3 p1 → ReLU → max 2] × (32, 64, 128) → 10
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(128 * 4 * 4, 10),
    )


def train_step(model, shape, spec, budget):
    torch.manual_seed(7)
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=spec["lr"])
    x = torch.randn(spec["batch"], *shape)
    y = torch.randint(0, 10, (spec["batch"],))

    def run():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return timed(run, budget)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def mnist_epoch(spec, budget):
    """One epoch as examples/mnist trains it: bytes in memory, shuffled batches of 64, LeNet-5, Adam."""
    del budget
    images = read_idx(spec["dir"] + "/train-images-idx3-ubyte")[: spec["images"]]
    labels = read_idx(spec["dir"] + "/train-labels-idx1-ubyte")[: spec["images"]].long()
    torch.manual_seed(1)
    net = lenet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    start = time.perf_counter()
    order = torch.randperm(len(images))
    for i in range(0, len(images), spec["batch"]):
        idx = order[i : i + spec["batch"]]
        x = ((images[idx].float() / 255) - 0.1307) / 0.3081
        opt.zero_grad()
        loss = F.cross_entropy(net(x.unsqueeze(1)), labels[idx])
        loss.backward()
        opt.step()
    loss.item()
    return (time.perf_counter() - start) * 1000, 1


KINDS = {
    "gemm": gemm,
    "conv": conv,
    "lenet-step": lambda s, b: train_step(lenet, (1, 28, 28), s, b),
    "cifar-step": lambda s, b: train_step(cifar_cnn, (3, 32, 32), s, b),
    "mnist-epoch": mnist_epoch,
}


def main():
    threads = int(sys.argv[1])
    budget = float(sys.argv[2])
    torch.set_num_threads(threads)
    out = {}
    for spec in json.load(sys.stdin):
        print(f"  pytorch · {spec['id']}", file=sys.stderr, flush=True)
        try:
            ms, runs = KINDS[spec["kind"]](spec, budget)
            out[spec["id"]] = {"ms": ms, "runs": runs}
        except Exception as e:  # one failing workload leaves the others' times
            out[spec["id"]] = {"ms": None, "runs": 0, "note": f"cannot: {e}".splitlines()[0]}
    meta = {"version": torch.__version__, "threads": torch.get_num_threads(), "config": torch.__config__.parallel_info().splitlines()[0]}
    print(json.dumps({"meta": meta, "results": out}))


if __name__ == "__main__":
    main()
