#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fine-tune a small decoder-only transformer the way ZeRO-offload does,
with every host tensor class placed by cxltier as a plan says.

    /usr/bin/python3 python/examples/finetune.py [--strategy NAME|all]
        [--layers 2] [--hidden 64] [--heads 4] [--vocab 256] [--seq 64]
        [--batch 2] [--steps 4] [--check-every 2] [--lr 3e-3]
        [--tiers FILE] [--json]

The model is written with torch.nn (token and position embeddings, blocks
of causal self-attention and a GELU MLP with pre-norms, a final norm and an
LM head), initialised from a seed, and trained on a synthetic token stream
made in the process (nothing is downloaded).  Each step, as ZeRO-offload:

  - the bf16 compute weights (host, class compute-weights) are copied to
    the compute device;
  - forward: each block's input is checkpointed into host memory (class
    activations, bf16) and the block runs without a graph;
  - backward: from the loss, block by block in reverse, the checkpoint is
    read back, the block recomputed with a graph and differentiated;
  - the bf16 gradients are copied to the host (class compute-grads),
    converted to the fp32 master gradients (master-grads), and
    cxltier.optim.AdamW steps the fp32 master weights (master-weights)
    with its moments (adam-m, adam-v) in cxltier memory, then writes the
    next step's bf16 compute weights.

Placement: the script describes its seven classes (bytes and per-step
traffic) to the planner (`tierctl plan --classes`, on this host's live
topology, or --tiers FILE's figures) and allocates each class with the
policy of the chosen strategy (dram-only, interleave, greedy, cxltier; or
all four, one after the other, in one process).  A strategy the planner
cannot build here is reported as such and skipped.  Every --check-every
steps each class's residency is compared with the plan's bytes per node
(to one allocation unit per node).

The compute device is CUDA when torch has it: the copied classes are then
pinned (and so planned on pinnable memory only).  Without CUDA the model
runs on the CPU in fp32 from the bf16 weights, nothing is pinned, and the
CUDA paths say they are skipped.

The same training runs again on plain tensors with the same optimizer on
plain memory: the loss sequence must be bit-identical, and it must fall.
Exit status 0 when, for every strategy that ran, both hold and every
residency check passed; 1 otherwise.
"""
import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import cxltier  # noqa: E402
import cxltier.optim  # noqa: E402

CLASSES = ["adam-m", "adam-v", "master-grads", "master-weights",
           "compute-weights", "activations", "compute-grads"]
COPIED = {"compute-weights", "activations", "compute-grads"}
STRATEGIES = ["dram-only", "interleave", "greedy", "cxltier"]


def die(msg):
    sys.exit("finetune: " + msg)


# ---------------------------------------------------------------------------
# The model

class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2)
                   for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
        mask = torch.ones(s, s, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class LM(nn.Module):
    def __init__(self, vocab, d, layers, heads, seq):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def embed(self, idx):
        pos = torch.arange(idx.shape[1], device=idx.device)
        return self.tok(idx) + self.pos(pos)

    def top(self, x, targets):
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               targets.reshape(-1))


def token_stream(vocab, seed):
    """Synthetic text: runs of an affine sequence t' = (a t + c) mod V with
    random restarts, a pattern a small model learns in a few steps."""
    g = torch.Generator().manual_seed(seed)
    a, c = 5, 3
    while True:
        t = int(torch.randint(vocab, (1,), generator=g))
        for _ in range(int(torch.randint(16, 64, (1,), generator=g))):
            yield t
            t = (a * t + c) % vocab


def batches(a):
    stream = token_stream(a.vocab, a.seed + 1)
    n = a.batch * (a.seq + 1)
    while True:
        buf = torch.tensor([next(stream) for _ in range(n)]).view(
            a.batch, a.seq + 1)
        yield buf[:, :-1].contiguous(), buf[:, 1:].contiguous()


# ---------------------------------------------------------------------------
# The classes and their plan

def sizes(a, P):
    """Each class's bytes and per-step traffic (doc/cost-model.md's
    conventions: the CPU reads and writes of the optimizer phase, the
    device's copies)."""
    act = a.layers * a.batch * a.seq * a.hidden * 2
    return {
        "adam-m": dict(bytes=4 * P, cpu_read=4 * P, cpu_write=4 * P),
        "adam-v": dict(bytes=4 * P, cpu_read=4 * P, cpu_write=4 * P),
        "master-grads": dict(bytes=4 * P, cpu_read=4 * P, cpu_write=4 * P),
        "master-weights": dict(bytes=4 * P, cpu_read=8 * P, cpu_write=4 * P),
        "compute-weights": dict(bytes=2 * P, cpu_write=2 * P, h2d=2 * P),
        "activations": dict(bytes=act, h2d=act, d2h=act),
        "compute-grads": dict(bytes=2 * P, cpu_read=2 * P, d2h=2 * P),
    }


def tierctl():
    for p in (os.path.join(REPO, "build", "bin", "tierctl"),
              shutil.which("tierctl")):
        if p and os.access(p, os.X_OK):
            return p
    die("tierctl not found (build it with make, or put it on PATH)")


def plan(a, P, pinned):
    """tierctl plan --classes for this model on this host: the JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".classes", delete=False) as f:
        for name in CLASSES:
            s = sizes(a, P)[name]
            f.write("class %s bytes=%d cpu-read=%d cpu-write=%d h2d=%d d2h=%d%s\n" % (
                name, s["bytes"], s.get("cpu_read", 0), s.get("cpu_write", 0),
                s.get("h2d", 0), s.get("d2h", 0),
                " pinned" if pinned and name in COPIED else ""))
        path = f.name
    cmd = [tierctl(), "plan", "--classes", path, "--json"]
    if a.tiers:
        cmd += ["--tiers", a.tiers]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode not in (0, 1) or not r.stdout:
        die("%s: %s" % (" ".join(cmd), r.stderr.strip() or "failed"))
    return json.loads(r.stdout)


# ---------------------------------------------------------------------------
# One training run

class Run(object):
    """The model trained with its host classes made by ``make(name, n,
    dtype)``; ``policy`` is the optimizer's state policy (None: plain)."""

    def __init__(self, a, make, policy, device):
        torch.manual_seed(a.seed)
        self.a, self.dev = a, device
        self.cdtype = torch.bfloat16 if device.type == "cuda" else torch.float32
        model = LM(a.vocab, a.hidden, a.layers, a.heads, a.seq)
        params = list(model.parameters())
        self.P = sum(p.numel() for p in params)
        act_shape = (a.layers, a.batch, a.seq, a.hidden)
        self.t = {
            "master-weights": make("master-weights", (self.P,), torch.float32),
            "master-grads": make("master-grads", (self.P,), torch.float32),
            "compute-weights": make("compute-weights", (self.P,), torch.bfloat16),
            "compute-grads": make("compute-grads", (self.P,), torch.bfloat16),
            "activations": make("activations", act_shape, torch.bfloat16),
        }
        mw = self.t["master-weights"]
        with torch.no_grad():
            mw.copy_(nn.utils.parameters_to_vector(params))
            self.t["compute-weights"].copy_(mw)
        mw.requires_grad_(True)
        # the moments in buffers of their own: each class exactly as planned
        self.opt = cxltier.optim.AdamW([mw], lr=a.lr, weight_decay=0.01,
                                       policy=policy, dedicated=True)
        # the device's model: parameters are views of one flat buffer
        self.model = model.to(device=device, dtype=self.cdtype)
        self.params = list(self.model.parameters())
        self.flat = torch.empty(self.P, dtype=self.cdtype, device=device)
        off = 0
        for p in self.params:
            n = p.numel()
            p.data = self.flat[off:off + n].view_as(p)
            off += n
        self.data = batches(a)

    def tensors(self):
        t = dict(self.t)
        st = self.opt.state.get(self.t["master-weights"], {})
        if "exp_avg" in st:
            t["adam-m"], t["adam-v"] = st["exp_avg"], st["exp_avg_sq"]
        return t

    def step(self):
        a, t, dev, m = self.a, self.t, self.dev, self.model
        ms = {}
        x, y = next(self.data)
        x, y = x.to(dev), y.to(dev)
        sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

        t0 = time.perf_counter()
        self.flat.copy_(t["compute-weights"], non_blocking=False)   # H2D
        sync()
        t1 = time.perf_counter()
        ckpt = t["activations"]
        ckpt_s = 0.0
        with torch.no_grad():
            h = m.embed(x)
            for i, blk in enumerate(m.blocks):
                c0 = time.perf_counter()
                ckpt[i].copy_(h)                            # D2H checkpoint
                h = ckpt[i].to(dev, self.cdtype)            # the block's input
                sync()
                ckpt_s += time.perf_counter() - c0
                h = blk(h)
        t2 = time.perf_counter()
        for p in self.params:
            p.grad = None
        top = h.detach().requires_grad_(True)
        loss = m.top(top, y)
        loss.backward()
        g = top.grad
        for i in reversed(range(len(m.blocks))):
            c0 = time.perf_counter()
            xi = ckpt[i].to(dev, self.cdtype)               # H2D checkpoint
            sync()
            ckpt_s += time.perf_counter() - c0
            xi.requires_grad_(True)
            m.blocks[i](xi).backward(g)
            g = xi.grad
        m.embed(x).backward(g)
        t3 = time.perf_counter()
        with torch.no_grad():
            grads = torch.cat([p.grad.reshape(-1) for p in self.params])
            t["compute-grads"].copy_(grads)                 # D2H
        sync()
        t4 = time.perf_counter()
        with torch.no_grad():
            t["master-grads"].copy_(t["compute-grads"])
        mw = t["master-weights"]
        mw.grad = t["master-grads"]
        self.opt.step()
        with torch.no_grad():
            t["compute-weights"].copy_(mw)
        t5 = time.perf_counter()
        ms.update(h2d_ms=(t1 - t0) * 1e3, forward_ms=(t2 - t1) * 1e3,
                  backward_ms=(t3 - t2) * 1e3, d2h_ms=(t4 - t3) * 1e3,
                  optimizer_ms=(t5 - t4) * 1e3, ckpt_ms=ckpt_s * 1e3,
                  step_ms=(t5 - t0) * 1e3)
        ms["tokens_per_s"] = a.batch * a.seq / (t5 - t0)
        return float(loss), ms


def bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def check_residency(run, strat, unit=4096):
    """Every class's bytes per node against the plan's, each node to one
    allocation unit.  [(class, ok, detail)]."""
    want = {c["name"]: {x["node"]: x["bytes"] for x in c["nodes"]}
            for c in strat["classes"]}
    out = []
    for name, t in run.tensors().items():
        res = cxltier.residency(t)
        got = {int(k): v for k, v in res.items() if v}
        nodes = set(got) | set(want[name])
        bad = [n for n in sorted(nodes)
               if abs(got.get(n, 0) - want[name].get(n, 0)) > unit]
        out.append((name, not bad, "planned %s, resident %s" % (
            fmt_nodes(want[name]), fmt_nodes(got))))
    return out


def fmt_nodes(d):
    return " ".join("%d=%d" % kv for kv in sorted(d.items())) or "-"


def run_strategy(a, name, planned, device, pin):
    strat = next(s for s in planned["strategies"] if s["name"] == name)
    if not strat["feasible"]:
        return {"strategy": name, "ran": False, "why": strat["error"]}
    table = {c["name"]: c["policy"] for c in strat["classes"]}

    def make(cls, shape, dtype):
        try:
            return cxltier.zeros(shape, dtype=dtype, policy=table[cls],
                                 dedicated=True,
                                 pin_memory=pin and cls in COPIED)
        except (OSError, ValueError, RuntimeError) as e:
            die("%s: class %s, policy %s: %s" % (name, cls, table[cls], e))

    state = {"exp_avg": table["adam-m"], "exp_avg_sq": table["adam-v"]}
    run = Run(a, make, state, device)
    ref = Run(a, lambda c, s, d: torch.zeros(s, dtype=d), None, device)
    losses, ref_losses, steps, checks = [], [], [], []
    for i in range(a.steps):
        loss, ms = run.step()
        rloss, _ = ref.step()
        losses.append(loss)
        ref_losses.append(rloss)
        steps.append(ms)
        if not a.json:
            print("%-10s step %d: loss %.5f  h2d %.1f  fwd %.1f  bwd %.1f  "
                  "d2h %.1f  optim %.1f ms (ckpt copies %.1f)  %.0f tokens/s" % (
                      name, i + 1, loss, ms["h2d_ms"], ms["forward_ms"],
                      ms["backward_ms"], ms["d2h_ms"], ms["optimizer_ms"],
                      ms["ckpt_ms"], ms["tokens_per_s"]), flush=True)
        if (i + 1) % a.check_every == 0 or i + 1 == a.steps:
            r = check_residency(run, strat)
            checks.append({"step": i + 1, "ok": all(ok for _, ok, _ in r),
                           "classes": [{"name": c, "ok": ok, "detail": d}
                                       for c, ok, d in r]})
            if not a.json:
                print("%-10s step %d: residency of %d classes %s the plan%s" % (
                    name, i + 1, len(r),
                    "matches" if checks[-1]["ok"] else "DOES NOT match",
                    "" if checks[-1]["ok"] else ": " + "; ".join(
                        "%s %s" % (c, d) for c, ok, d in r if not ok)))
    same = [bits(x) for x in losses] == [bits(x) for x in ref_losses]
    med = sorted(s["step_ms"] for s in steps)[len(steps) // 2]
    last = steps[-1]
    measured = {
        "adam-m": last["optimizer_ms"], "adam-v": last["optimizer_ms"],
        "master-grads": last["optimizer_ms"], "master-weights": last["optimizer_ms"],
        "compute-weights": last["h2d_ms"], "activations": last["ckpt_ms"],
        "compute-grads": last["d2h_ms"],
    }
    per_class = []
    for c in strat["classes"]:
        pred = c["cpu_s"] * 1e3
        gib = (c.get("h2d_gibps") or 0, c.get("d2h_gibps") or 0)
        s = sizes(a, run.P)[c["name"]]
        for bw, key in zip(gib, ("h2d", "d2h")):
            if bw and s.get(key):
                pred = max(pred, s[key] / (bw * 2 ** 30) * 1e3)
        res = cxltier.residency(run.tensors()[c["name"]])
        per_class.append({"name": c["name"], "policy": c["policy"],
                          "planned_bytes": c["bytes"],
                          "resident_bytes": res.total,
                          "predicted_ms": pred,
                          "measured_ms": measured[c["name"]]})
    return {"strategy": name, "ran": True, "params": run.P,
            "losses": losses, "reference_losses": ref_losses,
            "bit_identical": same, "loss_falls": losses[-1] < losses[0],
            "residency_ok": all(c["ok"] for c in checks), "checks": checks,
            "steps": steps, "median_step_ms": med,
            "predicted_step_ms": strat["step_s"] * 1e3,
            "classes": per_class}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--strategy", default="cxltier",
                    help="dram-only, interleave, greedy, cxltier or all")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--check-every", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tiers", help="a tier file for the planner")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.strategy != "all" and a.strategy not in STRATEGIES:
        die("--strategy %s: one of %s, or all" % (a.strategy,
                                                   ", ".join(STRATEGIES)))
    if a.hidden % a.heads or min(a.layers, a.hidden, a.heads, a.vocab,
                                 a.seq, a.batch, a.steps,
                                 a.check_every) < 1:
        die("sizes must be positive, --hidden a multiple of --heads")
    if a.steps < 2:
        die("--steps %d: at least 2 (whether the loss falls needs two)"
            % a.steps)
    return a


def train(a):
    """Plan, then train once per strategy asked for: (backend, CUDA?,
    parameters, results), a result per strategy (see run_strategy)."""
    try:
        backend = cxltier.init()
    except OSError as e:
        die(str(e))
    cuda = cxltier.cuda_available()
    device = torch.device("cuda" if cuda else "cpu")
    P = sum(p.numel() for p in LM(a.vocab, a.hidden, a.layers, a.heads,
                                  a.seq).parameters())
    planned = plan(a, P, pinned=cuda)
    names = STRATEGIES if a.strategy == "all" else [a.strategy]
    if not a.json:
        print("finetune: %d parameters (%d layers, hidden %d, %d heads, vocab "
              "%d), batch %d x %d tokens, %d steps; backend %s; %s" % (
                  P, a.layers, a.hidden, a.heads, a.vocab, a.batch, a.seq,
                  a.steps, backend,
                  "CUDA: copied classes pinned" if cuda else
                  "no CUDA: compute on the CPU, nothing pinned (CUDA paths skipped)"))
        print("plan: %s" % planned["host"]["source"])
    return backend, cuda, P, [run_strategy(a, n, planned, device, cuda)
                              for n in names]


def passed(r):
    """A strategy that ran: same losses as plain tensors, loss falls,
    every residency check passed."""
    return r["bit_identical"] and r["loss_falls"] and r["residency_ok"]


def main():
    a = parse_args()
    backend, cuda, P, results = train(a)
    ok = any(r["ran"] for r in results)     # nothing ran: nothing shown
    for r in results:
        if r["ran"]:
            ok &= passed(r)
    if a.json:
        json.dump({"backend": backend, "cuda": cuda, "params": P,
                   "results": results}, sys.stdout, indent=1)
        print()
        return 0 if ok else 1
    for r in results:
        if not r["ran"]:
            print("\n%s: not run: %s" % (r["strategy"], r["why"]))
            continue
        print("\n%s: loss %s (%s the plain-tensor run's, bit for bit; %s)" % (
            r["strategy"], " ".join("%.4f" % x for x in r["losses"]),
            "equal to" if r["bit_identical"] else "DIFFERENT from",
            "falls" if r["loss_falls"] else "DOES NOT FALL"))
        print("%-16s %-28s %11s %11s %13s %12s" % (
            "CLASS", "POLICY", "PLANNED-B", "RESIDENT-B", "PREDICTED-ms",
            "MEASURED-ms"))
        for c in r["classes"]:
            print("%-16s %-28s %11d %11d %13.3f %12.3f" % (
                c["name"], c["policy"], c["planned_bytes"],
                c["resident_bytes"], c["predicted_ms"], c["measured_ms"]))
        print("(predicted: the cost model on the planner's figures for this "
              "host, the study host's unless --tiers; measured: the last "
              "step here.  The optimizer's four classes share one measured "
              "step.)")
    print("\n%-10s %10s %10s %14s %s" % ("STRATEGY", "STEP-ms", "PREDICTED",
                                          "TOKENS/s", "VERDICT"))
    for r in results:
        if not r["ran"]:
            print("%-10s %10s %10s %14s %s" % (r["strategy"], "-", "-", "-",
                                               "not run: " + r["why"]))
            continue
        good = passed(r)
        print("%-10s %10.1f %10.1f %14.0f %s" % (
            r["strategy"], r["median_step_ms"], r["predicted_step_ms"],
            r["steps"][-1]["tokens_per_s"],
            "ok" if good else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
