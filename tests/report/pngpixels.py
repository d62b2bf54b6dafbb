#!/usr/bin/env python3
"""pngpixels.py: look at the pixels of a rendered chart, for the chart tests.

Tier 60 asks of gnuplot's PNG what a reader would see, not what the script
meant: whether text blots out the chart, whether two time labels run into
each other, whether an alert's marker is there.  Standard library only: the
PNG is decoded here (8-bit RGB or RGBA, not interlaced: what pngcairo
writes).

USAGE: pngpixels.py dark FILE
         the fraction of the image's pixels that are dark (luma < 64)
       pngpixels.py xlabels FILE
         per panel (top to bottom), the x-axis tic labels as drawn: the
         runs of columns holding text below the panel's bottom border, a run
         ending at a gap of 4 columns or more.  One line per panel:
         "axis-row left right" then "x0-x1" per label
       pngpixels.py colour FILE RRGGBB X0 X1 [Y0 Y1]
         how many pixels within 40 (per channel) of the colour lie in
         columns X0..X1 (and rows Y0..Y1)
"""

import struct
import sys
import zlib

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def read_png(path):
    """(width, height, channels, rows): rows a list of bytes, one per line."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_SIG):
        raise ValueError("%s: not a PNG" % path)
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("%s: only 8-bit RGB/RGBA, not interlaced" % path)
    ch = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def luma(row, x, ch):
    r, g, b = row[x * ch], row[x * ch + 1], row[x * ch + 2]
    return (299 * r + 587 * g + 114 * b) // 1000


def dark_fraction(path):
    w, h, ch, rows = read_png(path)
    n = sum(1 for row in rows for x in range(w) if luma(row, x, ch) < 64)
    return n / float(w * h)


def axes(w, h, ch, rows):
    """The rows of the panels' bottom borders: a dark run over a third of the
    width (grid lines are light grey, the border is black), with its left
    and right ends.  Adjacent rows count once."""
    found = []
    for y in range(h):
        row, run, best = rows[y], 0, (0, 0, 0)
        for x in range(w):
            if luma(row, x, ch) < 100:
                run += 1
                if run > best[0]:
                    best = (run, x - run + 1, x)
            else:
                run = 0
        if best[0] > w / 3 and not (found and found[-1][0] >= y - 2):
            found.append((y, best[1], best[2]))
    return found


def xlabels(path):
    w, h, ch, rows = read_png(path)
    panels = []
    for y, left, right in axes(w, h, ch, rows):
        # the labels sit in the 30 rows under the border (two lines of
        # text when a tic carries the date), tic marks point inwards
        band = range(y + 3, min(h, y + 34))
        cols = [any(luma(rows[r], x, ch) < 128 for r in band) for x in range(w)]
        labels, start, gap = [], None, 0
        for x in range(w):
            if cols[x]:
                if start is None:
                    start = x
                gap, end = 0, x
            elif start is not None:
                gap += 1
                if gap >= 4:
                    labels.append((start, end))
                    start = None
        if start is not None:
            labels.append((start, end))
        panels.append((y, left, right, labels))
    return panels


def colour_count(path, rgb, x0, x1, y0=None, y1=None):
    w, h, ch, rows = read_png(path)
    want = [int(rgb[i:i + 2], 16) for i in (0, 2, 4)]
    y0 = 0 if y0 is None else max(0, y0)
    y1 = h - 1 if y1 is None else min(h - 1, y1)
    n = 0
    for y in range(y0, y1 + 1):
        row = rows[y]
        for x in range(max(0, x0), min(w - 1, x1) + 1):
            if all(abs(row[x * ch + i] - want[i]) <= 40 for i in range(3)):
                n += 1
    return n


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "dark":
        print("%.4f" % dark_fraction(path))
    elif cmd == "xlabels":
        for y, left, right, labels in xlabels(path):
            print("%d %d %d %s" % (y, left, right, " ".join("%d-%d" % l for l in labels)))
    elif cmd == "colour":
        a = [int(v) for v in sys.argv[4:]]
        print(colour_count(path, sys.argv[3], *a))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
