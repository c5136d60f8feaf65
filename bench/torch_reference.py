#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:infer`: the same TRM MLP-T model (official
models/recursive_reasoning/trm.py `_Inner.forward`, eval mode) on the same weights and inputs, timed the same way. Written
for the project's benchmark, not a copy of the official code. `--device cpu` (default) or `--device cuda` (PyTorch eager
on the GPU, synchronised before every clock reading; the traced run copies every update's state to host memory, as the
debugger does). `--dtype float32` (default) or `bfloat16` (weights and activations in bf16 like the official
forward_dtype, RMSNorm statistics in float32). `--no-warmup` times a cold process (bench:infer --whole-process).

Reads a directory written by bench/infer.ts: config.json, weights/<official name>.npy,
inputs_traced.npy [1, S], inputs_batch_<B>.npy [B, S] for each --batch-sizes B, puzzle_ids_*.npy. Prints ONE JSON line
with timings; writes logits_step1_<dtype>.npy (the traced puzzle's step-1 logits, as float32) for the numerical check.
Paper names: y = z_H, z = z_L, n = L_cycles, T = H_cycles.
"""
import argparse
import json
import math
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as e:  # reported by the caller as "torch absent"
    print(json.dumps({"error": f"import failed: {e}"}))
    sys.exit(3)


def swiglu(u, gate_up, down):
    h = u @ gate_up.t()
    gate, up = h.chunk(2, dim=-1)
    return (torch.nn.functional.silu(gate) * up) @ down.t()


def rms_norm(u, eps):
    # statistics in float32, result back in the input dtype (models/layers.py rms_norm)
    f = u.float()
    return (f * torch.rsqrt(f.square().mean(-1, keepdim=True) + eps)).to(u.dtype)


class Trm:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.D = cfg["hidden_size"]
        self.P = cfg["puzzle_emb_len"] if cfg["puzzle_emb_len"] > 0 else -(-cfg["puzzle_emb_ndim"] // self.D)
        self.eps = cfg["rms_norm_eps"]
        self.blocks = [{k: w[f"L_level.layers.{l}.{k}.weight"] for k in
                        ("mlp_t.gate_up_proj", "mlp_t.down_proj", "mlp.gate_up_proj", "mlp.down_proj")}
                       for l in range(cfg["L_layers"])]

    def embed(self, inputs, pids):
        e = self.w["embed_tokens.embedding_weight"][inputs]
        if self.cfg["puzzle_emb_ndim"] > 0:
            rows = self.w["puzzle_emb.weights"][pids]
            pad = self.P * self.D - rows.shape[-1]
            if pad > 0:
                rows = torch.nn.functional.pad(rows, (0, pad))
            e = torch.cat([rows.view(-1, self.P, self.D), e], dim=-2)
        return math.sqrt(self.D) * e

    def block(self, b, h):
        g = h.transpose(1, 2)  # [B, D, T]: the token MLP and this RMSNorm run over the T positions
        g = rms_norm(g + swiglu(g, b["mlp_t.gate_up_proj"], b["mlp_t.down_proj"]), self.eps)
        h = g.transpose(1, 2)
        return rms_norm(h + swiglu(h, b["mlp.gate_up_proj"], b["mlp.down_proj"]), self.eps)

    def net(self, h, inj):
        h = h + inj
        for b in self.blocks:
            h = self.block(b, h)
        return h

    def step(self, y, z, x, on_update=None):
        for _ in range(self.cfg["H_cycles"]):
            inj = y + x
            for _ in range(self.cfg["L_cycles"]):
                z = self.net(z, inj)
                if on_update:
                    on_update(y, z)
            y = self.net(y, z)
            if on_update:
                on_update(y, z)
        logits = y[:, self.P:] @ self.w["lm_head.weight"].t()
        q = y[:, 0] @ self.w["q_head.weight"].t() + self.w["q_head.bias"]
        return y, z, logits, q

    def initial(self, batch):
        T = self.P + self.cfg["seq_len"]
        return (self.w["H_init"].view(1, 1, -1).expand(batch, T, self.D).clone(),
                self.w["L_init"].view(1, 1, -1).expand(batch, T, self.D).clone())


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(model, inputs, pids, steps, trace, device, first_logits=None):
    """`steps` supervision steps; with `trace`, every update's state is copied to host memory (like the
    debugger). Returns wall and process CPU time (all threads) in ms."""
    recorded = []

    def record(y, z):
        recorded.append((y.float().cpu().numpy().copy(), z.float().cpu().numpy().copy()))
        recorded.clear()  # keep memory flat; the copy is what costs

    inputs, pids = inputs.to(device), pids.to(device)
    y, z = model.initial(inputs.shape[0])
    sync(device)
    c0 = time.process_time()
    t0 = time.perf_counter()
    for s in range(steps):
        x = model.embed(inputs, pids)
        y, z, logits, q = model.step(y, z, x, record if trace else None)
        host = logits.float().cpu().numpy(), q.float().cpu().numpy()  # the viewer reads every step's logits
        if s == 0 and first_logits is not None:
            first_logits.append(host[0].copy())
    sync(device)
    return {"batch": int(inputs.shape[0]), "steps": steps,
            "ms": (time.perf_counter() - t0) * 1000, "cpuMs": (time.process_time() - c0) * 1000}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--traced-steps", type=int, default=16)
    ap.add_argument("--batch-steps", type=int, default=16)
    ap.add_argument("--batch-sizes", default="64", help="comma list; inputs_batch_<B>.npy must exist for each")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (cuda:N)")
    ap.add_argument("--no-warmup", action="store_true", help="no untimed first step (whole-process timing)")
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32",
                    help="bfloat16: weights and activations in bf16 like the official forward_dtype (CastedLinear casts "
                         "weights at use; RMSNorm statistics in float32)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": f"--device {a.device}: torch {torch.__version__} sees no CUDA device"}))
        sys.exit(5)
    cfg = json.load(open(os.path.join(a.dir, "config.json")))
    wdir = os.path.join(a.dir, "weights")
    dt = torch.bfloat16 if a.dtype == "bfloat16" else torch.float32
    w = {f[:-4]: torch.from_numpy(np.load(os.path.join(wdir, f))).to(device=device, dtype=dt)
         for f in os.listdir(wdir) if f.endswith(".npy")}
    model = Trm(cfg, w)
    load = lambda n: torch.from_numpy(np.load(os.path.join(a.dir, n)).astype(np.int64))
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(device), "dtype": a.dtype,
           "blas": _blas_library(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        out["gpu"] = {"name": p.name, "memoryBytes": p.total_memory, "cuda": torch.version.cuda,
                      "cudnn": torch.backends.cudnn.version(), "capability": f"{p.major}.{p.minor}"}
    with torch.inference_mode():
        first = []
        # warm-up: one untimed step so allocator, thread pool and CUDA context start-up are not in the numbers
        if not a.no_warmup:
            run(model, load("inputs_traced.npy"), load("puzzle_ids_traced.npy"), 1, False, device)
        out["traced"] = run(model, load("inputs_traced.npy"), load("puzzle_ids_traced.npy"), a.traced_steps, True,
                            device, first)
        np.save(os.path.join(a.dir, f"logits_step1_{a.dtype}.npy"), first[0].astype(np.float32))
        out["batches"] = []
        if a.batch_steps > 0:
            for b in [int(s) for s in a.batch_sizes.split(",") if s]:
                inputs, pids = load(f"inputs_batch_{b}.npy"), load(f"puzzle_ids_batch_{b}.npy")
                if device.type == "cuda":  # first use of this batch shape: kernels and allocator, untimed
                    run(model, inputs, pids, 1, False, device)
                out["batches"].append(run(model, inputs, pids, a.batch_steps, False, device))
    print(json.dumps(out))


def _blas_library():
    """Which BLAS torch's process mapped (Debian's torch uses the libblas.so.3 alternative)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return []


if __name__ == "__main__":
    main()
