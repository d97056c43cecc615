# SPDX-License-Identifier: LGPL-2.1-or-later
"""cxltier.optim.Adam and AdamW (python/cxltier/optim.py, doc/optimizer.md)
against torch.optim.Adam and AdamW.

Agreement is element by element, in ulps: torch's own vectorised and
scalar paths round differently (a fused multiply-add in one, not the other),
so bit equality with torch is not a property either side has.  The bound,
ULPS_PER_STEP for each step taken, follows from doc/optimizer.md: about ten
fp32 operations per element per step, each of which may round once
differently, and what m and v carry grows by at most that much per step.
The ulps are those of the larger of the weight before and after and the
learning rate: the last operation adds an update of about lr to the
weight, and where the two nearly cancel the result's own ulp says nothing.
One more case has no ulp bound: with Adam's L2 term, where the gradient
and wd * weight nearly cancel (more than COND_BITS bits), Adam divides that
rounding noise by its own square root and steps by about lr whatever it
was.  Such elements (here, where g and wd * p have one scale, about one in a
thousand) are found by replaying
the steps in float64; for them the test asks only that both sides moved
the weight by less than 10 lr per step (Adam's step is about lr).
Between this optimizer's own runs (threads, placements, SIMD paths) the
bound is zero: the same bits.
"""

import math
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))

import torch  # noqa: E402
import cxltier  # noqa: E402
import cxltier.optim  # noqa: E402

ULPS_PER_STEP = 8
COND_BITS = 10
SIZES = (1, 7, 17, 1023, (1 << 20) + 3)


def _ordered(t):
    """fp32 bits as integers that order like the values (for ulp distance)."""
    i = t.detach().contiguous().view(torch.int32).to(torch.int64)
    return torch.where(i < 0, -(i & 0x7fffffff), i)


def _ulp(x):
    """The spacing of fp32 numbers at |x| (x float64, not zero)."""
    return torch.pow(2.0, torch.floor(torch.log2(x.abs())) - 23)


def ulps(a, b, scale=None):
    """Largest distance between fp32 tensors a and b in ulps of ``scale``
    (default: the values themselves); NaN in both counts as equal, NaN in
    one only as infinitely far."""
    na, nb = torch.isnan(a), torch.isnan(b)
    if not torch.equal(na, nb):
        return math.inf
    keep = ~na
    if not keep.any():
        return 0
    if scale is None:
        return int((_ordered(a[keep]) - _ordered(b[keep])).abs().max())
    diff = (a[keep].double() - b[keep].double()).abs()
    if torch.isinf(diff).any() or torch.isnan(diff).any():
        return 0 if torch.equal(a[keep], b[keep]) else math.inf
    return float((diff / _ulp(scale[keep].double())).max())


def _same_bits(a, b):
    return torch.equal(a.contiguous().view(torch.int32),
                       b.contiguous().view(torch.int32))


def _nodes():
    ns = cxltier.nodes()
    d = next(n["node"] for n in ns if n["cpus"])
    c = next((n["node"] for n in ns if n["node"] != d), None)
    return d, c


def _grads(n, steps, seed, special=False):
    g = torch.Generator().manual_seed(seed)
    out = [torch.randn(n, generator=g) * 1e-2 for _ in range(steps)]
    if special and n >= 17:
        out[1][3] = float("nan")
        out[1][5] = float("inf")
        out[2][7] = float("-inf")
    return out


def _steps(cls, p, grads, kw, **extra):
    """``p`` after len(grads) steps of optimizer class ``cls``, with the
    learning rate and weight decay changed between steps, as a schedule
    does; and the optimizer."""
    opt = cls([p], **kw, **extra)
    for i, gr in enumerate(grads):
        for group in opt.param_groups:
            group["lr"], group["weight_decay"] = _lr_wd(i, kw)
        p.grad = gr.clone()
        opt.step()
    return p, opt


def _start(n, seed=1):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed))


def _run(cls, n, grads, kw, seed=1, **extra):
    """The weights after _steps() from n random ones (seeded)."""
    p, opt = _steps(cls, torch.nn.Parameter(_start(n, seed)), grads, kw,
                    **extra)
    return p.detach().clone(), opt


def _lr_wd(i, kw):
    """The schedule _steps() applies at step i (0-based)."""
    return (kw.get("lr", 1e-3) / (i + 1),
            0.0 if i == 1 else kw.get("weight_decay", 0.01))


def _ill_conditioned(start, grads, kw, l2):
    """Elements whose L2 gradient g + wd * p loses more than COND_BITS bits
    to cancellation at some step, found by replaying torch's Adam in
    float64 (the weights' path decides which ones)."""
    bad = torch.zeros(start.numel(), dtype=torch.bool)
    if not l2:
        return bad
    b1, b2 = kw.get("betas", (0.9, 0.999))
    p = start.double()
    m, v, vm = (torch.zeros_like(p) for _ in range(3))
    for i, g in enumerate(grads):
        lr, wd = _lr_wd(i, kw)
        g = -g.double() if kw.get("maximize") else g.double()
        if wd:
            gp = g + wd * p
            bad |= gp.abs() < 2.0 ** -COND_BITS * (g.abs() + (wd * p).abs())
            g = gp
        m = m * b1 + (1 - b1) * g
        v = v * b2 + (1 - b2) * g * g
        vm = torch.maximum(vm, v) if kw.get("amsgrad") else v
        bc1, bc2 = 1 - b1 ** (i + 1), 1 - b2 ** (i + 1)
        p = p - lr / bc1 * m / (vm.sqrt() / math.sqrt(bc2) + 1e-8)
    return bad


def assert_agrees(tc, ref, got, start, grads, kw, l2, what):
    """got agrees with torch's ref as the module's text says."""
    bad = _ill_conditioned(start, grads, kw, l2)
    # a property of the data, bounded so that the check stays one
    tc.assertLessEqual(int(bad.sum()), max(4, start.numel() // 64), what)
    ok = ~bad
    lr_max = kw.get("lr", 1e-3)
    scale = torch.maximum(torch.maximum(ref.abs(), start.abs()),
                          torch.tensor(lr_max)).double()
    d = ulps(ref[ok], got[ok], scale[ok])
    tc.assertLessEqual(d, ULPS_PER_STEP * len(grads),
                       "%s: %s ulps" % (what, d))
    if bad.any():
        limit = 10 * sum(_lr_wd(i, kw)[0] for i in range(len(grads)))
        for t in (ref, got):
            moved = (t[bad].double() - start[bad].double()).abs()
            tc.assertTrue(bool((moved <= limit + 0.1 * start[bad].abs()).all()),
                          what)


VARIANTS = [
    ("adamw", torch.optim.AdamW, "AdamW", {}),
    ("adamw_amsgrad", torch.optim.AdamW, "AdamW", {"amsgrad": True}),
    ("adamw_maximize", torch.optim.AdamW, "AdamW", {"maximize": True}),
    ("adam_l2", torch.optim.Adam, "Adam", {"weight_decay": 0.05}),
    ("adam_amsgrad", torch.optim.Adam, "Adam", {"amsgrad": True}),
]


class AgreesWithTorch(unittest.TestCase):
    def test_every_variant_and_size(self):
        steps = 3
        for name, tcls, ccls, kw in VARIANTS:
            kw = dict(kw, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
            for n in SIZES:
                with self.subTest(variant=name, n=n):
                    grads = _grads(n, steps, n)
                    ref, _ = _run(tcls, n, grads, kw, foreach=False)
                    got, _ = _run(getattr(cxltier.optim, ccls), n, grads, kw)
                    assert_agrees(self, ref, got, _start(n), grads, kw,
                                  tcls is torch.optim.Adam,
                                  "%s n=%d" % (name, n))

    def test_nan_and_inf_gradients(self):
        n, steps = 1023, 3
        for name, tcls, ccls, kw in VARIANTS:
            with self.subTest(variant=name):
                grads = _grads(n, steps, 5, special=True)
                ref, _ = _run(tcls, n, grads, kw, foreach=False)
                got, _ = _run(getattr(cxltier.optim, ccls), n, grads, kw)
                self.assertTrue(torch.isnan(ref[3]) and torch.isnan(got[3]))
                assert_agrees(self, ref, got, _start(n), grads, kw,
                              tcls is torch.optim.Adam, name)

    def test_empty_tensor(self):
        p = torch.nn.Parameter(torch.zeros(0))
        opt = cxltier.optim.AdamW([p])
        p.grad = torch.zeros(0)
        opt.step()
        self.assertEqual(int(opt.state[p]["step"]), 1)


class SameBits(unittest.TestCase):
    def test_threads_and_placements(self):
        d, c = _nodes()
        policies = [None, "bind:%d" % d]
        if c is not None:
            policies.append("split:%d=30%%,%d=70%%" % (d, c))
        n, grads = (1 << 18) + 5, _grads((1 << 18) + 5, 3, 9)
        kw = {"lr": 1e-3, "amsgrad": True}
        ref, _ = _run(cxltier.optim.AdamW, n, grads, kw, threads=1, simd=1)
        for pol in policies:
            for threads in (1, 2, 3):
                with self.subTest(policy=pol, threads=threads):
                    got, opt = _run(cxltier.optim.AdamW, n, grads, kw,
                                    threads=threads, policy=pol)
                    self.assertTrue(_same_bits(ref, got))
                    if pol is not None:
                        st = opt.state[opt.param_groups[0]["params"][0]]
                        self.assertTrue(cxltier.is_cxltier(st["exp_avg"]))


class Ranges(unittest.TestCase):
    def test_step_sees_the_layout(self):
        """The step is told where the state lies: the policy's nodes, in
        order, covering the tensor (a split: two ranges, 30% then 70%)."""
        d, c = _nodes()
        n = (4 << 20) // 4
        pols = [("bind:%d" % d, [d])]
        if c is not None:
            pols.append(("split:%d=30%%,%d=70%%" % (d, c), [d, c]))
        for pol, nodes in pols:
            with self.subTest(policy=pol):
                p = torch.nn.Parameter(torch.randn(n))
                opt = cxltier.optim.AdamW([p], policy=pol)
                p.grad = torch.randn(n)
                opt.step()
                r = opt.ranges(p)
                self.assertEqual([x[0] for x in r], nodes)
                self.assertEqual(sum(x[2] for x in r), n)
                if len(nodes) == 2:
                    # 30% of the buffer's pages, to one page
                    self.assertLessEqual(abs(r[0][2] - 0.3 * n), 1024)


class StateDict(unittest.TestCase):
    def _both_ways(self, src_cls, dst_cls):
        n, kw = 4099, {"lr": 1e-3, "weight_decay": 0.01}
        grads = _grads(n, 4, 3)
        # the whole run on torch, as the reference
        ref, _ = _run(torch.optim.AdamW, n, grads, kw, foreach=False)
        # two steps on one, a state_dict, two more on the other
        g = torch.Generator().manual_seed(1)
        p = torch.nn.Parameter(torch.randn(n, generator=g))
        a = src_cls([p], **kw)
        for i in range(2):
            for group in a.param_groups:
                group["lr"] = kw["lr"] / (i + 1)
                group["weight_decay"] = 0.0 if i == 1 else 0.01
            p.grad = grads[i].clone()
            a.step()
        b = dst_cls([p], **kw)
        b.load_state_dict(a.state_dict())
        for i in range(2, 4):
            for group in b.param_groups:
                group["lr"] = kw["lr"] / (i + 1)
                group["weight_decay"] = 0.01
            p.grad = grads[i].clone()
            b.step()
        self.assertEqual(int(b.state[p]["step"]), 4)
        self.assertLessEqual(ulps(ref, p.detach()), ULPS_PER_STEP * 4)
        return b, p

    def test_from_torch(self):
        b, p = self._both_ways(torch.optim.AdamW, cxltier.optim.AdamW)
        self.assertTrue(cxltier.is_cxltier(b.state[p]["exp_avg"]) or
                        b._policy(p, "exp_avg") is None)

    def test_to_torch(self):
        self._both_ways(cxltier.optim.AdamW, torch.optim.AdamW)

    def test_placed_after_load(self):
        d, _ = _nodes()
        p = torch.nn.Parameter(torch.randn(1000))
        t = torch.optim.AdamW([p])
        p.grad = torch.randn(1000)
        t.step()
        c = cxltier.optim.AdamW([p], policy="bind:%d" % d)
        c.load_state_dict(t.state_dict())
        st = c.state[p]
        self.assertTrue(cxltier.is_cxltier(st["exp_avg"]))
        self.assertTrue(cxltier.is_cxltier(st["exp_avg_sq"]))
        self.assertTrue(_same_bits(st["exp_avg"], t.state[p]["exp_avg"]))


class BadInput(unittest.TestCase):
    def test_bad_policy_refused_up_front(self):
        p = torch.nn.Parameter(torch.randn(10))
        with self.assertRaises(ValueError):
            cxltier.optim.AdamW([p], policy="bogus:0")
        with self.assertRaises(ValueError):
            cxltier.optim.AdamW([p], policy={"exp_avgg": "bind:0"})
        with self.assertRaises(ValueError):
            cxltier.optim.AdamW([p], betas=(1.0, 0.9))

    def test_bad_policy_leaves_optimizer_unchanged(self):
        d, _ = _nodes()
        p = torch.nn.Parameter(torch.randn(10))
        before = p.detach().clone()
        choice = {"policy": "bogus:0"}
        opt = cxltier.optim.AdamW([p], policy=lambda prm, cls: choice["policy"])
        p.grad = torch.randn(10)
        for _ in range(2):      # and again: a retry meets the same state
            with self.assertRaises(ValueError):
                opt.step()
            self.assertEqual(len(opt.state), 0)
            self.assertTrue(_same_bits(before, p.detach()))
        choice["policy"] = "bind:%d" % d
        opt.step()
        self.assertEqual(int(opt.state[p]["step"]), 1)

    def test_wrong_tensors_refused(self):
        p = torch.nn.Parameter(torch.randn(10, dtype=torch.float64))
        opt = cxltier.optim.AdamW([p])
        p.grad = torch.randn(10, dtype=torch.float64)
        with self.assertRaises(ValueError):
            opt.step()
        self.assertEqual(len(opt.state), 0)


class Bf16(unittest.TestCase):
    def test_master_weights(self):
        """bf16 parameters: the fp32 master copy is stepped and the bf16
        weights written back, the same bits as the fp32 step begun from the
        same weights with the same (bf16) gradients, then rounded."""
        n, grads = 5000, [g.bfloat16() for g in _grads(5000, 3, 11)]
        start = torch.randn(n, generator=torch.Generator().manual_seed(1))
        p, opt = _steps(cxltier.optim.AdamW,
                        torch.nn.Parameter(start.bfloat16()), grads, {})
        q, _ = _steps(cxltier.optim.AdamW,
                      torch.nn.Parameter(start.bfloat16().float()),
                      [g.float() for g in grads], {})
        master = opt.state[p]["master"]
        self.assertEqual(master.dtype, torch.float32)
        self.assertTrue(_same_bits(master, q.detach()))
        self.assertTrue(torch.equal(p.detach(), q.detach().bfloat16()))


if __name__ == "__main__":
    unittest.main()
