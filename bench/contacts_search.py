"""Contact directory search on a large directory (issue 7: "fast on 50,000 contacts").

Builds a fresh database (a temporary SQLite file, or ``--database-url``: a throwaway
PostgreSQL database whose tables are created by the migrations), fills it with
``--contacts`` generated contacts (default 50,000; two numbers and one e-mail each), then
times ``ContactService.search`` — what the directory page runs off the event loop on every
pause in typing — for name prefixes, last names, two words, e-mail prefixes, numbers in
several formats, partial digits and the unfiltered first pages. Prints median and p95 in
milliseconds per kind of query.

    .venv/bin/python bench/contacts_search.py
    .venv/bin/python bench/contacts_search.py --contacts 50000 --rounds 30
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import machine, percentile  # noqa: E402
from domain.clock import FakeClock  # noqa: E402
from domain.contact_directory import ContactService, contact_terms  # noqa: E402
from domain.events import EventBus  # noqa: E402
from storage.contacts import ContactRepo  # noqa: E402
from storage.db import Database, make_engine, migrate  # noqa: E402
from storage.tables import (  # noqa: E402
    ContactEmailRow,
    ContactPhoneRow,
    ContactRow,
    ContactTermRow,
)

FIRST = ("Jordan Priya Marcus Sofia Liam Emma Noah Olivia Ava Lucas Mia Ethan Zoë Amir Chen "
         "Fatima Hiro Ines Jonas Kwame Lena Mateo Nia Omar Paula Quinn Rosa Sven Tariq Uma "
         "Victor Wen Xavier Yara Zane").split()
LAST = ("Lee Patel Okafor Rossi Smith Garcia Müller Nguyen Kim Silva Cohen Novak Haddad Ito "
        "Jensen Kowalski Larsen Moreau Nakamura O'Brien Petrov Quispe Reyes Schmidt Tanaka "
        "Ueda Varga Weber Yilmaz Zhang Andersen Bauer Costa Dubois Evans Fischer").split()


def fill(db: Database, count: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """``count`` contacts in bulk; returns (name, number, e-mail) of each."""
    rng = random.Random(seed)
    people: list[tuple[str, str, str]] = []
    batch = 5_000
    with db.engine.begin() as conn:
        for start in range(0, count, batch):
            contacts, phones, emails, terms = [], [], [], []
            for i in range(start, min(start + batch, count)):
                cid = i + 1
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                number = f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}"
                second = f"+44{rng.randint(7000000000, 7999999999)}"
                email = f"{name.split()[0].lower()}.{i}@example.com"
                contacts.append({"id": cid, "name": name})
                phones += [{"contact_id": cid, "number": number, "label": "mobile"},
                           {"contact_id": cid, "number": second, "label": "work"}]
                emails.append({"contact_id": cid, "address": email, "label": "work"})
                terms += [{"contact_id": cid, "term": t}
                          for t in contact_terms(name, [number, second], [email])]
                people.append((name, number, email))
            conn.execute(ContactRow.__table__.insert(), contacts)
            conn.execute(ContactPhoneRow.__table__.insert(), phones)
            conn.execute(ContactEmailRow.__table__.insert(), emails)
            conn.execute(ContactTermRow.__table__.insert(), terms)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('contact', 'id'), "
                "(SELECT max(id) FROM contact))")
    return people


def queries(people: list[tuple[str, str, str]], rng: random.Random) -> dict[str, list[str]]:
    picks = [rng.choice(people) for _ in range(50)]

    def fmt(number: str) -> str:  # +1AAANNNNNNN -> (AAA) NNN-NNNN
        n = number[2:]
        return f"({n[:3]}) {n[3:6]}-{n[6:]}"

    return {
        "name prefix (3 letters)": [p[0].split()[0][:3] for p in picks],
        "last name": [p[0].split()[1] for p in picks],
        "two words": [f"{p[0].split()[0]} {p[0].split()[1][:2]}" for p in picks],
        "single letter": [rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in picks],
        "e-mail prefix": [p[2][:len(p[2]) - 8] for p in picks],
        "number, E.164": [p[1] for p in picks],
        "number, (415) 555-0123 form": [fmt(p[1]) for p in picks],
        "partial digits (6)": [p[1][2:8] for p in picks],
        "no match": [f"zz{i}qq" for i in range(len(picks))],
        "empty query (first page)": ["" for _ in picks],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=20, help="times each query list runs")
    parser.add_argument("--database-url", default="", help="throwaway PostgreSQL URL")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        db = Database(engine)
        started = time.perf_counter()
        people = fill(db, args.contacts)
        print(f"database: {engine.dialect.name}; {len(people):,} contacts created in "
              f"{time.perf_counter() - started:.1f} s")
        service = ContactService(ContactRepo(db), EventBus(), FakeClock(), None, "US")
        rng = random.Random(11)
        for kind, texts in queries(people, rng).items():
            for text in texts[:5]:  # warm the caches
                service.search(text)
            timings, found = [], []
            for _ in range(args.rounds):
                for text in texts:
                    t0 = time.perf_counter()
                    page = service.search(text)
                    timings.append((time.perf_counter() - t0) * 1000)
                    found.append(len(page.contacts))
            print(f"{kind:30s} median {statistics.median(timings):6.2f} ms   "
                  f"p95 {percentile(timings, 95):6.2f} ms   max {max(timings):6.2f} ms   "
                  f"(n={len(timings)}, rows shown median {statistics.median(found):.0f})")
        # the correctness the figures rest on: each picked number finds its contact
        for name, number, email in people[:: max(1, len(people) // 200)]:
            for text in (number, email):
                assert name in [c.name for c in service.search(text).contacts], (name, text)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
