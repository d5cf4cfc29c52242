#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the layers keep to their boundaries.

A file of src/<layer>/ may include: system headers, the public headers of
its own layer and of the layers below it (<cogen.h>, <cogen/NAME.h>),
src/shared.h, and the private headers of its own folder. The core also sees
the context switch (arch/context.h). A public header may include only the
public headers of its own layer and those below it. Exits 1 and names every
include that crosses a boundary.
"""
import pathlib
import re
import sys

# Bottom to top. A layer may use the public headers of those before it.
ORDER = ["core", "pipe", "event", "stage", "task"]
# Public headers of each layer (include/cogen.h and errors.h are the core's).
PUBLIC = {"cogen.h": "core", "cogen/errors.h": "core", "cogen/pipe.h": "pipe",
          "cogen/event.h": "event", "cogen/http.h": "event", "cogen/xml.h": "event",
          "cogen/resp.h": "event", "cogen/csv.h": "event",
          "cogen/stage.h": "stage", "cogen/task.h": "task"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

root = pathlib.Path(__file__).resolve().parents[2]
problems = []


def rank(layer):
    return ORDER.index(layer)


def public_layer(name):
    if name in PUBLIC:
        return PUBLIC[name]
    if name.startswith("cogen/"):
        # A header of a layer not listed here yet: net.h of the task layer,
        # http.h of the event layer... must be declared above.
        problems.append(f"unknown public header <{name}>: add it to tools/ci/layers.py")
    return None


def check_public(path):
    own = PUBLIC.get(str(path.relative_to(root / "include")))
    for _, name in INCLUDE.findall(path.read_text()):
        layer = public_layer(name)
        if layer and own and rank(layer) > rank(own):
            problems.append(f"{path.relative_to(root)}: includes <{name}> of a higher layer")


def check_source(path, layer):
    folder = path.parent
    for kind, name in INCLUDE.findall(path.read_text()):
        if kind == '"':
            if name == "shared.h" or ("/" not in name and (folder / name).exists()):
                continue
            if layer == "core" and name == "arch/context.h":
                continue
            problems.append(f"{path.relative_to(root)}: includes \"{name}\" of another folder")
            continue
        if not name.startswith("cogen"):
            continue  # a system header
        pl = public_layer(name)
        if pl and rank(pl) > rank(layer):
            problems.append(f"{path.relative_to(root)}: includes <{name}> of a higher layer")


for header in sorted((root / "include").rglob("*.h")):
    check_public(header)
for folder in sorted((root / "src").iterdir()):
    if not folder.is_dir():
        continue
    if folder.name == "arch":
        continue  # the switch: no cogen headers at all
    if folder.name not in ORDER:
        problems.append(f"src/{folder.name}/: not a known layer: add it to tools/ci/layers.py")
        continue
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".c", ".h"):
            check_source(path, folder.name)
for path in sorted((root / "src" / "arch").glob("*")):
    for kind, name in INCLUDE.findall(path.read_text()):
        if name.startswith("cogen") or (kind == '"' and not (path.parent / name).exists()):
            problems.append(f"{path.relative_to(root)}: the switch includes \"{name}\"")

for p in problems:
    print("layers:", p, file=sys.stderr)
if problems:
    sys.exit(1)
print("layers: every include keeps to its layer")
