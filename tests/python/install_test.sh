#!/bin/bash
# The Python package as a user installs it: libtier with `make install`
# (DESTDIR, PREFIX=/usr), the package with pip from the tree's top
# (pyproject.toml, Debian's setuptools, offline), then imported from
# outside the tree: it must be the installed package, with the installed
# libtier.so.1, found through LD_LIBRARY_PATH (the dynamic linker's
# search), never the build tree's; $CXLTIER_LIBTIER still overrides.  Once
# into a --target directory, once into a venv that sees Debian's torch.
# Nothing is installed into the system (PEP 668).  TAP output.
#
#   usage: install_test.sh   (PYTHON=/usr/bin/python3 by default)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
. "$TOP/tests/lib/tap.sh"

VERSION=$(cat "$TOP/VERSION")
root=$tmp/root lib=$tmp/root/usr/lib site=$tmp/site cwd=$tmp/cwd
mkdir -p "$cwd"
# pip, quiet and offline: the build backend is Debian's setuptools
# pip_install PYTHON [PIP-OPTION...]
pip_install() {
	local python=$1; shift
	"$python" -m pip install -q --no-deps --no-build-isolation --no-index \
		--no-cache-dir --disable-pip-version-check "$@" "$TOP" \
		> "$out" 2> "$err"
}

# py NAME PYTHON-CODE [ENV...]: the code run from a clean directory, with
# only the given environment besides PATH and HOME, passes
py() {
	local name=$1 code=$2; shift 2
	if (cd "$cwd" && env -i PATH="$PATH" HOME="$tmp" "$@" \
		"${PYBIN:-$PYTHON}" -c "$code" "$lib" "$TOP" "$VERSION") \
		> "$out" 2> "$err"
	then ok "$name"; else nok "$name"; fi
}

if make -s -C "$TOP/libtier" install DESTDIR="$root" PREFIX=/usr \
	LIBDIR=/usr/lib > "$out" 2> "$err" && [ -L "$lib/libtier.so.1" ]
then ok "make install: $lib/libtier.so.1"
else nok "make install: $lib/libtier.so.1"; tap_done python-install; exit; fi

if pip_install "$PYTHON" --target "$site" && [ -f "$site/cxltier/__init__.py" ]
then ok "pip install --target: the package"
else nok "pip install --target: the package"; tap_done python-install; exit; fi

# What the process loaded: the files of /proc/self/maps named libtier.so*.
MAPS='
def mapped():
    with open("/proc/self/maps") as f:
        return {l.split()[-1] for l in f if "/libtier.so" in l}
'

py "installed: the package from site, its version VERSION's, the library from LD_LIBRARY_PATH" "$MAPS"'
import os, sys, importlib.metadata as md
lib, top, version = sys.argv[1:4]
import cxltier
assert os.path.dirname(cxltier.__file__) == os.path.join(os.environ["PYTHONPATH"], "cxltier"), cxltier.__file__
assert md.version("cxltier") == version, md.version("cxltier")
cxltier._load()
got = cxltier.backend()["library"]
print("library:", got, "maps:", mapped())
assert got == os.path.join(lib, "libtier.so.1"), got
assert mapped() == {os.path.realpath(got)}, mapped()
assert not any(p.startswith(top + "/") for p in mapped())
assert cxltier._lib.tier_version().decode() == version
' PYTHONPATH="$site" LD_LIBRARY_PATH="$lib"

py "installed: policies, tier names and nodes through the installed library" '
import sys, cxltier
d = cxltier.parse_policy("weighted:0-1=3,chunk=2M,fallback")
assert d["canonical"] == "weighted:0=3,1=3,chunk=2M,fallback", d
try:
    cxltier.parse_policy("bad")
    sys.exit("bad: accepted")
except ValueError as e:
    assert "MODE:NODES expected" in str(e), e
if cxltier.available():
    ns = cxltier.nodes()
    assert ns and all(n["tier"] in ("dram", "cxl") for n in ns), ns
    assert cxltier.parse_policy("bind:all")["nodes"] == [(n["node"], 0) for n in ns]
' PYTHONPATH="$site" LD_LIBRARY_PATH="$lib"

py "installed: \$CXLTIER_LIBTIER still chooses the library" "$MAPS"'
import os, sys, cxltier
want = os.environ["CXLTIER_LIBTIER"]
cxltier._load()
assert cxltier.backend()["library"] == want, cxltier.backend()["library"]
assert mapped() == {os.path.realpath(want)}, mapped()
' PYTHONPATH="$site" LD_LIBRARY_PATH="$lib" \
	CXLTIER_LIBTIER="$TOP/build/lib/libtier.so.1"

# Without the installed one on the linker's path, the installed package
# does not fall back to the tree it was built from.
py "installed: never the build tree's library" "$MAPS"'
import sys, cxltier
lib, top = sys.argv[1:3]
try:
    cxltier._load()
except cxltier.CxltierError as e:
    assert "cannot load libtier" in str(e), e
    sys.exit(0)
got = cxltier.backend()["library"]
print("library:", got)
assert not got.startswith(top + "/") and not got.startswith(lib + "/"), got
' PYTHONPATH="$site"

# The same in a venv that sees Debian's packages (python3-torch): pip
# installs into the venv, and the package allocates tensors.
venv=$tmp/venv
if ! "$PYTHON" -c 'import torch' 2> /dev/null; then
	skip "venv: pip install, torch tensors" "no torch for $PYTHON"
elif "$PYTHON" -m venv --system-site-packages --without-pip "$venv" \
	> "$out" 2> "$err" && pip_install "$venv/bin/python" &&
	[ -f "$(echo "$venv"/lib/python3*/site-packages/cxltier/__init__.py)" ]
then
	ok "venv --system-site-packages: pip install ."
	PYBIN=$venv/bin/python py "venv: the venv's package, Debian's torch, a placed tensor" '
import os, sys, torch, cxltier
lib = sys.argv[1]
assert cxltier.__file__.startswith(sys.prefix + "/"), cxltier.__file__
assert cxltier.backend()["library"] == os.path.join(lib, "libtier.so.1")
if cxltier.available():
    n = cxltier.nodes()[0]["node"]
    t = cxltier.zeros(1 << 20, dtype=torch.float32, policy="bind:%d" % n)
    assert cxltier.residency(t) == {n: 4 << 20}, cxltier.residency(t)
' LD_LIBRARY_PATH="$lib"
else
	nok "venv --system-site-packages: pip install ."
fi

tap_done python-install
