#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a bus document in the format of examples/part3/data/buses.xml,
of about SIZE megabytes, deterministic (seeded).

    gen_buses.py OUT [SIZE_MB]
"""
import random
import sys

BUS = """   <bus>
      <id>{id}</id>
      <route>{route}</route>
      <color>#3300ff</color>
      <revenue>true</revenue>
      <direction>{direction}</direction>
      <latitude>{lat}</latitude>
      <longitude>{lon}</longitude>
      <pattern>{pattern}</pattern>
      <patternDirection>{direction}</patternDirection>
      <run>P{run}</run>
      <finalStop><![CDATA[{stop}]]></finalStop>
      <operator>{op}</operator>
   </bus>
"""


def main():
    out, size = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 30
    rnd = random.Random(2009)
    stops = ["Howard", "Harrison", "Paulina & Howard Terminal", "Devon/Clark", "Halsted/79th"]
    written = 0
    with open(out, "w") as f:
        f.write('<?xml version="1.0"?>\n<buses>\n')
        while written < size * 1e6:
            s = BUS.format(id=rnd.randint(1000, 9999), route=rnd.choice(["22", "36", "8", "147", "151"]),
                           direction=rnd.choice(["North Bound", "South Bound"]),
                           lat=41.8 + rnd.random() / 4, lon=-87.7 + rnd.random() / 10,
                           pattern=rnd.randint(1000, 9999), run=rnd.randint(100, 999),
                           stop=rnd.choice(stops), op=rnd.randint(10000, 99999))
            f.write(s)
            written += len(s)
        f.write("</buses>\n")


if __name__ == "__main__":
    main()
