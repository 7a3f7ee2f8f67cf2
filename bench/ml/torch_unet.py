"""PyTorch twin of bench/ml/unet.ts, timed the same way; prints one JSON object.

Run: /usr/bin/python3 bench/ml/torch_unet.py --threads 2 --warmup 2 --reps 5 [--base 8 --depth 4]
Debian's python3-torch provides torch; nothing else is needed.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class UNet(nn.Module):
    """Keep in step with createUNet in unet.ts: same layers, same order."""

    def __init__(self, in_ch=6, out_ch=3, base=8, depth=4):
        super().__init__()
        widths = [base * 2 ** i for i in range(depth)]
        self.enc = nn.ModuleList()
        prev = in_ch
        for w in widths:
            self.enc.append(nn.ModuleList([nn.Conv2d(prev, w, 3, padding=1), nn.Conv2d(w, w, 3, padding=1)]))
            prev = w
        self.dec = nn.ModuleList()
        for level in range(depth - 2, -1, -1):
            w = widths[level]
            self.dec.append(nn.ModuleList([
                nn.Conv2d(widths[level + 1], w, 3, padding=1),
                nn.Conv2d(2 * w, w, 3, padding=1),
                nn.Conv2d(w, w, 3, padding=1),
            ]))
        self.head = nn.Conv2d(widths[0], out_ch, 1)

    def forward(self, x):
        skips = []
        for i, (c1, c2) in enumerate(self.enc):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = F.relu(c2(F.relu(c1(x))))
            skips.append(x)
        skips.pop()
        for up, c1, c2 in self.dec:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = F.relu(up(x))
            x = torch.cat([skips.pop(), x], dim=1)
            x = F.relu(c2(F.relu(c1(x))))
        return torch.sigmoid(self.head(x))


def median_ms(fn, warmup, reps, clock):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = clock()
        fn()
        times.append((clock() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--train-size", type=int, default=128)
    ap.add_argument("--train-batch", type=int, default=8)
    ap.add_argument("--sizes", type=str, default="128,256")
    ap.add_argument("--base", type=int, default=8)
    ap.add_argument("--depth", type=int, default=4)
    # cpu: process CPU time (all threads summed), robust to other load on a
    # shared machine but only comparable to wall time with one thread.
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = ap.parse_args()

    clock = time.perf_counter if args.clock == "wall" else time.process_time
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = UNet(base=args.base, depth=args.depth)
    params = sum(p.numel() for p in net.parameters())

    forward = {}
    net.eval()
    with torch.no_grad():
        for s in [int(v) for v in args.sizes.split(",")]:
            x = torch.rand(1, 6, s, s)
            forward[str(s)] = median_ms(lambda: net(x), args.warmup, args.reps, clock)

    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    xb = torch.rand(args.train_batch, 6, args.train_size, args.train_size)
    yb = torch.rand(args.train_batch, 3, args.train_size, args.train_size)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(net(xb), yb)
        loss.backward()
        opt.step()

    train = median_ms(step, args.warmup, args.reps, clock)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "clock": args.clock,
        "params": params,
        "forwardMs": forward,
        "trainStepMs": train,
    }))


if __name__ == "__main__":
    main()
