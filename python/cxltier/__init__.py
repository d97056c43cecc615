# SPDX-License-Identifier: LGPL-2.1-or-later
"""cxltier for PyTorch: tensors whose memory is placed on chosen DRAM and CXL
NUMA nodes.

A thin ctypes layer over libtier (libtier/libtier.h); no build step beyond
the project's ``make``.  Each tensor's storage is an allocation of a libtier
arena (``tier_arena_alloc``) that follows a placement policy, exposed to torch
without a copy (``torch.frombuffer`` over the mapping); the allocation is
freed when the last tensor (or view) using the storage dies.

    import cxltier, torch
    m = cxltier.zeros(4096, 4096, dtype=torch.float32, policy="bind:0")
    w = cxltier.empty((1 << 28,), dtype=torch.bfloat16,
                      policy="split:0=30%,2=70%")
    cxltier.residency(w)        # {0: bytes, 2: bytes} once touched

Policies are libtier's strings (README.md "Policies", tier_policy_parse() in
libtier.h): ``bind:N,...``, ``preferred:N,...``, ``interleave:N,...``,
``weighted:N=W,...``, ``split:N=P%,...``, with options ``page=2M``,
``chunk=SIZE``, ``fallback``, ``populate``, ``pinnable``, ``huge-fallback``;
node ranges (``bind:0-3``) and this host's tiers (``interleave:cxl``,
``weighted:dram=3,cxl=1``, ``interleave:all``) where nodes go.

Where placement happens: pages are allocated at their first touch (or at
creation with ``populate``), so ``empty()`` places nothing until written;
``zeros()`` writes every byte.  Tensors below 1 MiB share 2 MiB slabs with
other tensors of the same policy (the arena's size classes): a ``split`` or
``weighted`` policy then applies to the slab, not to each small tensor.
``dedicated=True`` (implied by ``pin_memory=True``) gives a tensor a buffer
of its own, so that even a small one gets the policy's exact proportions.

The library is found, in this order, at ``$CXLTIER_LIBTIER`` (a path to
libtier.so.1: it alone is tried), at ``build/lib/libtier.so.1`` of the
source tree when the package is imported from one (python/cxltier of a
cxltier checkout, ``$BUILD`` for another build directory), else as an
installed ``libtier.so.1`` by the dynamic linker (``$LD_LIBRARY_PATH``,
ld.so.cache: /usr/lib/x86_64-linux-gnu, /usr/local/lib once ldconfig has
run), then at /usr/local/lib/libtier.so.1 (``make install``'s default
before ldconfig).  ``backend()["library"]`` says which file was loaded.
The package installs with ``pip install .`` from the tree's top
(pyproject.toml).  The backend (the cxltier module, or the mbind fallback
without it) is chosen by libtier: ``$LIBTIER_BACKEND`` ("module", "mbind",
"auto"), or :func:`init`.
"""

import ctypes
import errno as _errno
import os
import threading
import warnings
import weakref

import torch

__all__ = [
    "CxltierError", "init", "available", "backend", "nodes", "default_policy",
    "parse_policy", "parse_size", "empty", "zeros", "empty_like", "zeros_like",
    "is_cxltier", "residency", "allocation", "pin", "unpin", "cuda_available",
    "arena_stats", "trim",
]

# --------------------------------------------------------------------------
# libtier's ABI (libtier/libtier.h, uapi/linux/cxltier.h).  tests/python
# checks these layouts against the C compiler's.

_u32, _u64 = ctypes.c_uint32, ctypes.c_uint64

MAX_POLICY_NODES = 64           # CXLTIER_MAX_POLICY_NODES
POLICY_STRLEN = 1536            # TIER_POLICY_STRLEN
OPEN_FALLBACK = 1 << 0          # TIER_OPEN_FALLBACK
OPEN_MODULE = 1 << 1            # TIER_OPEN_MODULE
TIER_DRAM, TIER_CXL = 0, 1      # CXLTIER_TIER_*
NODE_HAS_CPUS = 1 << 0          # CXLTIER_NODE_HAS_CPUS
NODE_MOVABLE_ONLY = 1 << 1      # CXLTIER_NODE_MOVABLE_ONLY
RESIDENCY_EXACT = 1 << 0        # TIER_RESIDENCY_EXACT
ALLOC_SMALL, ALLOC_LARGE = 1, 2  # TIER_ALLOC_*
SMALL_MAX = 1 << 20             # TIER_ARENA_SMALL_MAX


class _PolicyNode(ctypes.Structure):
    _fields_ = [("node", _u32), ("weight", _u32)]


class _Policy(ctypes.Structure):
    _fields_ = [("mode", _u32), ("flags", _u32), ("page_shift", _u32),
                ("nr_nodes", _u32), ("chunk_shift", _u32),
                ("_reserved", _u32 * 3),
                ("nodes", _PolicyNode * MAX_POLICY_NODES)]


class _Node(ctypes.Structure):
    _fields_ = [("node", _u32), ("tier", _u32), ("flags", _u32),
                ("zones", _u32), ("nearest_cpu_node", _u32),
                ("distance", _u32), ("total_bytes", _u64),
                ("free_bytes", _u64), ("movable_bytes", _u64),
                ("_reserved", _u64 * 4)]


class _Info(ctypes.Structure):
    _fields_ = [("api_version", _u32), ("max_policy_nodes", _u32),
                ("supported_modes", _u64), ("supported_create_flags", _u64),
                ("supported_page_sizes", _u64), ("page_size", _u64),
                ("_reserved", _u64 * 4)]


class _NodeBytes(ctypes.Structure):
    _fields_ = [("node", _u32), ("_reserved", _u32), ("bytes", _u64)]


class _AllocInfo(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_void_p), ("size", _u64), ("buf_id", _u64),
                ("buf_offset", _u64), ("kind", _u32), ("_reserved32", _u32),
                ("_reserved", _u64 * 2)]


class _ArenaOpts(ctypes.Structure):
    _fields_ = [("large_threshold", _u64), ("va_reserve", _u64),
                ("flags", _u32), ("_reserved32", _u32),
                ("_reserved", _u64 * 4)]


class _ArenaStat(ctypes.Structure):
    _fields_ = [("in_use_bytes", _u64), ("nr_allocs", _u64),
                ("reserved_bytes", _u64), ("nr_slabs", _u64),
                ("nr_large", _u64), ("small_in_use_bytes", _u64),
                ("resident_bytes", _u64), ("nr_resident", _u32),
                ("_reserved32", _u32),
                ("resident", ctypes.POINTER(_NodeBytes)),
                ("_reserved", _u64 * 4)]


_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int,
                           ctypes.c_char_p)


class CxltierError(OSError):
    """A libtier call failed: ``errno`` is its errno, the message says which
    call, on what, and libtier's own explanation where it logged one."""


# --------------------------------------------------------------------------
# Loading the library

SONAME = "libtier.so.1"          # the ABI this package speaks (LIBTIER_1.x)


def _source_tree():
    """The top of the cxltier checkout this package is imported from, or
    None (an installed package: its build tree is nobody's business)."""
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    if os.path.basename(os.path.dirname(here)) == "python" and \
       os.path.isfile(os.path.join(top, "libtier", "libtier.map")):
        return top
    return None


def _library_candidates():
    env = os.environ.get("CXLTIER_LIBTIER")
    if env:
        return [env]
    cands = []
    top = _source_tree()
    if top is not None:
        build = os.environ.get("BUILD") or os.path.join(top, "build")
        cands.append(os.path.join(build, "lib", SONAME))
    # installed: the dynamic linker's search, by the SONAME (not
    # find_library("tier"), which may name another ABI's libtier.so.N)
    cands.append(SONAME)
    cands.append(os.path.join("/usr/local/lib", SONAME))
    return cands


class _LinkMap(ctypes.Structure):
    # the head of glibc's struct link_map (<link.h>)
    _fields_ = [("l_addr", ctypes.c_void_p), ("l_name", ctypes.c_char_p)]


def _loaded_path(lib, name):
    """The file the dynamic linker loaded for ``lib`` (dlinfo
    RTLD_DI_LINKMAP), else ``name``."""
    try:
        dlinfo = ctypes.CDLL(None).dlinfo
        dlinfo.restype = ctypes.c_int
        dlinfo.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lm = ctypes.POINTER(_LinkMap)()
        if dlinfo(lib._handle, 2, ctypes.byref(lm)) == 0 and lm and \
           lm.contents.l_name:
            return os.fsdecode(lm.contents.l_name)
    except (AttributeError, OSError, ValueError):
        pass
    return name


def _declare(lib):
    P, c_int, c_void_p = ctypes.POINTER, ctypes.c_int, ctypes.c_void_p
    sigs = {
        "tier_version": (ctypes.c_char_p, []),
        "tier_open": (c_int, [P(c_void_p), ctypes.c_uint]),
        "tier_close": (None, [c_void_p]),
        "tier_set_log": (None, [c_void_p, _LOG_FN, c_void_p]),
        "tier_backend_name": (ctypes.c_char_p, [c_void_p]),
        "tier_module_error": (c_int, [c_void_p]),
        "tier_get_info": (c_int, [c_void_p, P(_Info)]),
        "tier_topo_refresh": (c_int, [c_void_p]),
        "tier_nr_nodes": (c_int, [c_void_p]),
        "tier_node": (c_int, [c_void_p, c_int, P(_Node)]),
        "tier_mode_name": (ctypes.c_char_p, [_u32]),
        "tier_tier_name": (ctypes.c_char_p, [_u32]),
        "tier_size_parse": (c_int, [ctypes.c_char_p, P(ctypes.c_uint64)]),
        "tier_policy_parse_ctx": (c_int, [c_void_p, ctypes.c_char_p,
                                          P(_Policy)]),
        "tier_policy_explain_ctx": (c_int, [c_void_p, ctypes.c_char_p,
                                            ctypes.c_char_p,
                                            ctypes.c_size_t]),
        "tier_policy_format": (c_int, [P(_Policy), ctypes.c_char_p,
                                       ctypes.c_size_t]),
        "tier_arena_create": (c_int, [c_void_p, P(_Policy), P(_ArenaOpts),
                                     P(c_void_p)]),
        "tier_arena_alloc": (c_int, [c_void_p, ctypes.c_size_t,
                                    ctypes.c_size_t, P(c_void_p)]),
        "tier_arena_free": (c_int, [c_void_p, c_void_p]),
        "tier_arena_owns": (c_int, [c_void_p, c_void_p]),
        "tier_arena_lookup": (c_int, [c_void_p, c_void_p, P(_AllocInfo)]),
        "tier_arena_residency": (c_int, [c_void_p, c_void_p, P(_NodeBytes),
                                        ctypes.c_uint, P(_u32)]),
        "tier_arena_stat": (c_int, [c_void_p, P(_ArenaStat)]),
        "tier_arena_trim": (c_int, [c_void_p]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args


_lib = None
_lib_path = None
_lib_error = None
_lock = threading.RLock()


def _load():
    global _lib, _lib_path, _lib_error
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for cand in _library_candidates():
            if os.sep in cand and not os.path.exists(cand):
                errors.append("%s: not found" % cand)
                continue
            try:
                lib = ctypes.CDLL(cand)
                _declare(lib)
            except (OSError, AttributeError) as e:
                errors.append("%s: %s" % (cand, e))
                continue
            _lib, _lib_path = lib, _loaded_path(lib, cand)
            return lib
        _lib_error = "; ".join(errors)
        raise CxltierError(_errno.ENOENT, "cxltier: cannot load libtier "
                           "(install it, run make in the source tree, or set "
                           "CXLTIER_LIBTIER): " + _lib_error)


# --------------------------------------------------------------------------
# The context: one per process, opened at first use

_ctx = None
_log_state = threading.local()


@_LOG_FN
def _log_hook(_priv, prio, msg):
    # Called synchronously in the thread of the failing call: keep the last
    # error line so that the exception can say why.
    if prio <= 3 and msg:
        _log_state.last = msg.decode(errors="replace")


def _take_log():
    msg = getattr(_log_state, "last", None)
    _log_state.last = None
    return msg


def _fail(rc, what):
    why = _take_log()
    text = "%s: %s" % (what, os.strerror(-rc))
    if why:
        text += " (%s)" % why
    return CxltierError(-rc, text)


_BACKEND_FLAGS = {None: None, "auto": 0, "module": OPEN_MODULE,
                  "cxltier": OPEN_MODULE, "mbind": OPEN_FALLBACK}


def init(backend=None):
    """Open libtier's context now.

    backend: None (libtier's choice: $LIBTIER_BACKEND, else the module when
    /dev/cxltier opens, else mbind), "auto", "module" (fail without it) or
    "mbind".  Calling it again with another backend after the context is
    open is an error: tensors already made belong to the first one.
    Returns the backend's name ("cxltier" or "mbind").
    """
    global _ctx
    if backend not in _BACKEND_FLAGS:
        raise ValueError("cxltier.init: backend %r: not one of auto, module, "
                         "mbind" % (backend,))
    flags = _BACKEND_FLAGS[backend]
    lib = _load()
    with _lock:
        if _ctx is not None:
            want = {OPEN_MODULE: "cxltier", OPEN_FALLBACK: "mbind"}.get(flags)
            if want and want != _backend_name():
                raise CxltierError(_errno.EBUSY, "cxltier.init(%s): already "
                                   "open with the %s backend" % (
                                       backend, _backend_name()))
            return _backend_name()
        ctx = ctypes.c_void_p()
        rc = lib.tier_open(ctypes.byref(ctx), flags or 0)
        if rc < 0:
            raise CxltierError(-rc, "cxltier: tier_open(%s): %s" % (
                backend or os.environ.get("LIBTIER_BACKEND") or "auto",
                os.strerror(-rc)))
        lib.tier_set_log(ctx, _log_hook, None)
        _ctx = ctx
        return _backend_name()


def _context():
    if _ctx is None:
        init()
    return _ctx


def _backend_name():
    return _lib.tier_backend_name(_ctx).decode()


def available():
    """True when libtier loads and a context opens (either backend)."""
    try:
        _context()
        return True
    except OSError:
        return False


def cuda_available():
    """True when torch sees a CUDA device (pinning needs one)."""
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a torch without CUDA support at all
        return False


def nodes(refresh=False):
    """The host's memory nodes, as libtier sees them: a list of dicts with
    node, tier ("dram"/"cxl"), cpus (bool), movable_only, nearest_cpu_node,
    distance, total_bytes, free_bytes, movable_bytes."""
    ctx = _context()
    with _lock:
        if refresh:
            rc = _lib.tier_topo_refresh(ctx)
            if rc < 0:
                raise _fail(rc, "cxltier.nodes: topology refresh")
        n = _lib.tier_nr_nodes(ctx)
        out = []
        for i in range(n):
            nd = _Node()
            rc = _lib.tier_node(ctx, i, ctypes.byref(nd))
            if rc < 0:
                raise _fail(rc, "cxltier.nodes: node %d" % i)
            out.append({
                "node": nd.node,
                "tier": _tier_name(nd.tier),
                "cpus": bool(nd.flags & NODE_HAS_CPUS),
                "movable_only": bool(nd.flags & NODE_MOVABLE_ONLY),
                "nearest_cpu_node": nd.nearest_cpu_node,
                "distance": nd.distance,
                "total_bytes": nd.total_bytes,
                "free_bytes": nd.free_bytes,
                "movable_bytes": nd.movable_bytes,
            })
    return out


def _tier_name(tier):
    # libtier's spelling, the one of policies and tierctl: "dram", "cxl"
    name = _lib.tier_tier_name(tier)
    return name.decode() if name else tier


def backend():
    """A report of what this process can use: the library, its version, the
    backend and why the module is not used, the nodes, CUDA."""
    report = {"library": None, "version": None, "backend": None,
              "module_error": None, "api_version": None, "nodes": [],
              "cuda": cuda_available(), "error": None}
    try:
        _context()
    except OSError as e:
        report["library"] = _lib_path
        report["error"] = str(e)
        return report
    info = _Info()
    _lib.tier_get_info(_ctx, ctypes.byref(info))
    merr = _lib.tier_module_error(_ctx)
    report.update(library=_lib_path,
                  version=_lib.tier_version().decode(),
                  backend=_backend_name(),
                  module_error=os.strerror(-merr) if merr else None,
                  api_version=info.api_version or None,
                  nodes=nodes())
    return report


def default_policy():
    """$CXLTIER_POLICY, else "preferred:N" for the first node with CPUs
    (where an ordinary allocation of the main thread would go)."""
    env = os.environ.get("CXLTIER_POLICY")
    if env:
        return env
    for nd in nodes():
        if nd["cpus"]:
            return "preferred:%d" % nd["node"]
    return "preferred:%d" % nodes()[0]["node"]


# libtier's word for a string that is fine but for a tier name, which
# only a context's topology resolves (tier_policy_parse_ctx() with NULL)
_NEEDS_TOPOLOGY = ": a tier name needs this host's topology"


def _explain(ctx, data, rc):
    why = ctypes.create_string_buffer(256)
    _lib.tier_policy_explain_ctx(ctx, data, why, len(why))
    return why.value.decode(errors="replace") or os.strerror(-rc)


def _parse(policy):
    """(struct tier_policy, canonical string).  ValueError for what the
    grammar refuses, with libtier's message, whether or not a backend opens;
    a policy that names a tier (all, dram, cxl) needs the host's topology:
    the context, opened here (CxltierError when it cannot be)."""
    lib = _load()
    if not isinstance(policy, str):
        raise TypeError("cxltier: policy must be a string like 'bind:0', "
                        "not %s" % type(policy).__name__)
    data = policy.encode()
    pol = _Policy()
    # the string first, without the host: libtier checks all of it before
    # saying that a tier name needs a topology
    rc = lib.tier_policy_parse_ctx(None, data, ctypes.byref(pol))
    if rc < 0:
        why = _explain(None, data, rc)
        if _NEEDS_TOPOLOGY not in why:
            raise ValueError("cxltier: policy %r: %s (see README.md, "
                             "Policies)" % (policy, why))
        try:
            ctx = _context()
        except CxltierError as e:
            raise CxltierError(e.errno, "cxltier: policy %r: %s, and no "
                               "libtier context opens: %s" % (
                                   policy, why.split(" (")[0],
                                   e.strerror or e)) from e
        rc = lib.tier_policy_parse_ctx(ctx, data, ctypes.byref(pol))
        if rc < 0:
            raise ValueError("cxltier: policy %r: %s (see README.md, "
                             "Policies)" % (policy, _explain(ctx, data, rc)))
    buf = ctypes.create_string_buffer(POLICY_STRLEN)
    rc = lib.tier_policy_format(ctypes.byref(pol), buf, POLICY_STRLEN)
    if rc < 0:
        raise ValueError("cxltier: policy %r: %s" % (policy, os.strerror(-rc)))
    return pol, buf.value.decode()


def parse_size(s):
    """Bytes (or any count) from a size string, libtier's one grammar:
    "4096", "64K", "2M", "1.5G" (binary units; decimals rounded to the
    nearest unit of one).  ValueError for what the grammar refuses."""
    if not isinstance(s, str):
        raise TypeError("cxltier: a size must be a string like '2M', not %s"
                        % type(s).__name__)
    v = ctypes.c_uint64()
    rc = _load().tier_size_parse(s.encode(), ctypes.byref(v))
    if rc < 0:
        raise ValueError("cxltier: size %r: %s (e.g. 4096, 64K, 1.5G)"
                         % (s, os.strerror(-rc)))
    return v.value


def parse_policy(policy):
    """The policy as a dict: mode, nodes [(node, weight)], page_size,
    chunk_size (0: one page), flags (list of option names), canonical (the
    string libtier writes for it).  ValueError for what the grammar refuses,
    with or without a backend.  Tier names (``interleave:cxl``) resolve on
    this host's nodes, which needs libtier's context: CxltierError when it
    does not open.  Numbers and ranges need no context."""
    pol, canon = _parse(policy)
    mode = _load().tier_mode_name(pol.mode)
    # libtier's canonical string names the flags, in the order of their bits
    flags = [item for item in canon.split(":", 1)[1].split(",")
             if item[:1].isalpha() and "=" not in item]
    return {"mode": mode.decode() if mode else pol.mode,
            "nodes": [(pol.nodes[i].node, pol.nodes[i].weight)
                      for i in range(pol.nr_nodes)],
            "page_size": 1 << pol.page_shift if pol.page_shift else 0,
            "chunk_size": 1 << pol.chunk_shift if pol.chunk_shift else 0,
            "flags": flags, "canonical": canon}


# --------------------------------------------------------------------------
# Arenas: one per (policy, dedicated), created at first use, kept for the
# life of the process (an arena costs address space, not memory).

class _Arena(object):
    __slots__ = ("handle", "policy", "dedicated")

    def __init__(self, handle, policy, dedicated):
        self.handle, self.policy, self.dedicated = handle, policy, dedicated


_arenas = {}


def _arena(policy, dedicated):
    pol, canon = _parse(policy)
    key = (canon, bool(dedicated))
    p = _arenas.get(key)
    if p is not None:
        return p
    ctx = _context()
    with _lock:
        p = _arenas.get(key)
        if p is not None:
            return p
        opts = _ArenaOpts()
        if dedicated:
            opts.large_threshold = 1        # every allocation its own buffer
        h = ctypes.c_void_p()
        rc = _lib.tier_arena_create(ctx, ctypes.byref(pol), ctypes.byref(opts),
                                   ctypes.byref(h))
        if rc < 0:
            raise _fail(rc, "cxltier: policy %s on the %s backend" %
                        (canon, _backend_name()))
        p = _Arena(h, canon, bool(dedicated))
        _arenas[key] = p
        return p


# Live allocations, by address: arena, bytes, pinned.  Entries go when the
# storage dies (the finalizer) or never existed for foreign tensors.
_live = {}
_free_errors = []


class _Live(object):
    __slots__ = ("arena", "addr", "nbytes", "pinned", "__weakref__")

    def __init__(self, arena, addr, nbytes):
        self.arena, self.addr, self.nbytes, self.pinned = arena, addr, nbytes, False


def _release(rec):
    # Runs when the ctypes array that the storage holds is collected: the
    # last tensor sharing the storage is gone.
    _live.pop(rec.addr, None)
    if rec.pinned:
        try:
            _cuda_unregister(rec.addr)
        except Exception as e:  # keep going: the memory must still be freed
            _free_errors.append("unpin 0x%x: %s" % (rec.addr, e))
    rc = _lib.tier_arena_free(rec.arena.handle, rec.addr)
    if rc < 0:
        msg = "tier_arena_free(0x%x, %s): %s" % (rec.addr, rec.arena.policy,
                                                os.strerror(-rc))
        _free_errors.append(msg)
        warnings.warn("cxltier: " + msg, RuntimeWarning)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError("cxltier: negative dimension in shape %s" % (shape,))
    return shape


def empty(*size, dtype=None, policy=None, pin_memory=False, dedicated=False,
          requires_grad=False):
    """A new, uninitialised CPU tensor of ``size`` (ints or one tuple) and
    ``dtype`` (torch's default dtype when None) whose storage is placed by
    ``policy`` (a libtier policy string; :func:`default_policy` when None).

    Contiguous, 64-byte aligned, zero-copy: ``t.data_ptr()`` is the libtier
    allocation.  Its pages are placed at first touch.  ``dedicated=True``:
    a buffer of its own (exact policy proportions, 2 MiB-aligned).
    ``pin_memory=True``: dedicated, touched, and registered with CUDA
    (see :func:`pin`); RuntimeError without CUDA.

    Errors: ValueError for a bad policy or shape; CxltierError (an OSError)
    with the errno of libtier: ENODEV (a node that is offline or has no
    memory), EFBIG (larger than the policy's nodes), EOPNOTSUPP (what the
    backend cannot do), ENOMEM, ...
    """
    shape = _shape(size)
    if dtype is None:
        dtype = torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype):
        raise TypeError("cxltier: dtype must be a torch.dtype, not %r" % (dtype,))
    if pin_memory and not cuda_available():
        raise RuntimeError("cxltier.empty(pin_memory=True): CUDA is not "
                           "available (torch.cuda.is_available() is False)")
    if policy is None:
        policy = default_policy()
    numel = 1
    for s in shape:
        numel *= s
    itemsize = torch.empty((), dtype=dtype).element_size()
    nbytes = numel * itemsize
    arena = _arena(policy, dedicated or pin_memory)
    addr = ctypes.c_void_p()
    size_b = max(nbytes, itemsize)
    rc = _lib.tier_arena_alloc(arena.handle, size_b, 64, ctypes.byref(addr))
    if rc < 0:
        raise _fail(rc, "cxltier.empty(%s, %s): %d bytes with policy %s" % (
            shape, dtype, nbytes, arena.policy))
    rec = _Live(arena, addr.value, size_b)
    try:
        arr = (_Bytes * size_b).from_address(addr.value)
    except Exception:
        _lib.tier_arena_free(arena.handle, addr.value)
        raise
    _live[rec.addr] = rec
    # The finalizer holds rec (not arr): it runs when arr dies, and arr dies
    # with the storage, which holds it (torch.frombuffer keeps a reference).
    fin = weakref.finalize(arr, _release, rec)
    fin.atexit = False      # at exit the process's memory goes anyway
    flat = torch.frombuffer(arr, dtype=dtype, count=max(numel, 1))
    del arr
    t = flat[:numel].view(shape)
    if pin_memory:
        pin(t)
    if requires_grad:
        t.requires_grad_(True)
    return t


class _Bytes(ctypes.c_char):
    """c_char whose arrays accept weak references (plain ctypes arrays do
    not)."""


def zeros(*size, dtype=None, policy=None, pin_memory=False, dedicated=False,
          requires_grad=False):
    """:func:`empty`, then every byte written with zero (which also places
    every page: reused arena memory is not zero by itself)."""
    t = empty(*size, dtype=dtype, policy=policy, pin_memory=pin_memory,
              dedicated=dedicated)
    if t.numel():
        t.zero_()
    if requires_grad:
        t.requires_grad_(True)
    return t


def empty_like(t, dtype=None, policy=None, **kw):
    """:func:`empty` with the shape (and dtype unless given) of ``t``."""
    return empty(tuple(t.shape), dtype=dtype or t.dtype, policy=policy, **kw)


def zeros_like(t, dtype=None, policy=None, **kw):
    """:func:`zeros` with the shape (and dtype unless given) of ``t``."""
    return zeros(tuple(t.shape), dtype=dtype or t.dtype, policy=policy, **kw)


def _storage_ptr(t):
    if not isinstance(t, torch.Tensor):
        raise TypeError("cxltier: expected a torch.Tensor, not %s"
                        % type(t).__name__)
    if t.device.type != "cpu":
        return None
    try:
        return t.untyped_storage().data_ptr()
    except AttributeError:          # torch < 2.0
        return t.storage().data_ptr()


def _record(t):
    ptr = _storage_ptr(t)
    rec = _live.get(ptr) if ptr is not None else None
    if rec is None:
        raise ValueError("cxltier: this tensor's storage is not a cxltier "
                         "allocation (make it with cxltier.empty/zeros)")
    return rec


def is_cxltier(t):
    """True when ``t`` (or the tensor it is a view of) lives in cxltier
    memory."""
    ptr = _storage_ptr(t)
    return ptr is not None and ptr in _live


def allocation(t):
    """Where ``t``'s storage comes from: a dict with addr, size (usable
    bytes), kind ("small": in a shared slab, "large": a buffer of its own),
    buf_id, buf_offset, policy (canonical), pinned."""
    rec = _record(t)
    info = _AllocInfo()
    rc = _lib.tier_arena_lookup(rec.arena.handle, rec.addr, ctypes.byref(info))
    if rc < 0:
        raise _fail(rc, "cxltier.allocation(0x%x)" % rec.addr)
    return {"addr": info.addr, "size": info.size,
            "kind": "large" if info.kind == ALLOC_LARGE else "small",
            "buf_id": info.buf_id, "buf_offset": info.buf_offset,
            "policy": rec.arena.policy, "pinned": rec.pinned}


class Residency(dict):
    """Bytes resident per node ({node: bytes}), with ``exact`` (counted page
    by page, else estimated from the slab: see tier_arena_residency()) and
    ``total``."""

    exact = True

    @property
    def total(self):
        return sum(self.values())


def residency(t):
    """Bytes of ``t``'s allocation resident on each node now, as a
    :class:`Residency` ({node: bytes}; nodes without pages are absent).
    Untouched pages count nowhere.  ValueError for a tensor that is not
    cxltier memory."""
    rec = _record(t)
    n = 16
    while True:
        arr = (_NodeBytes * n)()
        flags = _u32()
        rc = _lib.tier_arena_residency(rec.arena.handle, rec.addr, arr, n,
                                      ctypes.byref(flags))
        if rc < 0:
            raise _fail(rc, "cxltier.residency(0x%x, %s)" %
                        (rec.addr, rec.arena.policy))
        if rc <= n:
            break
        n = rc
    out = Residency((arr[i].node, arr[i].bytes) for i in range(rc))
    out.exact = bool(flags.value & RESIDENCY_EXACT)
    return out


def arena_stats():
    """Per policy arena: in_use_bytes, nr_allocs, reserved_bytes, nr_slabs,
    nr_large, resident_bytes and resident {node: bytes}."""
    out = []
    for (canon, dedicated), p in list(_arenas.items()):
        st = _ArenaStat()
        rc = _lib.tier_arena_stat(p.handle, ctypes.byref(st))
        if rc < 0:
            raise _fail(rc, "cxltier.arena_stats(%s)" % canon)
        out.append({"policy": canon, "dedicated": dedicated,
                    "in_use_bytes": st.in_use_bytes,
                    "nr_allocs": st.nr_allocs,
                    "reserved_bytes": st.reserved_bytes,
                    "nr_slabs": st.nr_slabs, "nr_large": st.nr_large,
                    "resident_bytes": st.resident_bytes,
                    "resident": {st.resident[i].node: st.resident[i].bytes
                                 for i in range(st.nr_resident)}})
    return out


def trim():
    """Give every arena's unused slabs back (the calling thread's cache
    too)."""
    for p in list(_arenas.values()):
        rc = _lib.tier_arena_trim(p.handle)
        if rc < 0:
            raise _fail(rc, "cxltier.trim(%s)" % p.policy)


# --------------------------------------------------------------------------
# CUDA pinning

def _cudart():
    return torch.cuda.cudart()


def _cuda_unregister(addr):
    err = _cudart().cudaHostUnregister(ctypes.c_void_p(addr).value)
    if int(getattr(err, "value", err)) != 0:
        raise RuntimeError("cudaHostUnregister: error %s" % (err,))


def pin(t):
    """Register ``t``'s allocation with CUDA (cudaHostRegister) so that
    copies to and from the GPU are DMA from its pages, then check that the
    pages are still on the policy's nodes (a long-term pin moves movable
    pages out of ZONE_MOVABLE; see README.md).  The registration ends when
    the memory is freed, or with :func:`unpin`.

    The tensor must be a buffer of its own (``dedicated=True`` or
    ``pin_memory=True``): registrations cannot share pages.  With the module
    backend the policy must include ``pinnable`` (ordinary cxltier pages
    move, so they refuse pins: EFAULT).  RuntimeError without CUDA, or when
    CUDA refuses, or when pinning moved pages off the policy's nodes.
    """
    if not cuda_available():
        raise RuntimeError("cxltier.pin: CUDA is not available "
                           "(torch.cuda.is_available() is False)")
    rec = _record(t)
    info = allocation(t)
    if info["kind"] != "large":
        raise ValueError("cxltier.pin: the tensor shares a slab with others; "
                         "make it with dedicated=True or pin_memory=True")
    if rec.pinned:
        return
    err = _cudart().cudaHostRegister(rec.addr, rec.nbytes, 0)
    code = int(getattr(err, "value", err))
    if code != 0:
        hint = ""
        if _backend_name() == "cxltier" and \
           "pinnable" not in parse_policy(rec.arena.policy)["flags"]:
            hint = "; cxltier pages are movable and refuse pins: add " \
                   "'pinnable' to the policy"
        raise RuntimeError("cxltier.pin: cudaHostRegister(0x%x, %d) with "
                           "policy %s: CUDA error %d%s" % (
                               rec.addr, rec.nbytes, rec.arena.policy, code,
                               hint))
    rec.pinned = True
    allowed = {n for n, _w in parse_policy(rec.arena.policy)["nodes"]}
    res = residency(t)
    stray = {n: b for n, b in res.items() if n not in allowed}
    if stray:
        unpin(t)
        raise RuntimeError("cxltier.pin: after cudaHostRegister, %s of the "
                           "buffer (policy %s) are off its nodes: %s" % (
                               sum(stray.values()), rec.arena.policy, stray))


def unpin(t):
    """End :func:`pin`'s registration (not pinned: no-op)."""
    rec = _record(t)
    if rec.pinned:
        _cuda_unregister(rec.addr)
        rec.pinned = False


# --------------------------------------------------------------------------
# Optimizer state: cxltier.optim.Adam and AdamW (python/cxltier/optim.py),
# a module of its own: ``import cxltier.optim``.
