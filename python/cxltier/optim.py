# SPDX-License-Identifier: LGPL-2.1-or-later
"""cxltier.optim: torch.optim.Adam and AdamW whose step is libtier's fused C
step (libtier/optim, doc/optimizer.md) and whose state lives in cxltier
memory, placed by a policy per state class.

    opt = cxltier.optim.AdamW(model.parameters(), lr=1e-4,
                              policy={"exp_avg": "split:0=60%,2=40%",
                                      "exp_avg_sq": "split:0=60%,2=40%"})

Drop-in for torch's: the same hyper-parameters and param groups, the same
state keys ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), so a
state_dict() moves between this optimizer and torch's both ways.  What it
loads is copied into cxltier memory under this optimizer's policies.

bf16 parameters get fp32 master weights (state "master", placed like the
moments): the step updates the master copy and writes the rounded bf16
weights back into the parameter in the same pass.  Such a state dict is
this optimizer's own (torch keeps no master copy).

Parameters must be CPU tensors, contiguous, fp32 (or bf16 as above), with
fp32 or bf16 gradients; anything else is refused before anything changes.
"""

import ctypes

import torch

from . import _fail, _load, _parse, _record, is_cxltier, zeros

__all__ = ["Adam", "AdamW", "STATE_CLASSES"]

# The state classes a policy can name.
STATE_CLASSES = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "master")

_DECOUPLED, _AMSGRAD, _MAXIMIZE = 1 << 0, 1 << 1, 1 << 2
_DTYPE_F32, _DTYPE_BF16 = 0, 1
_u32, _u64 = ctypes.c_uint32, ctypes.c_uint64


class _HParams(ctypes.Structure):
    _fields_ = [("lr", ctypes.c_double), ("beta1", ctypes.c_double),
                ("beta2", ctypes.c_double), ("eps", ctypes.c_double),
                ("weight_decay", ctypes.c_double), ("step", _u64),
                ("flags", _u32), ("reserved", _u32)]


class _Tensor(ctypes.Structure):
    _fields_ = [("param", ctypes.c_void_p), ("grad", ctypes.c_void_p),
                ("exp_avg", ctypes.c_void_p), ("exp_avg_sq", ctypes.c_void_p),
                ("max_exp_avg_sq", ctypes.c_void_p),
                ("param_bf16", ctypes.c_void_p), ("grad_dtype", _u32),
                ("reserved", _u32), ("n", ctypes.c_size_t)]


class _Range(ctypes.Structure):
    _fields_ = [("tensor", _u32), ("node", ctypes.c_int32),
                ("start", ctypes.c_size_t), ("count", ctypes.c_size_t)]


class _Opts(ctypes.Structure):
    _fields_ = [("threads", _u32), ("simd", _u32), ("flags", _u32),
                ("reserved", _u32)]


_declared = None


def _lib():
    global _declared
    lib = _load()
    if _declared is not lib:
        P, c_int, c_void_p = ctypes.POINTER, ctypes.c_int, ctypes.c_void_p
        sigs = {
            "tier_optim_create": (c_int, [P(c_void_p), P(_Opts)]),
            "tier_optim_destroy": (None, [c_void_p]),
            "tier_optim_threads": (ctypes.c_uint, [c_void_p]),
            "tier_optim_simd": (ctypes.c_uint, [c_void_p]),
            "tier_optim_simd_name": (ctypes.c_char_p, [ctypes.c_uint]),
            "tier_adam_step": (c_int, [c_void_p, P(_HParams), P(_Tensor),
                                       ctypes.c_size_t, P(_Range),
                                       ctypes.c_size_t]),
            "tier_optim_arena_ranges": (c_int, [c_void_p, c_void_p, _u32,
                                                ctypes.c_size_t,
                                                ctypes.c_size_t, P(_Range),
                                                ctypes.c_size_t]),
        }
        for name, (res, args) in sigs.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        _declared = lib
    return lib


class _Workers(object):
    """libtier's persistent step threads, stopped when the optimizer dies."""

    def __init__(self, threads, simd):
        lib = _lib()
        self._lib, self.handle = lib, ctypes.c_void_p()
        opts = _Opts(threads or 0, simd or 0, 0, 0)
        rc = lib.tier_optim_create(ctypes.byref(self.handle),
                                   ctypes.byref(opts))
        if rc < 0:
            raise _fail(rc, "cxltier.optim: starting %s step threads"
                        % (threads or "the default number of"))

    def __del__(self):
        if getattr(self, "handle", None):
            self._lib.tier_optim_destroy(self.handle)
            self.handle = None

    def describe(self):
        simd = self._lib.tier_optim_simd(self.handle)
        return (self._lib.tier_optim_threads(self.handle),
                self._lib.tier_optim_simd_name(simd).decode())


def _policies(policy):
    """A function (param, state class) -> policy string or None, from a
    string, a dict by state class, a callable, or None (plain memory).
    Every string given is parsed now: a bad one raises ValueError before
    the optimizer exists."""
    if policy is None or isinstance(policy, str):
        if policy is not None:
            _parse(policy)
        return lambda p, cls: policy
    if isinstance(policy, dict):
        for cls, pol in policy.items():
            if cls not in STATE_CLASSES:
                raise ValueError("cxltier.optim: policy for %r: not a state "
                                 "class (%s)" % (cls, ", ".join(STATE_CLASSES)))
            if pol is not None:
                _parse(pol)
        return lambda p, cls: policy.get(cls)
    if callable(policy):
        return policy
    raise TypeError("cxltier.optim: policy must be a string, a dict by state "
                    "class, a callable or None, not %s" % type(policy).__name__)


def _ranges(ts):
    """Where each tensor's first moment lies, node by node, from its
    buffer's layout (tier_optim_arena_ranges()): the step then streams every
    node at once (doc/optimizer.md).  Plain tensors are left out: the step
    treats what no range names as one unknown node."""
    lib, out = _lib(), []
    for i, t in enumerate(ts):
        if not is_cxltier(t):
            continue
        rec = _record(t)
        n = lib.tier_optim_arena_ranges(rec.arena.handle, t.data_ptr(), i, 4,
                                        t.numel(), None, 0)
        if n > 0:
            arr = (_Range * n)()
            n = lib.tier_optim_arena_ranges(rec.arena.handle, t.data_ptr(), i,
                                            4, t.numel(), arr, n)
        if n < 0:
            raise _fail(n, "cxltier.optim: where a state tensor lies")
        out.extend(arr[:n] if n else [])
    return (_Range * len(out))(*out), len(out)


def _check_param(p):
    if p.device.type != "cpu" or p.dtype not in (torch.float32,
                                                 torch.bfloat16):
        raise ValueError("cxltier.optim: parameters must be fp32 or bf16 CPU "
                         "tensors, not %s on %s" % (p.dtype, p.device))
    if not p.is_contiguous():
        raise ValueError("cxltier.optim: parameters must be contiguous")
    g = p.grad
    if g.is_sparse:
        raise RuntimeError("cxltier.optim: sparse gradients are not supported")
    if (g.device.type != "cpu" or g.dtype not in (torch.float32,
                                                  torch.bfloat16)
            or not g.is_contiguous() or g.numel() != p.numel()):
        raise ValueError("cxltier.optim: a gradient must be a contiguous fp32 "
                         "or bf16 CPU tensor of its parameter's size")


class Adam(torch.optim.Optimizer):
    """torch.optim.Adam, stepped by libtier (see the module's text).

    Extra arguments: ``policy`` (a policy string for all state, a dict by
    state class, a callable (param, state class) -> policy, or None for
    plain memory), ``threads`` (step threads; default one per CPU),
    ``simd`` (0 the widest the CPU has; 1 scalar, 2 AVX2, 3 AVX-512),
    ``dedicated`` (every state tensor in a buffer of its own, as
    :func:`cxltier.empty`'s ``dedicated``: a small tensor then lies exactly
    as its policy says, not in a shared slab)."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0, amsgrad=False, *, maximize=False,
                 foreach=None, capturable=False, differentiable=False,
                 fused=False, policy=None, threads=None, simd=None,
                 dedicated=False):
        if not 0.0 <= lr:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if not 0.0 <= eps:
            raise ValueError("Invalid epsilon value: {}".format(eps))
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError("Invalid beta parameter at index 0: {}"
                             .format(betas[0]))
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError("Invalid beta parameter at index 1: {}"
                             .format(betas[1]))
        if not 0.0 <= weight_decay:
            raise ValueError("Invalid weight_decay value: {}"
                             .format(weight_decay))
        if capturable or differentiable or fused:
            raise ValueError("cxltier.optim: capturable, differentiable and "
                             "fused are torch's device paths; this step runs "
                             "on the CPU")
        self._policy = _policies(policy)
        self._dedicated = bool(dedicated)
        defaults = dict(lr=lr, betas=betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach,
                        capturable=capturable)
        if not self._decoupled:
            defaults.update(differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        self._workers = _Workers(threads, simd)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, val in (("amsgrad", False), ("maximize", False),
                             ("foreach", None), ("capturable", False)):
                group.setdefault(key, val)

    def describe(self):
        """(threads, SIMD path name) the step runs on."""
        return self._workers.describe()

    def ranges(self, p):
        """[(node, first element, elements)]: where ``p``'s first moment
        lies, as the step cuts its work by node."""
        ranges, nr = _ranges([self.state[p]["exp_avg"]])
        return [(r.node, r.start, r.count) for r in ranges[:nr]]

    # -- state ----------------------------------------------------------

    def _zeros(self, p, cls, like=None):
        pol = self._policy(p, cls)
        t = zeros(tuple(p.shape), dtype=torch.float32, policy=pol,
                  dedicated=getattr(self, "_dedicated", False)) \
            if pol is not None else torch.zeros(tuple(p.shape),
                                                dtype=torch.float32)
        if like is not None:
            t.copy_(like)
        return t

    def _new_state(self, p, group, src=None):
        """The state of ``p``, all made before any is stored, in cxltier
        memory; ``src`` (a loaded state) gives the values."""
        src = src or {}
        st = {"step": torch.tensor(float(src["step"]) if "step" in src
                                   else 0.0)}
        names = ["exp_avg", "exp_avg_sq"]
        if group["amsgrad"]:
            names.append("max_exp_avg_sq")
        if p.dtype == torch.bfloat16:
            names.append("master")
        for cls in names:
            like = src.get(cls)
            if cls == "master" and like is None:
                like = p.detach()
            st[cls] = self._zeros(p, cls, like)
        return st

    def load_state_dict(self, state_dict):
        """torch's, then every state tensor copied into cxltier memory under
        this optimizer's policies (torch's loader gives plain tensors)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    self.state[p] = self._new_state(p, group, self.state[p])

    # -- the step -------------------------------------------------------

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        work, fresh = [], {}
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                _check_param(p)
                if not self.state.get(p):
                    fresh[p] = self._new_state(p, group)
            work.append((group, params))
        # everything checked and made: only now is anything changed
        for p, st in fresh.items():
            self.state[p] = st
        for group, params in work:
            self._step_group(group, params)
        return loss

    def _step_group(self, group, params):
        beta1, beta2 = group["betas"]
        flags = ((_DECOUPLED if self._decoupled else 0) |
                 (_AMSGRAD if group["amsgrad"] else 0) |
                 (_MAXIMIZE if group["maximize"] else 0))
        by_step = {}
        for p in params:
            st = self.state[p]
            st["step"] += 1
            by_step.setdefault(int(st["step"].item()), []).append(p)
        for step, ps in sorted(by_step.items()):
            arr = (_Tensor * len(ps))()
            for i, p in enumerate(ps):
                st, g = self.state[p], p.grad
                bf16 = p.dtype == torch.bfloat16
                arr[i].param = (st["master"] if bf16 else p).data_ptr()
                arr[i].param_bf16 = p.data_ptr() if bf16 else None
                arr[i].grad = g.data_ptr()
                arr[i].grad_dtype = (_DTYPE_BF16 if g.dtype == torch.bfloat16
                                     else _DTYPE_F32)
                arr[i].exp_avg = st["exp_avg"].data_ptr()
                arr[i].exp_avg_sq = st["exp_avg_sq"].data_ptr()
                if group["amsgrad"]:
                    arr[i].max_exp_avg_sq = st["max_exp_avg_sq"].data_ptr()
                arr[i].n = p.numel()
            hp = _HParams(group["lr"], beta1, beta2, group["eps"],
                          group["weight_decay"], step, flags, 0)
            ranges, nr = _ranges([self.state[p]["exp_avg"] for p in ps])
            rc = _lib().tier_adam_step(self._workers.handle, ctypes.byref(hp),
                                       arr, len(ps), ranges, nr)
            if rc < 0:
                raise _fail(rc, "cxltier.optim: step %d" % step)


class AdamW(Adam):
    """torch.optim.AdamW, stepped by libtier (see :class:`Adam`)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2, amsgrad=False, **kw):
        super().__init__(params, lr=lr, betas=betas, eps=eps,
                         weight_decay=weight_decay, amsgrad=amsgrad, **kw)
