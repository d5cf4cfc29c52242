#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a logstats HTML report without a browser: well-formed (every
element closed in order), self-contained (no script, no external URL in
attributes or styles, a CSP that forbids loading), the three charts as
inline SVG with bars, and the hostile strings of the log only as text.

Usage: check_html.py REPORT.html"""
import html.parser
import sys

VOID = {"meta", "br", "hr", "img", "input", "link"}
SVG_LEAVES = {"rect", "line"}


class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.svgs, self.rects = [], [], [], 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "link", "img", "base", "form"):
            self.errors.append("element <%s>" % tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.errors.append("event handler attribute %s on <%s>" % (name, tag))
            if value and ("http:" in value or "https:" in value or "//" in value) and name != "content":
                self.errors.append("external reference %s=%r" % (name, value))
        if tag == "svg":
            self.svgs.append(dict(attrs).get("aria-label"))
        if tag == "rect":
            self.rects += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def main():
    doc = open(sys.argv[1], encoding="utf-8").read()
    c = Check()
    c.feed(doc)
    c.close()
    errors = c.errors
    if c.stack:
        errors.append("unclosed: %s" % c.stack)
    if not doc.startswith("<!DOCTYPE html>"):
        errors.append("no doctype")
    if "default-src 'none'" not in doc:
        errors.append("no Content-Security-Policy forbidding loads")
    if "url(" in doc or "@import" in doc:
        errors.append("a style loads something")
    want = {"Requests per hour", "Status classes", "Top requested files"}
    if not want <= set(c.svgs):
        errors.append("charts missing: %s" % (want - set(c.svgs)))
    if c.rects < 5:
        errors.append("charts without bars")
    text = "".join(c.text)
    for must in sys.argv[2:]:
        if must not in text:
            errors.append("text %r not shown" % must)
    for e in errors:
        print("check_html: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
