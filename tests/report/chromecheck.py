#!/usr/bin/env python3
"""chromecheck.py: load a page in headless Chromium and report what happened.

Tier 65 uses it to prove that the HTML report is self-contained and that the
numbers a reader sees are the numbers dbnetio-report computed.  It drives
Debian's chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
fd 3 carries commands in, fd 4 carries replies out, each message a JSON text
ended by a NUL byte), which needs nothing but the Python standard library and
opens no port.

USAGE: chromecheck.py PAGE.html SCREENSHOT.png [WIDTH HEIGHT]

It prints one JSON object on stdout:
  requests  every URL the page asked for, the page itself included
  failed    [url, error] for each request that failed
  errors    uncaught exceptions and console errors
  stats     {name: {text, value}} of every element carrying data-stat="name"
            (value is its data-value attribute)
  charts    [{kind, width, height, overlaps}] of each figure[data-chart] and
            its svg; overlaps: the pairs of its text elements whose boxes as
            drawn intersect ([text, text] each; a text drawn twice at one
            place, as gnuplot draws a boxed label, counts once)
  legend    [{kind, title, stroke}] of each plot of each chart: its title and
            the computed colour of its first stroked path (its line)
  swatches  [{table, cells, colour}] of each td.chart: the table's class, the
            row's cell texts and the computed colour of its .sw swatch
  text      the page's visible text
  elements  the element names used in the body
  title     the document title
  height    the document's full height in CSS pixels
  csp       the page's Content-Security-Policy meta tag, or null
  csp_probe what the policy refused when, after everything above was
            collected, an image from file: and a stylesheet and a frame from
            https: were added to the page: [directive, url] each (their
            requests and console errors are not in requests/failed/errors)
and writes a full-page PNG screenshot.  Exit status 0 when the page loaded,
1 on a protocol error or timeout (with a message on stderr).
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0   # seconds for the whole run; a cold chromium start takes ~2 s


class Browser:
    """A chromium child and the two pipe ends that talk to it."""

    def __init__(self, profile):
        # fds 3 and 4 in the child: 3 is read by chromium, 4 written by it.
        cmd_r, self.cmd_w = os.pipe()
        self.out_r, out_w = os.pipe()
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium not found in PATH")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-pipe",
                "about:blank"]

        def fds():
            # Move both ends out of the way first: a pipe end may already sit
            # on fd 3 or 4, and dup2 onto itself would keep its close-on-exec.
            a, b = os.dup(cmd_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(args, pass_fds=(), preexec_fn=fds,
                                     close_fds=False,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=(None if os.environ.get("CHROMECHECK_DEBUG") else subprocess.DEVNULL))
        os.close(cmd_r)
        os.close(out_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.deadline = time.monotonic() + TIMEOUT

    def _read_message(self):
        """Return the next message from chromium, waiting until the deadline."""
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("timeout waiting for chromium")
            r, _, _ = select.select([self.out_r], [], [], left)
            if not r:
                continue
            chunk = os.read(self.out_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        """Send one command and return its result; events that arrive
        meanwhile are queued in self.events."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method):
        """Return the first queued or future event named method."""
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            ev = self._read_message()
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.out_r)


COLLECT = """(() => {
  const stats = {};
  for (const el of document.querySelectorAll('[data-stat]'))
    stats[el.getAttribute('data-stat')] = {text: el.textContent.trim(),
                                           value: el.getAttribute('data-value')};
  const charts = [];
  for (const fig of document.querySelectorAll('figure[data-chart]')) {
    const svg = fig.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const texts = [];
    for (const t of (svg ? svg.querySelectorAll('text') : [])) {
      const r = t.getBoundingClientRect();
      if (r.width < 0.5 || r.height < 0.5)
        continue;
      const key = [t.textContent, Math.round(r.left), Math.round(r.top)].join('|');
      if (!texts.some(x => x.key === key))
        texts.push({key: key, text: t.textContent, r: r});
    }
    const overlaps = [];
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].r, b = texts[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5)
          overlaps.push([texts[i].text, texts[j].text]);
      }
    charts.push({kind: fig.getAttribute('data-chart'),
                 width: Math.round(box.width), height: Math.round(box.height),
                 overlaps: overlaps});
  }
  const legend = [];
  for (const fig of document.querySelectorAll('figure[data-chart]')) {
    for (const g of fig.querySelectorAll('g[id*="gnuplot_plot_"]')) {
      const t = g.querySelector('title');
      const path = g.querySelector('path[stroke]');
      legend.push({kind: fig.getAttribute('data-chart'), title: t ? t.textContent : '',
                   stroke: path ? getComputedStyle(path).stroke : null});
    }
  }
  const swatches = [];
  for (const td of document.querySelectorAll('td.chart')) {
    const sw = td.querySelector('.sw');
    const row = td.parentElement;
    swatches.push({table: row.closest('table').className,
                   cells: Array.from(row.cells, c => c.textContent.trim()),
                   colour: sw ? getComputedStyle(sw).backgroundColor : null});
  }
  return JSON.stringify({stats: stats, charts: charts, title: document.title,
    legend: legend, swatches: swatches,
    text: document.body.innerText,
    elements: Array.from(new Set(Array.from(document.body.querySelectorAll('*'),
                                             e => e.localName))).sort(),
    height: document.documentElement.scrollHeight,
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
    width: document.documentElement.scrollWidth});
})()"""


CSP_PROBE = """new Promise(resolve => {
  const seen = [];
  document.addEventListener('securitypolicyviolation',
    e => seen.push([e.effectiveDirective, e.blockedURI]));
  const img = document.createElement('img');
  img.src = 'file:///etc/hostname';
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = 'https://example.invalid/x.css';
  const frame = document.createElement('iframe');
  frame.src = 'https://example.invalid/';
  document.body.append(img, link, frame);
  setTimeout(() => resolve(JSON.stringify(seen)), 500);
})"""


def main():
    if len(sys.argv) not in (3, 5):
        sys.stderr.write("usage: chromecheck.py PAGE.html SCREENSHOT.png [WIDTH HEIGHT]\n")
        return 2
    page = os.path.abspath(sys.argv[1])
    shot = sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (1280, 900)
    profile = tempfile.mkdtemp(prefix="dbnetio-chromium-")
    b = None
    try:
        b = Browser(profile)
        target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sess = b.call("Target.attachToTarget",
                      {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            b.call(domain + ".enable", session=sess)
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": False}, session=sess)
        b.events.clear()
        b.call("Page.navigate", {"url": "file://" + page}, session=sess)
        b.wait_event("Page.loadEventFired")
        # Give late requests (images, fonts a stylesheet might pull in) a
        # moment to show up before counting them.
        time.sleep(0.3)
        info = json.loads(b.call("Runtime.evaluate",
                                 {"expression": COLLECT, "returnByValue": True},
                                 session=sess)["result"]["value"])
        full = max(height, int(info["height"]))
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": full, "deviceScaleFactor": 1,
                "mobile": False}, session=sess)
        png = b.call("Page.captureScreenshot",
                     {"format": "png", "captureBeyondViewport": True},
                     session=sess)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))

        # Everything so far is the page's own; then what its policy does
        # with requests it did not make.
        own = list(b.events)
        probe = json.loads(b.call("Runtime.evaluate", {"expression": CSP_PROBE, "awaitPromise": True,
                                                       "returnByValue": True},
                                  session=sess)["result"]["value"])
        requests, failed, errors, urls = [], [], [], {}
        for ev in own:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
                urls[p.get("requestId")] = p["request"]["url"]
            elif m == "Network.loadingFailed":
                failed.append([urls.get(p.get("requestId"), "?"), p.get("errorText")])
            elif m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                errors.append(" ".join(str(a.get("value")) for a in p.get("args", [])))
        json.dump({"requests": requests, "failed": failed, "errors": errors,
                   "stats": info["stats"], "title": info["title"],
                   "charts": info["charts"], "text": info["text"],
                   "legend": info["legend"], "swatches": info["swatches"],
                   "elements": info["elements"],
                   "height": info["height"], "width": info["width"],
                   "csp": info["csp"], "csp_probe": probe},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    except Exception as e:  # a protocol error or timeout: say which
        sys.stderr.write("chromecheck: %s\n" % e)
        return 1
    finally:
        if b is not None:
            b.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
