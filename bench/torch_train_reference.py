#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:train` (`--device cpu` or `cuda`): one TRM training step (pretrain.py
`train_batch`) of the MLP-T Sudoku model, float32, timed like bench/train.ts times the product's trainStep:
cycles 1..T-1 without gradients, the last cycle with gradients (x embedded inside), heads,
stablemax cross-entropy + 0.5 q-halt BCE divided by the batch size, backward, AdamATan2 on the
parameters (written out, no package), SignSGD on the puzzle-embedding rows, EMA. Random weights;
only the speed is compared. Written for the project's benchmark, not a copy of the official code.
Paper names: y = z_H, z = z_L, n = L_cycles, T = H_cycles.

Prints ONE JSON line: {"torch", "threads", "device", "steps", "batch", "ms", "examplesPerSec"} (and "gpu" on CUDA).
"""
import argparse
import json
import math
import os
import sys
import time

try:
    import torch
except ImportError as e:  # reported by the caller as "torch absent"
    print(json.dumps({"error": f"import failed: {e}"}))
    sys.exit(3)


def swiglu_inter(width, expansion):
    return -(-round(expansion * width * 2 / 3) // 256) * 256


def swiglu(u, gate_up, down):
    gate, up = (u @ gate_up.t()).chunk(2, dim=-1)
    return (torch.nn.functional.silu(gate) * up) @ down.t()


def rms_norm(u, eps):
    return u * torch.rsqrt(u.square().mean(-1, keepdim=True) + eps)


def stablemax_ce(logits, labels):
    s = torch.where(logits < 0, 1 / (1 - logits + 1e-30), logits + 1)
    logp = torch.log(s / s.sum(-1, keepdim=True))
    return -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="JSON TrmConfig (mlp_t variant)")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cpu", help="cpu or cuda (cuda:N)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": f"--device {a.device}: torch {torch.__version__} sees no CUDA device"}))
        sys.exit(5)
    c = json.load(open(a.config))
    if not c["mlp_t"]:
        print(json.dumps({"error": "only the mlp_t variant is implemented"}))
        sys.exit(4)
    D, S, V = c["hidden_size"], c["seq_len"], c["vocab_size"]
    P = c["puzzle_emb_len"] if c["puzzle_emb_len"] > 0 else -(-c["puzzle_emb_ndim"] // D)
    T = S + P
    eps = c["rms_norm_eps"]

    def lecun(o, i):
        return torch.nn.Parameter((torch.randn(o, i) / math.sqrt(i)).to(dev))

    params = {"embed": torch.nn.Parameter((torch.randn(V, D) / math.sqrt(D)).to(dev)), "lm_head": lecun(V, D),
              "q_w": torch.nn.Parameter(torch.zeros(2, D, device=dev)),
              "q_b": torch.nn.Parameter(torch.full((2,), -5.0, device=dev))}
    it, ic = swiglu_inter(T, c["expansion"]), swiglu_inter(D, c["expansion"])
    for l in range(c["L_layers"]):
        params[f"{l}.tgu"] = lecun(2 * it, T)
        params[f"{l}.td"] = lecun(T, it)
        params[f"{l}.cgu"] = lecun(2 * ic, D)
        params[f"{l}.cd"] = lecun(D, ic)
    table = torch.zeros(c["num_puzzle_identifiers"], c["puzzle_emb_ndim"], device=dev)
    h_init, l_init = torch.randn(D, device=dev), torch.randn(D, device=dev)
    m = {k: torch.zeros_like(p) for k, p in params.items()}
    v = {k: torch.zeros_like(p) for k, p in params.items()}
    ema = {k: p.detach().clone() for k, p in params.items()}

    def net(h, inj):
        h = h + inj
        for l in range(c["L_layers"]):
            g = h.transpose(1, 2)
            g = rms_norm(g + swiglu(g, params[f"{l}.tgu"], params[f"{l}.td"]), eps)
            h = g.transpose(1, 2)
            h = rms_norm(h + swiglu(h, params[f"{l}.cgu"], params[f"{l}.cd"]), eps)
        return h

    def cycle(y, z, x):
        inj = y + x
        for _ in range(c["L_cycles"]):
            z = net(z, inj)
        return net(y, z), z

    B = a.batch
    g = torch.Generator(device="cpu").manual_seed(1)
    inputs = torch.randint(1, V, (B, S), generator=g, device="cpu").to(dev)
    labels = torch.randint(2, V, (B, S), generator=g, device="cpu").to(dev)
    pids = torch.zeros(B, dtype=torch.long, device=dev)
    y = h_init.view(1, 1, D).expand(B, T, D).clone()
    z = l_init.view(1, 1, D).expand(B, T, D).clone()

    def embed(rows):
        e = params["embed"][inputs]
        pad = P * D - rows.shape[-1]
        r = torch.nn.functional.pad(rows, (0, pad)) if pad > 0 else rows
        return math.sqrt(D) * torch.cat([r.view(B, P, D), e], dim=1)

    def train_step(y, z, t):
        rows = table[pids].clone().requires_grad_(True)
        with torch.no_grad():
            x0 = embed(rows)
            for _ in range(c["H_cycles"] - 1):
                y, z = cycle(y, z, x0)
        x = embed(rows)
        y, z = cycle(y, z, x)
        logits = y[:, P:] @ params["lm_head"].t()
        q = (y[:, 0] @ params["q_w"].t() + params["q_b"])[:, 0]
        ce = stablemax_ce(logits.double(), labels).float()
        lm = ce.mean(-1).sum()
        correct = (logits.argmax(-1) == labels).all(-1).float()
        qh = torch.nn.functional.binary_cross_entropy_with_logits(q, correct, reduction="sum")
        ((lm + 0.5 * qh) / B).backward()
        lr, wd, b1, b2 = 1e-4, 0.1, 0.9, 0.95
        with torch.no_grad():
            grow = rows.grad
            table[0].mul_(1 - lr * wd).sub_(lr * torch.sign(grow.sum(0)))
            for k, p in params.items():
                p.mul_(1 - lr * wd)
                m[k].lerp_(p.grad, 1 - b1)
                v[k].lerp_(p.grad.square(), 1 - b2)
                p.sub_(lr * torch.atan2(m[k] / (1 - b1 ** t), v[k].sqrt() / math.sqrt(1 - b2 ** t)))
                p.grad = None
                ema[k].lerp_(p, 0.001)
        return y.detach(), z.detach(), float(lm)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    y, z, _ = train_step(y, z, 1)  # warm-up, not timed
    sync()
    t0 = time.perf_counter()
    for s in range(a.steps):
        y, z, _ = train_step(y, z, s + 2)  # float(lm) reads the loss back every step, like the product
    sync()
    ms = (time.perf_counter() - t0) * 1000
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(dev), "steps": a.steps,
           "batch": B, "ms": ms, "examplesPerSec": B * a.steps / (ms / 1000)}
    if dev.type == "cuda":
        out["gpu"] = {"name": torch.cuda.get_device_properties(dev).name, "cuda": torch.version.cuda}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
