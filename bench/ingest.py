"""Ingest benchmark: >= 300 inbound messages/s sustained on SQLite, none lost.

Starts a fresh Parley server (demo data, nobody Ready, so every message queues or joins an
open session), sends N ``POST /api/v1/inbound`` requests from a bounded pool of HTTP/1.1
keep-alive connections, then stops the server and checks the SQLite file: every accepted
message is stored exactly once, in the interaction its 202 reply named. Finally re-sends
some messages and checks they are answered as duplicates and store nothing.

    .venv/bin/python bench/ingest.py                  # 6,000 messages paced at 300/s
    .venv/bin/python bench/ingest.py --rate 0         # as fast as the server goes
    .venv/bin/python bench/ingest.py -n 3000 --concurrency 16

The load generator runs on the same machine as the server and shares its CPU cores.
Prints figures; it is not a test and never fails on a slow result (exit 1 only when
messages were lost or a check failed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from _common import (  # type: ignore[import-not-found]
    AUTH,
    PAGE_NUMBER,
    SESSION_NUMBER,
    load_average,
    machine,
    percentile,
    process_cpu_seconds,
    start_server,
    summary,
)

JORDAN = "+14155550123"  # a known demo contact
WORDS = ("hello", "my order", "has not arrived", "can you help", "refund", "tracking",
         "thanks", "please call me", "wrong size", "invoice", "update my address", "ok")
WINDOW_S = 5.0
JSON = {"Content-Type": "application/json"}


@dataclass
class Result:
    index: int
    message_id: str
    status: int | None = None
    interaction_id: str | None = None
    duplicate: bool | None = None
    error: str | None = None
    sent_at: float = 0.0  # seconds since the run started
    done_at: float = 0.0
    schedule_lag: float = 0.0  # how late the request left compared with its slot


@dataclass
class Plan:
    bodies: list[dict[str, object]] = field(default_factory=list)


def make_plan(n: int, run_id: str, senders: int, seed: int) -> Plan:
    rnd = random.Random(seed)
    numbers = [f"+1415555{i:04d}" for i in rnd.sample(range(10_000), senders)]
    plan = Plan()
    for i in range(n):
        sender = JORDAN if i % 97 == 0 else rnd.choice(numbers)
        to = SESSION_NUMBER if rnd.random() < 0.5 else PAGE_NUMBER
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 12)))
        plan.bodies.append({"message_id": f"bench-{run_id}-{i:06d}", "from": sender,
                            "to": to, "text": f"{text} #{i}"})
    return plan


class RawHttpClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per worker.

    About ten times cheaper per request than httpx, so that on a 2-core machine the load
    generator leaves the server its share of the CPU (``--client raw``).
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: {AUTH['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        else:
            data = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def send_all(base_url: str, plan: Plan, rate: float, concurrency: int,
                   time_limit: float, client_kind: str) -> tuple[list[Result], float]:
    """Open-loop when ``rate`` > 0 (request i leaves at i/rate seconds, or as soon as a
    connection is free); closed-loop (as fast as possible) when ``rate`` is 0."""
    results = [Result(i, b["message_id"]) for i, b in enumerate(plan.bodies)]  # type: ignore[misc]
    payloads = [json.dumps(b).encode() for b in plan.bodies]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(plan.bodies)):
        queue.put_nowait(i)
    async with httpx.AsyncClient(base_url=base_url, headers={**AUTH, **JSON}, limits=limits,
                                 timeout=httpx.Timeout(30.0)) as client:
        start = time.perf_counter()
        stop_at = start + time_limit

        async def worker() -> None:
            raw = RawHttpClient(base_url) if client_kind == "raw" else None
            try:
                while True:
                    try:
                        i = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    r = results[i]
                    if rate > 0:
                        slot = start + i / rate
                        delay = slot - time.perf_counter()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        r.schedule_lag = max(0.0, time.perf_counter() - slot)
                    now = time.perf_counter()
                    if now > stop_at:
                        r.error = "not sent (time limit)"
                        continue
                    r.sent_at = now - start
                    try:
                        if raw is not None:
                            status, content = await asyncio.wait_for(
                                raw.post("/api/v1/inbound", payloads[i]), 30.0)
                        else:
                            reply = await client.post("/api/v1/inbound", content=payloads[i])
                            status, content = reply.status_code, reply.content
                        r.status = status
                        if status in (200, 202):
                            data = json.loads(content)
                            r.interaction_id = data["interaction_id"]
                            r.duplicate = data["duplicate"]
                        else:
                            r.error = f"HTTP {status}: {content[:200]!r}"
                    except (TimeoutError, httpx.HTTPError, OSError,
                            asyncio.IncompleteReadError, ValueError) as exc:
                        r.error = f"{type(exc).__name__}: {exc}"
                        if raw is not None:
                            await raw.close()
                    r.done_at = time.perf_counter() - start
            finally:
                if raw is not None:
                    await raw.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return results, wall


async def resend(base_url: str, plan: Plan, picks: list[Result]) -> list[tuple[Result, int, dict]]:
    out = []
    async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=30.0) as client:
        for r in picks:
            reply = await client.post("/api/v1/inbound", json=plan.bodies[r.index])
            out.append((r, reply.status_code, reply.json()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=6000, help="messages to send")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="target messages/s (open loop); 0 = as fast as possible")
    parser.add_argument("--concurrency", type=int, default=32, help="connections in flight")
    parser.add_argument("--senders", type=int, default=2000, help="distinct sender numbers")
    parser.add_argument("--duplicates", type=int, default=100, help="messages re-sent")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="stop sending after this many seconds whatever happens")
    parser.add_argument("--client", choices=("httpx", "raw"), default="httpx",
                        help="httpx.AsyncClient, or a minimal asyncio HTTP/1.1 client that "
                        "needs far less CPU")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args()
    if not 1 <= args.count <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("count must be 1..100000 and concurrency 1..256")

    run_id = f"{int(time.time())}"
    data_dir = Path(tempfile.mkdtemp(prefix="parley-bench-ingest-"))
    plan = make_plan(args.count, run_id, args.senders, args.seed)
    print(f"machine: {machine()}")
    print("note: the load generator (this process) runs on the same machine and "
          "shares its CPU cores with the server")
    print(f"data folder: {data_dir}")
    server = start_server(data_dir)
    print(f"server: {server.url} (pid {server.proc.pid if server.proc else '?'}), "
          f"nobody Ready, SQLite in the data folder")
    mode = f"paced at {args.rate:g}/s" if args.rate > 0 else "as fast as possible"
    print(f"sending {args.count} messages, {mode}, {args.concurrency} keep-alive connections "
          f"({args.client}), {args.senders} senders, half to the session number, "
          f"half to the page number")
    server_pid = server.proc.pid if server.proc else 0
    load_before = load_average()
    try:
        cpu0, own0 = process_cpu_seconds(server_pid), time.process_time()
        results, wall = asyncio.run(
            send_all(server.url, plan, args.rate, args.concurrency, args.time_limit,
                     args.client)
        )
        server_cpu = process_cpu_seconds(server_pid) - cpu0
        own_cpu = time.process_time() - own0
        load_after = load_average()
        ok = [r for r in results if r.status in (200, 202)]
        accepted = [r for r in results if r.status == 202]
        dup_picks = random.Random(args.seed + 1).sample(accepted, min(args.duplicates,
                                                                      len(accepted)))
        dup_replies = asyncio.run(resend(server.url, plan, dup_picks))
    finally:
        server.stop()

    # ---- figures ------------------------------------------------------------------------
    sent = [r for r in results if r.sent_at > 0]
    errors = [r for r in results if r.error]
    lat_ms = [(r.done_at - r.sent_at) * 1000 for r in ok]
    print()
    print(f"sent:      {len(sent)}")
    print(f"accepted:  {len(accepted)} (202)   other 200: {len(ok) - len(accepted)}   "
          f"errors: {len(errors)}")
    for message, count in Counter(r.error for r in errors).most_common(5):
        print(f"   {count} x {message}")
    print(f"wall time: {wall:.2f} s (first send to last reply)")
    last_done = max((r.done_at for r in ok), default=0.0)
    first_sent = min((r.sent_at for r in sent), default=0.0)
    span = max(1e-9, last_done - first_sent)
    print(f"throughput (sustained over the whole run): {len(ok) / span:.1f} msg/s")
    windows: Counter[int] = Counter(int(r.done_at // WINDOW_S) for r in ok)
    full = [windows[w] / WINDOW_S for w in range(int(last_done // WINDOW_S))]  # complete ones
    per_window = "  ".join(f"{windows[w] / WINDOW_S:.0f}" for w in sorted(windows))
    print(f"throughput per {WINDOW_S:g} s window (msg/s): {per_window}")
    if full:
        print(f"   complete windows: min {min(full):.0f}  median {statistics.median(full):.0f}"
              f"  max {max(full):.0f} msg/s")
    print(f"latency ms (reply to POST, client side): {summary(lat_ms)}")
    print(f"server CPU: {server_cpu:.1f} s = {server_cpu / wall * 100:.0f}% of one core, "
          f"{server_cpu / max(1, len(ok)) * 1000:.2f} ms per message; load generator CPU: "
          f"{own_cpu:.1f} s = {own_cpu / wall * 100:.0f}% of one core")
    print(f"machine load average (1 min) before/after: {load_before} / {load_after} "
          f"(anything well above 1 + the two processes above means other work competed)")
    if args.rate > 0:
        lag_ms = [r.schedule_lag * 1000 for r in sent]
        print(f"schedule lag ms (late start vs the {args.rate:g}/s slot): median "
              f"{statistics.median(lag_ms):.1f}  p95 {percentile(lag_ms, 95):.1f}  "
              f"max {max(lag_ms):.1f}")

    # ---- nothing lost -------------------------------------------------------------------
    failures = 0
    db = sqlite3.connect(data_dir / "parley.db")
    try:
        prefix = f"bench-{run_id}-%"
        stored = dict(db.execute(
            "SELECT provider_message_id, interaction_id FROM message "
            "WHERE provider_message_id LIKE ?", (prefix,)).fetchall())
        rows = db.execute("SELECT COUNT(*) FROM message WHERE provider_message_id LIKE ?",
                          (prefix,)).fetchone()[0]
        interactions = {row[0] for row in db.execute("SELECT id FROM interaction")}
        total_messages = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
    finally:
        db.close()
    acked = {r.message_id: r.interaction_id for r in accepted}
    lost = [m for m in acked if m not in stored]
    wrong = [m for m, i in acked.items() if m in stored and stored[m] != i]
    missing_interactions = {i for i in acked.values() if i not in interactions}
    unacked_stored = [m for m in stored if m not in acked]
    print()
    print(f"database: {rows} message rows with this run's ids "
          f"({len(stored)} distinct), {len(acked)} acknowledged with 202")
    print(f"   lost (acknowledged, not stored): {len(lost)}")
    print(f"   stored in another interaction than the reply said: {len(wrong)}")
    print(f"   interactions named in 202 replies that do not exist: {len(missing_interactions)}")
    print(f"   stored but not acknowledged (e.g. client timeout): {len(unacked_stored)}")
    failures += len(lost) + len(wrong) + len(missing_interactions) + (rows - len(stored))
    joined = len(acked) - len(set(acked.values()))
    print(f"   {len(set(acked.values()))} interactions, {joined} messages joined an open "
          f"session")

    # ---- duplicates ---------------------------------------------------------------------
    good = sum(1 for r, status, body in dup_replies
               if status == 200 and body.get("duplicate") is True
               and body.get("interaction_id") == r.interaction_id
               and body.get("message_id") == r.message_id)
    print(f"duplicates: re-sent {len(dup_replies)}, answered 200 + duplicate with the same "
          f"ids: {good}; message rows after re-sending: {total_messages} "
          f"(this run's: {rows}, expected {len(acked)})")
    failures += (len(dup_replies) - good) + (rows - len(acked) - len(unacked_stored))

    print()
    rate_ok = len(ok) / span >= 300
    print(f"goal >= 300 msg/s sustained: {'MET' if rate_ok else 'NOT MET'} "
          f"({len(ok) / span:.0f} msg/s)" + ("" if args.rate == 0 or args.rate >= 300 else
                                             "  [paced below 300/s: not a test of the goal]"))
    print(f"goal none lost: {'MET' if not failures else 'NOT MET'}"
          + (f"  [{len(errors)} requests got no 2xx: not acknowledged, so not lost, but "
             f"look at the errors above]" if errors else ""))
    if not args.keep:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
