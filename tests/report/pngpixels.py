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
         per panel (top to bottom), the x-axis tic labels as drawn: in the
         first line of text under the panel's bottom border, and in the
         line under it (where tics carry the date; in the lowest panel that
         line runs into the axis title), the runs of columns holding text,
         a run ending at a gap of 7 columns or more.  One line per panel:
         "axis-row left right | x0-x1 ... | x0-x1 ..."
       pngpixels.py yaxes FILE
         per panel, "top bottom": the rows the y axis (the left border)
         spans, from the top of the plot area to the bottom border
       pngpixels.py hrows FILE RRGGBB
         the rows where over a fifth of the width is that colour (within
         40 per channel): a flat line of a series, a dashed threshold
       pngpixels.py marked FILE PANEL XFRAC RRGGBB
         the fraction of panel PANEL's rows (0 the top one) that hold the
         colour within 6 columns of XFRAC (0 the left end of the plot, 1 the
         right): 1 for a band drawn over the panel's height there
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


def black(row, x, ch):
    """Near black: the border and text, not a coloured series line."""
    return max(row[x * ch], row[x * ch + 1], row[x * ch + 2]) < 90


def dark_fraction(path):
    w, h, ch, rows = read_png(path)
    n = sum(1 for row in rows for x in range(w) if luma(row, x, ch) < 64)
    return n / float(w * h)


def axes(w, h, ch, rows):
    """The rows of the panels' bottom borders: a dark run over a third of the
    width (grid lines are light grey, the border is black) that starts at
    the foot of the y axis (dark above its left end: a flat data line has
    no such corner), with its left and right ends.  Adjacent rows count
    once."""
    found = []
    for y in range(h):
        row, run, best = rows[y], 0, (0, 0, 0)
        for x in range(w):
            if black(row, x, ch):
                run += 1
                if run > best[0]:
                    best = (run, x - run + 1, x)
            else:
                run = 0
        corner = best[0] > w / 3 and y >= 20 and all(
            any(black(rows[y - d], x, ch) for x in range(best[1] - 1, best[1] + 2))
            for d in range(1, 20))
        if corner and not (found and found[-1][0] >= y - 2):
            found.append((y, best[1], best[2]))
    return found


def clusters(cols):
    """Runs of True in cols, a run ending at a gap of 7 columns or more (the
    gaps inside a label are narrower, in DejaVu and Noto Sans alike; the
    labels are chosen at least two characters apart)."""
    runs, start, gap, end = [], None, 0, 0
    for x, dark in enumerate(cols):
        if dark:
            if start is None:
                start = x
            gap, end = 0, x
        elif start is not None:
            gap += 1
            if gap >= 7:
                runs.append((start, end))
                start = None
    if start is not None:
        runs.append((start, end))
    return runs


def text_rows(rows, ch, w, y, reach):
    """The first run of rows holding dark pixels that starts within reach
    rows from row y (and is at most 30 rows high): (first, last), or None."""
    first, h = None, len(rows)
    for r in range(y, h):
        if first is None and r >= y + reach:
            return None
        if first is not None and r >= first + 30:
            return first, r - 1
        dark = any(luma(rows[r], x, ch) < 128 for x in range(w))
        if dark and first is None:
            first = r
        elif not dark and first is not None:
            return first, r - 1
    return (first, h - 1) if first is not None else None


def xlabels(path):
    """Per panel: (border row, left, right, labels of line 1, of line 2)."""
    w, h, ch, rows = read_png(path)
    panels = []
    for y, left, right in axes(w, h, ch, rows):
        # under the border: the y axis' lowest label reaches about 5 rows
        # down, the tic marks point inwards; then the first line of the
        # tic labels and, for tics that carry the date, a second one
        out = []
        start, reach = y + 6, 30
        for _ in range(2):
            line = text_rows(rows, ch, w, start, reach)
            if not line:
                out.append([])
                continue
            band = range(line[0], line[1] + 1)
            out.append(clusters([any(luma(rows[r], x, ch) < 128 for r in band) for x in range(w)]))
            # a second line follows the first within a few rows (farther
            # down is the next panel's title)
            start, reach = line[1] + 1, 14
        panels.append((y, left, right, out[0], out[1]))
    return panels


def yaxes_of(rows, ch, y, left):
    """The top row of the y axis whose foot is at (left, y)."""
    top = y
    while top > 0 and any(black(rows[top - 1], x, ch) for x in range(left - 1, left + 2)):
        top -= 1
    return top


def yaxes(path):
    w, h, ch, rows = read_png(path)
    return [(yaxes_of(rows, ch, y, left), y) for y, left, right in axes(w, h, ch, rows)]


def near(row, x, ch, want):
    return all(abs(row[x * ch + i] - want[i]) <= 40 for i in range(3))


def hrows(path, rgb):
    w, h, ch, rows = read_png(path)
    want = [int(rgb[i:i + 2], 16) for i in (0, 2, 4)]
    return [y for y in range(h) if sum(1 for x in range(w) if near(rows[y], x, ch, want)) > w / 5]


def marked(path, panel, xfrac, rgb):
    w, h, ch, rows = read_png(path)
    want = [int(rgb[i:i + 2], 16) for i in (0, 2, 4)]
    y, left, right = axes(w, h, ch, rows)[panel]
    top = yaxes_of(rows, ch, y, left)
    x = int(round(left + xfrac * (right - left)))
    cols = range(max(0, x - 6), min(w, x + 7))
    hit = sum(1 for r in range(top, y) if any(near(rows[r], c, ch, want) for c in cols))
    return hit / float(max(1, y - top))


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
        for y, left, right, one, two in xlabels(path):
            print("%d %d %d | %s | %s" % (y, left, right, " ".join("%d-%d" % l for l in one),
                                          " ".join("%d-%d" % l for l in two)))
    elif cmd == "yaxes":
        for top, bottom in yaxes(path):
            print(top, bottom)
    elif cmd == "hrows":
        print(" ".join(str(y) for y in hrows(path, sys.argv[3])))
    elif cmd == "marked":
        print("%.3f" % marked(path, int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]))
    elif cmd == "colour":
        a = [int(v) for v in sys.argv[4:]]
        print(colour_count(path, sys.argv[3], *a))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
