"""Benchmark: opening a 2,000-line transcript (issue 4, "a 2,000-line transcript opens in
<= 500 ms").

What it does (details and how to read the figures: ``bench/README.md``):

1. Starts a fresh Parley (``tests.e2e.server.ServerProcess``: ``main.py`` on a free
   127.0.0.1 port, a new temporary data folder, demo data, test mode).
2. alice logs in through the real login page in Chromium and goes Ready; one inbound SMS
   to the session-mode number is posted to ``/api/v1/inbound`` and alice accepts it.
   While the server runs, the script writes the rest of the transcript straight into the
   server's SQLite file (WAL) with ``InteractionRepo.add_message``: contact and agent
   lines alternating, 20-300 characters, about 10 % with a URL, a phone number or an
   e-mail address, timestamps increasing, until the interaction has ``--lines`` lines.
   A second, short interaction is posted and accepted so that the Interaction Bar holds
   two items.
3. "reload": ``page.goto('/?interaction=<id>')`` ``--warmup`` + ``--samples`` times.
   Time 0 is the navigation start (``performance.timeOrigin``); the end is taken in the
   page by a ``MutationObserver`` when the ``--lines``-th ``[data-testid=transcript-line]``
   is in the DOM, and again after the frame that paints it (judged figure).
4. "switch": with both interactions open, click the short one's ``interaction-bar-item``,
   wait for its window, then click the long one's; time 0 is the click (a capture
   listener in the page), the end as above.

For both it prints median / p95 / max, a breakdown (websocket frame with the transcript
arriving, DOM, paint), the size of that frame, and the server's CPU time per open; for the
page load also the first (cold-cache) open and, as the floor under that figure, the same
shell without a transcript (``/contacts``). With ``--profile`` it afterwards runs py-spy on
the server during ``--profile-switches`` extra switches and prints where the server's time
went (DB read, tokenize, HTML build, NiceGUI element building, websocket send).

Only the server this script starts is ever contacted. Every loop has a fixed count and
every wait a time limit.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.e2e.server import ServerProcess  # noqa: E402

AUTH = {"Authorization": "Bearer demo-token"}  # PARLEY_DEMO=1 without PARLEY_API_TOKEN
SESSION_NUMBER = "+12125550100"  # demo "Support SMS", session mode
PAGE_NUMBER = "+12125550101"  # demo "Sales SMS", page mode
LONG_SENDER = "+14155550123"  # demo contact Jordan Lee
SHORT_SENDER = "+14155550188"  # demo contact Priya Patel
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 30_000  # the longest any single wait may take

# --- realistic message texts -----------------------------------------------------------------

WORDS = (
    "the order invoice delivery account payment refund parcel tracking today tomorrow please "
    "thanks hello could would check address number card balance update ready shipped "
    "warehouse courier receipt monday friday morning afternoon yes no sure great problem "
    "issue fixed waiting still again help question answer team I you we it is was for with "
    "can will not have this that my your our on at in to of and a an"
).split()
URLS = ("https://example.com/track?id={n}", "http://shop.example.org/orders/{n}",
        "www.example.net/help/returns", "https://docs.example.com/a/b/c?ref=sms&n={n}",
        "example.co.uk/deals")
EMAILS = ("support@example.com", "jordan.lee{n}@example.org", "billing@shop.example.net")
PHONES = ("(415) 555-01{nn}", "+1 212 555 01{nn}", "415-555-02{nn}", "call 0800 555 {nn}{nn}")


def message_text(rng: random.Random, i: int) -> str:
    """20-300 characters of chat; about one in ten carries a URL, a phone or an e-mail."""
    target = rng.randint(20, 300)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < target:
        words.append(rng.choice(WORDS))
    text = " ".join(words)
    text = text[: target - 1].rstrip() + rng.choice(".?!")
    text = text[0].upper() + text[1:]
    if rng.random() < 0.10:
        extra = rng.choice(rng.choice((URLS, EMAILS, PHONES))).format(n=i, nn=f"{i % 100:02d}")
        keep = max(0, target - len(extra) - 12)
        text = f"{text[:keep].rstrip()} see {extra} thanks".strip()
    return text[:300]


# --- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] if ordered else float("nan")


def fig(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (f"n={len(values)}  median={statistics.median(values):7.1f}  "
            f"p95={percentile(values, 95):7.1f}  max={max(values):7.1f}  min={min(values):7.1f}")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- in-page instrumentation -----------------------------------------------------------------

# Installed before any page script: hooks the WebSocket (arrival time and size of each
# frame) and watches the DOM for the N-th transcript line. performance.now() is measured
# from the navigation start.
PROBE = """
(() => {
  const N = %(lines)d;
  const rec = window.__bench = {
    lines: N, frames: [], wsOpen: null, armedAt: performance.now(), clickAt: null,
    cardAt: null, lineAt: null, rafAt: null, paintAt: null, inViewAt: null, visible: null,
  };
  const Orig = window.WebSocket;
  const Hooked = function (...args) {
    const ws = new Orig(...args);
    ws.addEventListener('open', () => { if (rec.wsOpen === null) rec.wsOpen = performance.now(); });
    ws.addEventListener('message', (e) => {
      const size = typeof e.data === 'string' ? e.data.length
        : (e.data.byteLength || e.data.size || 0);
      rec.frames.push([performance.now(), size]);
    });
    return ws;
  };
  Hooked.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Hooked[k] = Orig[k];
  window.WebSocket = Hooked;
  const lines = document.getElementsByClassName('parley-line');  // live, cheap .length
  const cards = document.getElementsByClassName('parley-interaction');
  const afterPaint = (fn) => {  // runs after the frame that follows now has been painted
    requestAnimationFrame(() => {
      const ch = new MessageChannel(); ch.port1.onmessage = fn; ch.port2.postMessage(0);
    });
  };
  const inView = (box, el) => {
    if (!box) return true;
    const b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
    return r.height > 0 && r.bottom <= b.bottom + 2 && r.top >= b.top - 2;
  };
  const watchScroll = (el, tries) => {
    const box = el.closest('.parley-transcript');
    if (inView(box, el)) { rec.inViewAt = performance.now(); return; }
    if (tries > 0) requestAnimationFrame(() => watchScroll(el, tries - 1));
  };
  const check = () => {
    if (rec.cardAt === null && cards.length) rec.cardAt = performance.now();
    if (rec.lineAt !== null || lines.length < N) return;
    const el = lines[N - 1];
    if (el.getAttribute('data-testid') !== 'transcript-line') return;
    rec.lineAt = performance.now();
    requestAnimationFrame(() => {
      rec.rafAt = performance.now();
      rec.visible = el.getClientRects().length > 0 && el.checkVisibility();
      watchScroll(el, 180);
    });
    afterPaint(() => { rec.paintAt = performance.now(); });
  };
  window.__benchArm = () => {  // for an in-app switch: the next N-line window counts
    Object.assign(rec, {armedAt: performance.now(), clickAt: null, cardAt: null, lineAt: null,
                        rafAt: null, paintAt: null, inViewAt: null, visible: null, frames: []});
  };
  document.addEventListener('click', (e) => {
    const item = e.target.closest && e.target.closest('[data-testid="interaction-bar-item"]');
    if (rec.clickAt === null && item)
      rec.clickAt = performance.now();
  }, true);
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
})();
"""

NAV_TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {ttfb: n.responseStart, html: n.responseEnd, dcl: n.domContentLoadedEventEnd,
          load: n.loadEventEnd, htmlBytes: n.transferSize};
}"""


def biggest_frame(rec: dict[str, Any]) -> tuple[float, int]:
    frames = rec.get("frames") or []
    if not frames:
        return float("nan"), 0
    at, size = max(frames, key=lambda f: f[1])
    return float(at), int(size)


# --- setup -----------------------------------------------------------------------------------


def post_inbound(url: str, sender: str, to: str, text: str, message_id: str) -> str:
    reply = httpx.post(f"{url}/api/v1/inbound", headers=AUTH, timeout=10, json={
        "message_id": message_id, "from": sender, "to": to, "text": text})
    reply.raise_for_status()
    return str(reply.json()["interaction_id"])


def log_in_ready(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("agent-status").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("status-menu").click()
    page.get_by_test_id("status-ready").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=agent-status]')"
        "?.textContent.trim() === 'Ready'",
        timeout=WAIT_MS)


def accept(page: Page, interaction_id: str) -> None:
    preview = page.locator(f'[data-testid="preview"][data-interaction-id="{interaction_id}"]')
    preview.get_by_test_id("preview-accept").click(timeout=WAIT_MS)
    page.locator(f'[data-testid="interaction"][data-interaction-id="{interaction_id}"]'
                 ).wait_for(timeout=WAIT_MS)


def fill_transcript(data_dir: Path, interaction_id: str, lines: int, seed: int) -> dict[str, Any]:
    """Write messages straight into the running server's SQLite file up to ``lines``."""
    from domain.interactions import Party
    from storage.db import Database, make_engine
    from storage.interactions import InteractionRepo
    from storage.repositories import AgentRepo

    engine = make_engine(f"sqlite:///{data_dir / 'parley.db'}")
    try:
        db = Database(engine)
        repo = InteractionRepo(db)
        alice = AgentRepo(db).by_username("alice")
        assert alice is not None
        existing = repo.messages(interaction_id)
        at = max(m.created_at for m in existing)
        rng = random.Random(seed)
        started = time.perf_counter()
        texts: list[str] = []
        for i in range(max(0, lines - len(existing))):
            party = Party.CONTACT if i % 2 == 0 else Party.AGENT
            at = at + timedelta(seconds=rng.randint(1, 8))
            text = message_text(rng, i)
            texts.append(text)
            repo.add_message(interaction_id, party, text, at,
                             agent_id=alice.id if party is Party.AGENT else None)
        total = len(repo.messages(interaction_id))
        return {"existing": len(existing), "added": len(texts), "total": total,
                "seconds": time.perf_counter() - started, "texts": texts,
                "with_link": sum(1 for t in texts if any(
                    k in t for k in ("http", "www.", "@", "555", ".co.uk")))}
    finally:
        engine.dispose()


# --- measuring -------------------------------------------------------------------------------


def sample_reload(page: Page, url: str, interaction_id: str) -> dict[str, Any]:
    page.goto(f"{url}/?interaction={interaction_id}", wait_until="commit", timeout=WAIT_MS)
    page.wait_for_function("() => window.__bench && window.__bench.paintAt !== null"
                           " && window.__bench.inViewAt !== null", timeout=WAIT_MS, polling=50)
    rec = page.evaluate("() => window.__bench")
    rec["nav"] = page.evaluate(NAV_TIMING)
    rec["count"] = page.evaluate(
        "() => document.querySelectorAll('[data-testid=transcript-line]').length")
    return rec


FLOOR_JS = """() => new Promise((resolve) => {
  const done = () => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve(performance.now());
    ch.port2.postMessage(0);
  });
  const seen = () => document.querySelector('[data-testid="coming-soon"]');
  if (seen()) { done(); return; }
  const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); done(); } });
  obs.observe(document, {childList: true, subtree: true});
})"""


def sample_floor(page: Page, url: str) -> dict[str, Any]:
    """A page of the same shell without any interaction window (``/contacts``): what a page
    load costs before any transcript, the floor under the page-load figure."""
    page.goto(f"{url}/contacts", wait_until="commit", timeout=WAIT_MS)
    painted = page.evaluate(FLOOR_JS)
    page.wait_for_function("() => window.__bench && window.__bench.wsOpen !== null",
                           timeout=WAIT_MS, polling=50)
    rec = page.evaluate("() => window.__bench")
    return {"painted": painted, "ws_open": rec["wsOpen"], **page.evaluate(NAV_TIMING)}


def bar_item(page: Page, interaction_id: str):  # type: ignore[no-untyped-def]
    return page.locator(
        f'[data-testid="interaction-bar-item"][data-interaction-id="{interaction_id}"]')


def sample_switch(page: Page, long_id: str, short_id: str, lines: int) -> dict[str, Any]:
    # Away to the short interaction, and wait until the long transcript has gone.
    bar_item(page, short_id).click(timeout=WAIT_MS)
    page.locator(f'[data-testid="interaction"][data-interaction-id="{short_id}"]'
                 ).wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        f"() => document.getElementsByClassName('parley-line').length < {lines}",
        timeout=WAIT_MS)
    page.wait_for_timeout(300)  # let the short window's own updates settle
    page.evaluate("() => window.__benchArm()")
    bar_item(page, long_id).click(timeout=WAIT_MS)
    page.wait_for_function("() => window.__bench.paintAt !== null"
                           " && window.__bench.inViewAt !== null", timeout=WAIT_MS, polling=50)
    rec = page.evaluate("() => window.__bench")
    rec["count"] = page.evaluate(
        "() => document.querySelectorAll('[data-testid=transcript-line]').length")
    return rec


def report_reload(samples: list[dict[str, Any]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in (
        "ttfb", "dcl", "ws_open", "frame", "dom", "paint", "in_view", "frame_kb", "cpu")}
    for r in samples:
        frame_at, size = biggest_frame(r)
        out["ttfb"].append(r["nav"]["ttfb"])
        out["dcl"].append(r["nav"]["dcl"])
        out["ws_open"].append(r["wsOpen"] if r["wsOpen"] is not None else float("nan"))
        out["frame"].append(frame_at)
        out["dom"].append(r["lineAt"])
        out["paint"].append(r["paintAt"])
        out["in_view"].append(r["inViewAt"])
        out["frame_kb"].append(size / 1024)
        out["cpu"].append(r["server_cpu_ms"])
    return out


def report_switch(samples: list[dict[str, Any]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in (
        "frame", "dom", "paint", "in_view", "frame_kb", "cpu")}
    for r in samples:
        t0 = r["clickAt"]
        frame_at, size = biggest_frame(r)
        out["frame"].append(frame_at - t0)
        out["dom"].append(r["lineAt"] - t0)
        out["paint"].append(r["paintAt"] - t0)
        out["in_view"].append(r["inViewAt"] - t0)
        out["frame_kb"].append(size / 1024)
        out["cpu"].append(r["server_cpu_ms"])
    return out


CATEGORIES = (  # first match wins, checked from the most specific
    ("tokenize (domain.links.tokenize)", ("tokenize (",)),
    ("HTML build (line_html, Transcript.add) excl. tokenize", ("line_html (", "Transcript.add (")),
    ("DB read of the transcript (InteractionRepo.messages)", ("InteractionRepo.messages (",)),
    ("NiceGUI outbox: serialise + socket.io send",
     ("Outbox.loop (", "_emit (", "socketio", "engineio")),
    ("other DB work (owned, activity, notes, ...)", ("sqlalchemy", "sqlite3")),
    ("building the window's elements (NiceGUI)",
     ("InteractionWindow.__init__ (", "Workspace.open (", "InteractionBar.", "nicegui/element")),
)


def py_spy_summary(raw: Path, cpu_ms_per_open: float, opens: int, top: int = 14) -> str:
    """Where the server's Python time went, from py-spy's raw (collapsed) output."""
    strip = re.compile(r":\d+\)")
    by_category: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [strip.sub(")", f) for f in stack.split(";")]
        joined = ";".join(frames)
        category = next((name for name, keys in CATEGORIES
                         if any(k in joined for k in keys)), "other (event loop, HTTP, timers)")
        by_category[category] += count
        for name in set(frames):
            inclusive[name] += count

    def short(name: str) -> str:
        return name.replace(str(ROOT) + "/", "").replace(
            str(Path(sys.prefix)) + "/lib/python3.11/site-packages/", "")[:100]

    lines = [f"py-spy over {opens} switches: {total} samples with the GIL held; "
             f"shares applied to the median server CPU per switch ({cpu_ms_per_open:.0f} ms)"]
    for name, count in by_category.most_common():
        share = count / max(total, 1)
        lines.append(f"  {100 * share:5.1f}%  ~{share * cpu_ms_per_open:5.0f} ms  {name}")
    lines.append("  functions on the stack most often (inclusive):")
    shown = 0
    for name, count in inclusive.most_common(200):
        if any(k in name for k in ("<module>", "run (", "_run (", "run_forever", "_run_once",
                                   "Runner.", "Thread.", "_bootstrap", "worker (", "main (",
                                   "Server.", "serve (", "run_until_complete", "Context.run")):
            continue
        lines.append(f"    {100 * count / max(total, 1):5.1f}%  {short(name)}")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, run py-spy on the server during extra switches")
    parser.add_argument("--profile-switches", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    args.samples = max(1, min(args.samples, 200))
    args.warmup = max(0, min(args.warmup, 20))

    print(f"transcript_open: {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, "
          f"code in {ROOT}")
    print(f"load average before: {load()}")
    data_dir = Path(tempfile.mkdtemp(prefix="parley-bench-transcript-"))
    server = ServerProcess(data_dir)
    server.start()
    assert server.proc is not None
    pid = server.proc.pid
    print(f"server pid {pid} at {server.url}, data in {data_dir}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium"),
                args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(PROBE % {"lines": args.lines})
            page = context.new_page()
            log_in_ready(page, server.url)

            long_id = post_inbound(server.url, LONG_SENDER, SESSION_NUMBER,
                                   "Hi, I have a question about my order.", "bench-t-long")
            accept(page, long_id)
            filled = fill_transcript(data_dir, long_id, args.lines, args.seed)
            lengths = [len(t) for t in filled["texts"]] or [0]
            print(f"interaction {long_id}: {filled['existing']} lines from the app + "
                  f"{filled['added']} written to SQLite in {filled['seconds']:.1f} s = "
                  f"{filled['total']} lines; text {min(lengths)}-{max(lengths)} chars "
                  f"(mean {statistics.mean(lengths):.0f}), ~{filled['with_link']} with a "
                  f"URL / phone / e-mail")
            short_id = post_inbound(server.url, SHORT_SENDER, PAGE_NUMBER,
                                    "Quick one: are you open on Sunday?", "bench-t-short")
            accept(page, short_id)

            # -- open by (re)loading the page ------------------------------------------
            reloads: list[dict[str, Any]] = []
            cold: dict[str, Any] = {}
            for i in range(args.warmup + args.samples):
                cpu0 = cpu_seconds(pid)
                rec = sample_reload(page, server.url, long_id)
                page.wait_for_timeout(400)  # trailing updates (notes, matrix) count as CPU
                rec["server_cpu_ms"] = 1000 * (cpu_seconds(pid) - cpu0)
                if rec["count"] != args.lines:
                    print(f"  warning: {rec['count']} transcript lines in the page")
                if i == 0:
                    cold = rec  # the first open of the written lines: nothing cached yet
                if i >= args.warmup:
                    reloads.append(rec)
            floors: list[dict[str, Any]] = []
            for i in range(args.warmup + args.samples):
                rec = sample_floor(page, server.url)
                if i >= args.warmup:
                    floors.append(rec)
            page.goto(f"{server.url}/?interaction={long_id}", timeout=WAIT_MS)
            page.wait_for_function("() => window.__bench && window.__bench.paintAt !== null",
                                   timeout=WAIT_MS, polling=50)
            # -- in-app switch through the Interaction Bar -------------------------------
            switches: list[dict[str, Any]] = []
            for i in range(args.warmup + args.samples):
                cpu0 = cpu_seconds(pid)
                rec = sample_switch(page, long_id, short_id, args.lines)
                page.wait_for_timeout(400)
                rec["server_cpu_ms"] = 1000 * (cpu_seconds(pid) - cpu0)
                if i >= args.warmup:
                    switches.append(rec)
            raw = data_dir / "py-spy.txt"
            if args.profile:
                # A separate phase, so that sampling does not slow the measured switches.
                py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
                spy = subprocess.Popen(
                    [py_spy, "record", "--pid", str(pid), "--duration", "300", "--rate", "200",
                     "--gil", "--format", "raw", "-o", str(raw)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(1.5)
                for _ in range(args.profile_switches):
                    sample_switch(page, long_id, short_id, args.lines)
                    page.wait_for_timeout(400)
                spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
                try:
                    _, err = spy.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    _, err = spy.communicate()
                if not raw.exists():
                    print(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
            browser.close()
    finally:
        server.stop()

    r = report_reload(reloads)
    s = report_switch(switches)
    print(f"\nload average after: {load()}")
    print(f"\nOPEN BY PAGE LOAD  (ms from navigation start; {args.samples} samples after "
          f"{args.warmup} warm-ups)")
    print(f"  HTML first byte         {fig(r['ttfb'])}")
    print(f"  DOMContentLoaded        {fig(r['dcl'])}")
    print(f"  websocket open          {fig(r['ws_open'])}")
    print(f"  transcript frame in     {fig(r['frame'])}")
    print(f"  {args.lines}th line in DOM      {fig(r['dom'])}")
    print(f"  ... painted (judged)    {fig(r['paint'])}")
    print(f"  ... scrolled into view  {fig(r['in_view'])}")
    print(f"  transcript frame, KiB   {fig(r['frame_kb'])}")
    print(f"  server CPU per open, ms {fig(r['cpu'])}")
    if cold:
        print(f"  first (cold) open, a warm-up: painted {cold['paintAt']:.0f} ms, server CPU "
              f"{cold['server_cpu_ms']:.0f} ms")
    print("\nSAME SHELL WITHOUT A TRANSCRIPT (/contacts, ms from navigation start)")
    print(f"  DOMContentLoaded        {fig([f['dcl'] for f in floors])}")
    print(f"  websocket open          {fig([f['ws_open'] for f in floors])}")
    print(f"  page painted            {fig([f['painted'] for f in floors])}")
    print("\nIN-APP SWITCH  (ms from the click on the interaction-bar-item)")
    print(f"  transcript frame in     {fig(s['frame'])}")
    print(f"  {args.lines}th line in DOM      {fig(s['dom'])}")
    print(f"  ... painted (judged)    {fig(s['paint'])}")
    print(f"  ... scrolled into view  {fig(s['in_view'])}")
    print(f"  transcript frame, KiB   {fig(s['frame_kb'])}")
    print(f"  server CPU per switch   {fig(s['cpu'])}")
    browser_ms = [d - f for d, f in zip(s["dom"], s["frame"], strict=True)]
    paint_ms = [p - d for p, d in zip(s["paint"], s["dom"], strict=True)]
    print(f"  split: click -> frame (server + transfer) median {statistics.median(s['frame']):.0f}"
          f" ms, frame -> DOM (socket.io parse + Vue + innerHTML) median "
          f"{statistics.median(browser_ms):.0f} ms, DOM -> painted (layout + paint) median "
          f"{statistics.median(paint_ms):.0f} ms")
    goal = 500.0
    for name, values in (("page load", r["paint"]), ("in-app switch", s["paint"])):
        med, p95 = statistics.median(values), percentile(values, 95)
        verdict = "MET" if p95 <= goal else ("met at the median only" if med <= goal
                                              else "NOT met")
        print(f"goal <= {goal:.0f} ms ({name}): median {med:.0f} ms, p95 {p95:.0f} ms -> {verdict}")
    if args.profile and raw.exists():
        print()
        print(py_spy_summary(raw, statistics.median(s["cpu"]), args.profile_switches))
    if args.keep:
        print(f"data kept in {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
