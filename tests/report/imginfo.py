#!/usr/bin/env python3
"""imginfo.py: say what an image file really is, for the chart tests.

USAGE: imginfo.py FILE...

Prints one line per file: "png WIDTH HEIGHT", "svg WIDTH HEIGHT" or
"invalid REASON".  A PNG must start with the 8-byte signature, then an IHDR
chunk whose CRC is right, and end with an IEND chunk; its size is IHDR's.  An
SVG must parse as XML with an <svg> root; its size is the width/height
attributes, else the viewBox's.  Standard library only.
"""

import struct
import sys
import xml.etree.ElementTree as ET
import zlib

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_info(data):
    if not data.startswith(PNG_SIG):
        return "invalid no PNG signature"
    if len(data) < 33:
        return "invalid truncated PNG"
    length, ctype = struct.unpack(">I4s", data[8:16])
    if ctype != b"IHDR" or length != 13:
        return "invalid first chunk is not IHDR"
    body = data[16:29]
    crc, = struct.unpack(">I", data[29:33])
    if zlib.crc32(ctype + body) & 0xffffffff != crc:
        return "invalid IHDR CRC"
    if data[-12:-8] != b"\0\0\0\0" or data[-8:-4] != b"IEND":
        return "invalid no IEND chunk at the end"
    w, h = struct.unpack(">II", body[:8])
    return "png %d %d" % (w, h)


def svg_info(data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return "invalid XML: %s" % e
    if root.tag.split("}")[-1] != "svg":
        return "invalid root element %s" % root.tag
    w, h = root.get("width"), root.get("height")
    if w and h:
        return "svg %s %s" % (w.rstrip("px"), h.rstrip("px"))
    vb = (root.get("viewBox") or "").split()
    if len(vb) == 4:
        return "svg %s %s" % (vb[2], vb[3])
    return "invalid SVG without size"


def main():
    for path in sys.argv[1:]:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("invalid %s" % e.strerror)
            continue
        if data.startswith(PNG_SIG[:4]):
            print(png_info(data))
        elif data.lstrip().startswith(b"<"):
            print(svg_info(data))
        else:
            print("invalid neither PNG nor SVG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
