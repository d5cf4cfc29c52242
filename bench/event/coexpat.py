#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The bus job in Python: expat callbacks send events into coroutines
(buses_to_dicts -> filter_on_field x2 -> bus_locations), as in the
course's coexpat.py, for comparison with the C programs.

    coexpat.py FILE ROUTE DIRECTION
"""
import sys
import xml.parsers.expat


def coroutine(func):
    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr
    return start


@coroutine
def buses_to_dicts(target):
    while True:
        event, value = (yield)
        if event == 'start' and value[0] == 'bus':
            busdict = {}
            fragments = []
            while True:
                event, value = (yield)
                if event == 'start':
                    fragments = []
                elif event == 'text':
                    fragments.append(value)
                elif event == 'end':
                    if value != 'bus':
                        busdict[value] = "".join(fragments)
                    else:
                        target.send(busdict)
                        break


@coroutine
def filter_on_field(fieldname, value, target):
    while True:
        d = (yield)
        if d.get(fieldname) == value:
            target.send(d)


@coroutine
def bus_locations():
    out = sys.stdout
    while True:
        bus = (yield)
        out.write('%(route)s,%(id)s,"%(direction)s",%(latitude)s,%(longitude)s\n' % bus)


def expat_parse(f, target):
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_size = 65536
    parser.buffer_text = True
    parser.StartElementHandler = lambda name, attrs: target.send(('start', (name, attrs)))
    parser.EndElementHandler = lambda name: target.send(('end', name))
    parser.CharacterDataHandler = lambda data: target.send(('text', data))
    parser.ParseFile(f)


if __name__ == '__main__':
    with open(sys.argv[1], 'rb') as f:
        expat_parse(f, buses_to_dicts(filter_on_field('route', sys.argv[2],
                    filter_on_field('direction', sys.argv[3], bus_locations()))))
