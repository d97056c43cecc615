#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The YNL spec of the cxltier family agrees with the uapi header.

usage: ynl_check.py CC HEADER YAML WORKDIR

Every command, attribute (top-level and nested) and event type of the
header appears in the YAML with the same value and type, and every one of
the YAML is in the header.  The header's values come from the compiler (a
generated C program prints them), not from reading its text, which would
only repeat the header's own numbering; its types come from the comment
that documents each attribute ("u32", "u64", "s32", "nest", "string").
The YAML's values follow YNL's rules: an entry's explicit "value", else one
more than the previous entry, starting at 1 for attributes and at
"value-start" for enums.  TAP output.
"""
import os
import re
import subprocess
import sys

import yaml

PREFIXES = ("CXLTIER_NL_CMD_", "CXLTIER_NL_A_", "CXLTIER_NL_PN_",
            "CXLTIER_NL_NB_", "CXLTIER_EVENT_")
HDR_TYPES = ("u32", "u64", "s32", "nest", "string")

results = []


def check(ok, name, why=""):
    results.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    if not ok and why:
        for line in str(why).splitlines():
            print("# " + line)


def cname(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def header_names(path):
    """Enum member names of the netlink section, with their type comment."""
    names = {}
    member = re.compile(r"^\s*(CXLTIER_\w+)\s*(?:=\s*[^,]*)?,\s*(?:/\*\s*(\w+))?")
    with open(path) as f:
        for line in f:
            m = member.match(line)
            if m and m.group(1).startswith(PREFIXES):
                t = m.group(2) if m.group(2) in HDR_TYPES else None
                names[m.group(1)] = t
    return names


def header_values(cc, hdr, names, workdir):
    """Compile a program that prints each name's value; run it."""
    extra = ["CXLTIER_NL_CMD_MAX", "CXLTIER_NL_A_MAX", "CXLTIER_NL_PN_MAX",
             "CXLTIER_NL_NB_MAX", "CXLTIER_EVENT_MAX", "CXLTIER_GENL_VERSION"]
    src = os.path.join(workdir, "ynl_values.c")
    exe = os.path.join(workdir, "ynl_values")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <linux/cxltier.h>\nint main(void)\n{\n")
        for n in list(names) + extra:
            f.write('\tprintf("%%s %%lld\\n", "%s", (long long)(%s));\n' % (n, n))
        f.write('\tprintf("CXLTIER_GENL_NAME %s\\n", CXLTIER_GENL_NAME);\n')
        f.write('\tprintf("CXLTIER_GENL_MCGRP_EVENTS %s\\n", CXLTIER_GENL_MCGRP_EVENTS);\n')
        f.write("\treturn 0;\n}\n")
    inc = os.path.dirname(os.path.dirname(os.path.abspath(hdr)))
    subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-I", inc, "-o", exe, src],
                   check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    vals = {}
    for line in out.splitlines():
        k, v = line.split(" ", 1)
        vals[k] = v
    return vals


def yaml_entries(spec):
    """name -> (value, type, where) for everything the YAML numbers."""
    ent = {}
    sets = {s["name"]: s for s in spec["attribute-sets"]}
    for s in spec["attribute-sets"]:
        prefix = s.get("name-prefix", "%s-a-" % spec["name"])
        v = 0
        for a in s["attributes"]:
            v = a.get("value", v + 1)
            ent[cname(prefix, a["name"])] = (v, a["type"], "attribute-set " + s["name"])
    ops = spec["operations"]
    prefix = ops.get("name-prefix", "%s-cmd-" % spec["name"])
    v = 0
    for o in ops["list"]:
        v = o.get("value", v + 1)
        ent[cname(prefix, o["name"])] = (v, None, "operations")
    for d in spec.get("definitions", []):
        if d["type"] != "enum":
            continue
        prefix = d.get("name-prefix", "%s-%s-" % (spec["name"], d["name"]))
        v = d.get("value-start", 0) - 1
        for e in d["entries"]:
            e = e if isinstance(e, dict) else {"name": e}
            v = e.get("value", v + 1)
            ent[cname(prefix, e["name"])] = (v, None, "enum " + d["name"])
    return ent, sets


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    cc, hdr, ypath, workdir = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    with open(ypath) as f:
        spec = yaml.safe_load(f)
    print("TAP version 13")

    hnames = header_names(hdr)
    hvals = header_values(cc, hdr, hnames, workdir)
    yent, sets = yaml_entries(spec)

    check(spec["name"] == hvals["CXLTIER_GENL_NAME"], "family name",
          "%s != %s" % (spec["name"], hvals["CXLTIER_GENL_NAME"]))
    check(int(spec.get("version", 1)) == int(hvals["CXLTIER_GENL_VERSION"]),
          "family version")
    groups = [g["name"] for g in spec.get("mcast-groups", {}).get("list", [])]
    check(groups == [hvals["CXLTIER_GENL_MCGRP_EVENTS"]], "multicast group",
          "yaml %s, header %s" % (groups, hvals["CXLTIER_GENL_MCGRP_EVENTS"]))

    # header -> YAML: every name, same value, same type
    for n, htype in sorted(hnames.items(), key=lambda x: int(hvals[x[0]])):
        hv = int(hvals[n])
        if n.startswith("__"):
            continue
        if n.endswith("_UNSPEC"):
            check(hv == 0 and n not in yent, "%s is 0 and implicit" % n,
                  "value %d" % hv)
            continue
        if n not in yent:
            check(False, "%s in the YAML" % n, "missing from %s" % ypath)
            continue
        yv, ytype, where = yent[n]
        why = []
        if yv != hv:
            why.append("value: header %d, YAML %d (%s)" % (hv, yv, where))
        if ytype is not None:
            want = "pad" if n.endswith("_PAD") else htype
            if want is None:
                why.append("the header's comment names no type")
            elif ytype != want:
                why.append("type: header %s, YAML %s" % (want, ytype))
        check(not why, "%s = %d %s" % (n, hv, ytype or ""), "\n".join(why))

    # YAML -> header: nothing more
    extra = sorted(set(yent) - set(hnames))
    check(not extra, "every YAML name is in the header", " ".join(extra))

    # each _MAX is the largest value of its list
    for mx, pfx in (("CXLTIER_NL_CMD_MAX", "CXLTIER_NL_CMD_"),
                    ("CXLTIER_NL_A_MAX", "CXLTIER_NL_A_"),
                    ("CXLTIER_NL_PN_MAX", "CXLTIER_NL_PN_"),
                    ("CXLTIER_NL_NB_MAX", "CXLTIER_NL_NB_"),
                    ("CXLTIER_EVENT_MAX", "CXLTIER_EVENT_")):
        top = max((v for k, (v, _, _) in yent.items() if k.startswith(pfx)), default=0)
        check(int(hvals[mx]) == top, "%s = largest YAML value %d" % (mx, top),
              "header %s" % hvals[mx])

    # the YAML is consistent with itself
    why = []
    for s in spec["attribute-sets"]:
        for a in s["attributes"]:
            na = a.get("nested-attributes")
            if a["type"] == "nest" and na not in sets:
                why.append("%s.%s: nested-attributes %s" % (s["name"], a["name"], na))
            en = a.get("enum")
            if en and en not in [d["name"] for d in spec.get("definitions", [])]:
                why.append("%s.%s: enum %s" % (s["name"], a["name"], en))
    for o in spec["operations"]["list"]:
        aset = sets.get(o.get("attribute-set"))
        if aset is None:
            why.append("%s: attribute-set" % o["name"])
            continue
        known = {a["name"] for a in aset["attributes"]}
        for kind in ("do", "dump"):
            for part in ("request", "reply"):
                for a in o.get(kind, {}).get(part, {}).get("attributes", []):
                    if a not in known:
                        why.append("%s %s %s: %s" % (o["name"], kind, part, a))
        for a in o.get("event", {}).get("attributes", []):
            if a not in known:
                why.append("%s event: %s" % (o["name"], a))
        if "mcgrp" in o and o["mcgrp"] not in groups:
            why.append("%s: mcgrp %s" % (o["name"], o["mcgrp"]))
    check(not why, "YAML references resolve", "\n".join(why))

    failed = results.count(False)
    print("1..%d" % len(results))
    print("ynl: %d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
