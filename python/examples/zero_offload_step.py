#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A toy ZeRO-offload training step with its seven host tensor classes placed
by cxltier (see doc/cost-model.md, "The study", and README.md).

    /usr/bin/python3 python/examples/zero_offload_step.py [--params 8M]
        [--layers 4] [--seq 256] [--steps 1]
        [--plan PLAN.json [--strategy cxltier]] [--place CLASS=POLICY ...]
        [--json]

Classes, as the planner names them: adam-m, adam-v, master-grads,
master-weights (fp32, touched by the CPU optimizer), compute-weights (bf16,
copied host-to-device), activations (bf16 checkpoints, written and read back
by the GPU), compute-grads (bf16, written device-to-host).

Placement comes from, in this order: --place, a plan (the JSON of
``tierctl plan --json``: the classes of the strategy named by --strategy),
or the built-in table: the CPU-touched fp32 classes and compute-grads (the
device-to-host writes, CXL's weak direction) on the first node with CPUs;
compute-weights and activations (host-to-device reads, which CXL serves
nearly at DRAM speed) on the CXL nodes, interleaved when there are several;
everything on the first node when the host has no CXL node.

The step is real, on the CPU (no GPU needed): bf16 compute weights from the
fp32 masters, a forward pass of an MLP whose layer inputs are checkpointed
into the activations, a backward pass that recomputes each layer from its
checkpoint, bf16 gradients, fp32 master gradients, and cxltier.optim.AdamW
(libtier's fused step) on the masters with its m and v in cxltier memory.
The same step runs again on ordinary tensors, with the same optimizer on
plain memory, and the master weights are compared bit for bit.  Then the
residency of every class is read back and checked against its policy.
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import cxltier  # noqa: E402
import cxltier.optim  # noqa: E402

CLASSES = ["adam-m", "adam-v", "master-grads", "master-weights",
           "compute-weights", "activations", "compute-grads"]
PINNED = {"compute-weights", "activations", "compute-grads"}


def default_table():
    ns = cxltier.nodes()
    dram = next(n["node"] for n in ns if n["cpus"])
    cxl = [n["node"] for n in ns if n["tier"] == "cxl"]
    near = "bind:%d" % dram
    if not cxl:
        far = near
    elif len(cxl) == 1:
        far = "bind:%d" % cxl[0]
    else:
        far = "interleave:" + ",".join(str(n) for n in cxl)
    return {"adam-m": near, "adam-v": near, "master-grads": near,
            "master-weights": near, "compute-weights": far,
            "activations": far, "compute-grads": near}


def plan_table(path, strategy):
    with open(path) as f:
        plan = json.load(f)
    strategies = plan.get("strategies") or []
    for s in strategies:
        if s.get("name") == strategy:
            if not s.get("feasible", True):
                sys.exit("zero_offload_step: plan %s: strategy %s is not "
                         "feasible: %s" % (path, strategy, s.get("error")))
            table = {k["name"]: k["policy"] for k in s.get("classes", [])}
            missing = [c for c in CLASSES if c not in table]
            if missing:
                sys.exit("zero_offload_step: plan %s: strategy %s has no "
                         "policy for %s" % (path, strategy,
                                            ", ".join(missing)))
            return table
    sys.exit("zero_offload_step: plan %s: no strategy %r (has: %s)" % (
        path, strategy, ", ".join(s.get("name", "?") for s in strategies)))


class Host(object):
    """The seven classes for an MLP of `layers` square layers of `hidden`."""

    def __init__(self, layers, hidden, tokens, make, state_policy):
        P = layers * hidden * hidden
        self.L, self.H, self.T, self.P = layers, hidden, tokens, P
        self.t = {
            "master-weights": make("master-weights", (P,), torch.float32),
            "master-grads": make("master-grads", (P,), torch.float32),
            "compute-weights": make("compute-weights", (P,), torch.bfloat16),
            "compute-grads": make("compute-grads", (P,), torch.bfloat16),
            "activations": make("activations", (layers, tokens, hidden),
                                torch.bfloat16),
        }
        mw = self.t["master-weights"]
        gen = torch.Generator().manual_seed(7)
        mw.copy_(torch.randn(P, generator=gen) / math.sqrt(hidden))
        mw.requires_grad_(True)
        self.opt = cxltier.optim.AdamW([mw], lr=1e-3, weight_decay=0.01,
                                       policy=state_policy)
        self.x = torch.randn(tokens, hidden, generator=gen)
        self.target = torch.randn(tokens, hidden, generator=gen)

    def layer(self, flat, i):
        n = self.H * self.H
        return flat[i * n:(i + 1) * n].view(self.H, self.H)

    def step(self):
        t, times = self.t, {}
        t0 = time.perf_counter()
        with torch.no_grad():       # CPU writes the compute weights once
            t["compute-weights"].copy_(t["master-weights"])
        t1 = time.perf_counter()
        h = self.x
        with torch.no_grad():       # forward: checkpoint each layer's input
            for i in range(self.L):
                t["activations"][i].copy_(h)
                w = self.layer(t["compute-weights"], i).float()
                h = torch.relu(h @ w.t())
        t2 = time.perf_counter()
        loss = ((h - self.target) ** 2).mean()
        g = 2.0 * (h - self.target) / h.numel()
        for i in reversed(range(self.L)):   # backward: recompute, then grad
            x = t["activations"][i].float().requires_grad_(True)
            w = self.layer(t["compute-weights"], i).float().requires_grad_(True)
            y = torch.relu(x @ w.t())
            gx, gw = torch.autograd.grad(y, (x, w), g)
            with torch.no_grad():           # the GPU's device-to-host write
                self.layer(t["compute-grads"], i).copy_(gw)
            g = gx
        t3 = time.perf_counter()
        with torch.no_grad():   # master grads from the bf16 grads
            t["master-grads"].copy_(t["compute-grads"])
        t["master-weights"].grad = t["master-grads"]
        self.opt.step()
        t4 = time.perf_counter()
        times.update(cast_ms=(t1 - t0) * 1e3, forward_ms=(t2 - t1) * 1e3,
                     backward_ms=(t3 - t2) * 1e3, optimizer_ms=(t4 - t3) * 1e3)
        return float(loss), times


def policy_shares(policy):
    p = cxltier.parse_policy(policy)
    nodes = [n for n, _w in p["nodes"]]
    return set(nodes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--params", default="8M",
                    help="parameters P (K/M/G suffixes); default 8M")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256,
                    help="tokens per step (batch 1)")
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--plan", help="JSON of tierctl plan --json")
    ap.add_argument("--strategy", default="cxltier",
                    help="which strategy of the plan (default cxltier)")
    ap.add_argument("--place", action="append", default=[],
                    metavar="CLASS=POLICY")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    try:
        backend = cxltier.init()
    except OSError as e:
        sys.exit("zero_offload_step: %s" % e)
    table, source = default_table(), dict.fromkeys(CLASSES, "default")
    if a.plan:
        table = plan_table(a.plan, a.strategy)
        source = dict.fromkeys(CLASSES, "plan:" + a.strategy)
    for item in a.place:
        name, _, pol = item.partition("=")
        if name not in CLASSES or not pol:
            sys.exit("zero_offload_step: --place %s: want CLASS=POLICY, "
                     "CLASS one of %s" % (item, ", ".join(CLASSES)))
        table[name], source[name] = pol, "--place"

    try:
        P = cxltier.parse_size(a.params)
    except ValueError as e:
        sys.exit("zero_offload_step: --params: %s" % e)
    hidden = max(8, int(math.sqrt(P / a.layers)))
    cuda = cxltier.cuda_available()

    def make_cx(name, shape, dtype):
        try:
            return cxltier.zeros(shape, dtype=dtype, policy=table[name],
                                 dedicated=True,
                                 pin_memory=cuda and name in PINNED)
        except (OSError, ValueError, RuntimeError) as e:
            sys.exit("zero_offload_step: class %s, policy %s: %s" % (
                name, table[name], e))

    state_policy = {"exp_avg": table["adam-m"], "exp_avg_sq": table["adam-v"]}
    host = Host(a.layers, hidden, a.seq, make_cx, state_policy)
    ref = Host(a.layers, hidden, a.seq,
               lambda n, s, d: torch.zeros(s, dtype=d), None)
    losses, times = [], []
    for i in range(a.steps):
        if not a.json:
            print("step %d/%d ..." % (i + 1, a.steps), file=sys.stderr)
        loss, tm = host.step()
        ref.step()
        losses.append(loss)
        times.append(tm)
    mw, rmw = host.t["master-weights"], ref.t["master-weights"]
    same = torch.equal(mw.detach().view(torch.int32),
                       rmw.detach().view(torch.int32))

    tensors = dict(host.t)
    st = host.opt.state[mw]
    tensors["adam-m"], tensors["adam-v"] = st["exp_avg"], st["exp_avg_sq"]
    classes = []
    for name in CLASSES:
        t = tensors[name]
        res = cxltier.residency(t)
        allowed = policy_shares(table[name])
        on_nodes = all(n in allowed for n in res)
        info = cxltier.allocation(t)
        classes.append({
            "name": name, "bytes": t.numel() * t.element_size(),
            "policy": info["policy"], "source": source[name],
            "pinned": info["pinned"], "resident": {str(k): v for k, v in
                                                   sorted(res.items())},
            "resident_bytes": res.total, "exact": res.exact,
            "placed_as_planned": on_nodes and
            res.total >= t.numel() * t.element_size(),
        })
    out = {"backend": backend, "cuda": cuda,
           "model": {"params": host.P, "layers": a.layers, "hidden": hidden,
                     "tokens": a.seq},
           "classes": classes,
           "step": {"steps": a.steps, "losses": losses,
                    "loss_finite": all(math.isfinite(x) for x in losses),
                    "matches_reference": same, "times_ms": times}}
    if a.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    else:
        print("backend %s, P=%d (%d layers of %dx%d), %d tokens, CUDA %s" % (
            backend, host.P, a.layers, hidden, hidden, a.seq,
            "yes" if cuda else "no (nothing pinned)"))
        print("%-16s %12s  %-28s %-8s %s" % ("CLASS", "BYTES", "POLICY",
                                             "SOURCE", "RESIDENT (node=bytes)"))
        for k in classes:
            print("%-16s %12d  %-28s %-8s %s%s" % (
                k["name"], k["bytes"], k["policy"], k["source"][:8],
                " ".join("%s=%d" % kv for kv in k["resident"].items()),
                "" if k["placed_as_planned"] else "  NOT AS PLANNED"))
        last = times[-1]
        print("step: loss %.6f; cast %.2f ms, forward %.2f ms, backward "
              "%.2f ms, optimizer %.2f ms" % (
                  losses[-1], last["cast_ms"], last["forward_ms"],
                  last["backward_ms"], last["optimizer_ms"]))
        print("master weights after %d step(s) %s the same step on ordinary "
              "tensors" % (a.steps, "bit-identical to" if same else
                           "DIFFER from"))
    ok = same and all(k["placed_as_planned"] for k in classes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
