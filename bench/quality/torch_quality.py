"""Plain PyTorch U-Net reference for the quality bench (bench/quality/main.ts).

The recipe is deliberately ordinary (issue 11): 128x128 crops at native
resolution, about half centred on a labelled defect, flips, BCE + soft Dice,
Adam 1e-3 with cosine decay over the wall-clock budget, batch 8, base width 16
(about 1.9M parameters), one sigmoid output per class. It is the yardstick the
app's recipe has to beat at equal time, so it must stay boring: no tricks the
app could not also use.

For ablations, job.json's optional "recipe" overrides base, lr, loss, crop, batch
('bce-dice' or the app's 'focal-dice'), steps (a fixed step count: the
cosine then runs over steps, not time, so a loaded machine changes nothing
but the duration) and prior (the output bias starts at logit(prior)).

Run by main.ts as
  /usr/bin/python3 bench/quality/torch_quality.py --job job.json
job.json lists the files (targets are the class-index masks main.ts rasterised
from the same polygons the app trains on), the budget and where the maps go.
It writes one float16 .npy per predicted image, shape (K, H, W) at the image's
own size, and prints one JSON line with what it did.
Debian's python3-torch, python3-numpy and python3-pil are all it needs.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

CROP = 128
BATCH = 8
LR = 1e-3
BASE = 16
# Four poolings: full images are padded to a multiple of this and cropped back.
MULTIPLE = 16


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """The textbook U-Net (Ronneberger et al.), widths 16..256, five levels."""

    def __init__(self, in_ch=1, out_ch=5, base=BASE, levels=5):
        super().__init__()
        widths = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList()
        prev = in_ch
        for w in widths:
            self.down.append(double_conv(prev, w))
            prev = w
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(w * 2, w, 2, stride=2))
            self.dec.append(double_conv(w * 2, w))
        self.head = nn.Conv2d(widths[0], out_ch, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = up(x)
            x = dec(torch.cat([skips.pop(), x], dim=1))
        return self.head(x)  # logits


def load_grey(path):
    return np.asarray(Image.open(path).convert("L"), dtype=np.uint8)


def load_mask(path):
    m = np.asarray(Image.open(path), dtype=np.uint8)
    return m if m.ndim == 2 else m[..., 0]


def pad_to(img, h, w):
    """Reflect-pads the bottom and right so the array is at least h x w."""
    ph, pw = max(0, h - img.shape[0]), max(0, w - img.shape[1])
    if ph == 0 and pw == 0:
        return img
    # 'reflect' needs the pad smaller than the side; 'symmetric' does not.
    return np.pad(img, ((0, ph), (0, pw)), mode="symmetric")


class Sampler:
    def __init__(self, labelled, normals, classes, rng):
        self.k = classes
        self.rng = rng
        self.items = []  # (image uint8 HxW, mask uint8 HxW class index, defect pixel coords or None)
        for it in labelled:
            img = pad_to(load_grey(it["image"]), CROP, CROP)
            mask = pad_to(load_mask(it["mask"]), CROP, CROP)
            ys, xs = np.nonzero(mask)
            self.items.append((img, mask, (ys, xs) if len(ys) else None))
        for path in normals:
            img = pad_to(load_grey(path), CROP, CROP)
            self.items.append((img, np.zeros_like(img), None))
        self.with_defects = [i for i, it in enumerate(self.items) if it[2] is not None]
        if not self.with_defects:
            raise SystemExit("no labelled defect pixels in the training set")

    def crop(self):
        rng = self.rng
        if rng.random() < 0.5:
            img, mask, (ys, xs) = self.items[rng.choice(self.with_defects)]
            j = rng.randrange(len(ys))
            # Jitter so the defect is not always dead centre.
            cy = int(ys[j]) + rng.randint(-CROP // 4, CROP // 4)
            cx = int(xs[j]) + rng.randint(-CROP // 4, CROP // 4)
            y0 = min(max(0, cy - CROP // 2), img.shape[0] - CROP)
            x0 = min(max(0, cx - CROP // 2), img.shape[1] - CROP)
        else:
            img, mask, _ = self.items[rng.randrange(len(self.items))]
            y0 = rng.randint(0, img.shape[0] - CROP)
            x0 = rng.randint(0, img.shape[1] - CROP)
        ci = img[y0:y0 + CROP, x0:x0 + CROP]
        cm = mask[y0:y0 + CROP, x0:x0 + CROP]
        if rng.random() < 0.5:
            ci, cm = ci[:, ::-1], cm[:, ::-1]
        if rng.random() < 0.5:
            ci, cm = ci[::-1, :], cm[::-1, :]
        target = np.stack([(cm == c + 1) for c in range(self.k)]).astype(np.float32)
        return ci.astype(np.float32) / 255.0, target

    def batch(self):
        xs, ys = zip(*(self.crop() for _ in range(BATCH)))
        return torch.from_numpy(np.stack(xs)[:, None].copy()), torch.from_numpy(np.stack(ys).copy())


def soft_dice(p, target):
    dims = (0, 2, 3)
    inter = (p * target).sum(dims)
    return (1 - (2 * inter + 1) / (p.sum(dims) + target.sum(dims) + 1)).mean()


def bce_dice(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    return bce + soft_dice(torch.sigmoid(logits), target)


def focal_dice(logits, target, alpha=0.75, gamma=2.0, floor=0.002):
    """The app's default stage-2 loss (src/ml/losses/segmentation.ts), written from its definition."""
    p = torch.sigmoid(logits)
    pt = torch.where(target > 0.5, p, 1 - p).clamp(1e-7, 1 - 1e-7)
    w = torch.where(target > 0.5, torch.full_like(p, alpha), torch.full_like(p, 1 - alpha))
    focal = -(w * (1 - pt) ** gamma * torch.log(pt)).sum()
    positives = torch.clamp(target.sum(), min=floor * target.numel())
    return focal / positives + soft_dice(p, target)


LOSSES = {"bce-dice": bce_dice, "focal-dice": focal_dice}


@torch.no_grad()
def predict(net, path):
    img = load_grey(path)
    h, w = img.shape
    H = math.ceil(h / MULTIPLE) * MULTIPLE
    W = math.ceil(w / MULTIPLE) * MULTIPLE
    x = torch.from_numpy(pad_to(img, H, W).astype(np.float32) / 255.0)[None, None]
    return torch.sigmoid(net(x))[0, :, :h, :w].numpy()


def main():
    global CROP, BATCH
    ap = argparse.ArgumentParser()
    ap.add_argument("--job", required=True)
    args = ap.parse_args()
    with open(args.job) as f:
        job = json.load(f)

    torch.set_num_threads(int(job.get("threads", 2)))
    seed = int(job.get("seed", 1))
    torch.manual_seed(seed)
    rng = random.Random(seed)
    classes = len(job["classes"])

    recipe = job.get("recipe") or {}
    unknown = set(recipe) - {"base", "lr", "loss", "steps", "prior", "crop", "batch"}
    if unknown:
        raise SystemExit(f"unknown recipe keys: {sorted(unknown)}")
    CROP = int(recipe.get("crop", CROP))
    BATCH = int(recipe.get("batch", BATCH))
    t_load = time.perf_counter()
    sampler = Sampler(job["train"], job["trainNormal"], classes, rng)
    load_s = time.perf_counter() - t_load

    lr = float(recipe.get("lr", LR))
    loss_fn = LOSSES[recipe.get("loss", "bce-dice")]
    max_steps = int(recipe.get("steps", 0))
    net = UNet(out_ch=classes, base=int(recipe.get("base", BASE)))
    if "prior" in recipe:
        with torch.no_grad():
            net.head.bias.fill_(math.log(recipe["prior"] / (1 - recipe["prior"])))
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    budget = float(job["budgetSeconds"])

    net.train()
    steps = 0
    losses = []
    started = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - started
        if (steps >= max_steps) if max_steps else (elapsed >= budget):
            break
        # Cosine decay on elapsed time: the schedule ends when the budget does.
        done = steps / max_steps if max_steps else elapsed / budget
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
        x, y = sampler.batch()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        steps += 1
        losses.append(float(loss))
    train_s = time.perf_counter() - started

    net.eval()
    out_dir = job["outDir"]
    os.makedirs(out_dir, exist_ok=True)
    t_pred = time.perf_counter()
    for it in job["predict"]:
        probs = predict(net, it["image"]).astype(np.float16)
        tmp = os.path.join(out_dir, f".{it['id']}.npy")
        np.save(tmp, probs)
        os.replace(tmp, os.path.join(out_dir, f"{it['id']}.npy"))
    pred_s = time.perf_counter() - t_pred

    tail = losses[-50:]
    print(json.dumps({
        "torch": torch.__version__,
        "recipe": recipe,
        "threads": torch.get_num_threads(),
        "params": params,
        "steps": steps,
        "samplesSeen": steps * BATCH,
        "trainSeconds": train_s,
        "loadSeconds": load_s,
        "predictSeconds": pred_s,
        "predicted": len(job["predict"]),
        "finalLoss": sum(tail) / len(tail) if tail else None,
    }))


if __name__ == "__main__":
    main()
