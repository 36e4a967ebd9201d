"""Randomisation throughput and latency under 1, 8 and 64 concurrent workers, SQLite and PostgreSQL.

Each configuration starts from empty databases: PALLSOFT is loaded (a list long enough for the
run), the allocation list generated, and N eligible, consented participants registered over the
11 sites. Then W worker threads, each with its own :class:`Database` (engine and connections),
randomise them through :func:`radtrial.services.randomisation.randomise` as fast as they can,
and every call's latency is recorded. After the run the invariants of RELIABILITY.md row 5 are
checked: 0 duplicate slots, 0 participants allocated twice, gap-free used slots per stratum,
every used slot matching the list regenerated from the seed (``verify``), and the audit chain
verifying.

**Peers.** The systems a trial team would otherwise use do not generate or serve allocations:
REDCap's randomisation module and clinicedc's ``edc_randomization`` both hand out rows of an
allocation table made elsewhere (REDCap needs it uploaded; clinicedc imports a pre-made CSV), and
neither runs outside its own server (PHP/MySQL; a Django project), so there is no library to
call. Two floors measured on the same database, with the same workers, stand in for them:

* *audited write*: the cheapest audited transaction radtrial can make (one 4-column insert with
  its audit rows), i.e. what any write costs here;
* *list claim*: the core of the REDCap/clinicedc design without any checks or audit: claim the
  next free row of a pre-made slot table (``SELECT … FOR UPDATE`` + ``UPDATE`` on PostgreSQL,
  the same under ``BEGIN IMMEDIATE`` on SQLite).

The ratios show what eligibility, consent, permission and withdrawal checks, stratum locking,
regeneration of the slot from the seed, the prescription and the audit trail cost on top.

Run: ``.venv/bin/python benchmarks/randomisation/bench_randomisation.py`` (1,000 per
configuration), ``--big`` adds the 10,000-randomisation, 64-worker run. PostgreSQL comes from
``RADTRIAL_TEST_POSTGRES_URL`` (default: the local server). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy
from sqlalchemy import create_engine, make_url, text

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.enrolment import protocol_variant, setup_trials  # noqa: E402
from tests.randomisation_load import SITES, register_in_bulk  # noqa: E402

from radtrial.services.randomisation import generate_list, randomise, verify_list  # noqa: E402
from radtrial.store.database import Database  # noqa: E402
from radtrial.trial.randomisation import AllocationDesign, permuted_blocks  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 20250106


def machine() -> str:
    return (
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {__import__('sqlite3').sqlite_version}"
    )


@contextmanager
def scratch(engine: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """Empty research and identity databases: SQLite files, or PostgreSQL databases."""
    if engine == "sqlite":
        folder = Path(tempfile.mkdtemp(dir=tmp))
        yield f"sqlite:///{folder / 'research.db'}", f"sqlite:///{folder / 'identity.db'}"
        return
    server = make_url(os.environ.get("RADTRIAL_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"radtrial_bench_{os.getpid()}_{secrets.token_hex(3)}_{part}" for part in "ri"]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(  # type: ignore[misc]
            server.set(database=name).render_as_string(hide_password=False) for name in names
        )
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Timing:
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def hammer(
    urls: tuple[str, str],
    workers: int,
    jobs: list[object],
    call: Callable[[Database, object], None],
) -> Timing:
    """Run ``call(db, job)`` for every job from ``workers`` threads, each with its own Database."""
    queue = iter(jobs)
    guard = threading.Lock()
    latencies: list[float] = []
    failures: list[BaseException] = []
    ready = threading.Barrier(workers + 1)

    def worker() -> None:
        with Database(*urls) as db:
            ready.wait()
            mine = []
            while True:
                with guard:
                    job = next(queue, None)
                if job is None:
                    break
                start = time.perf_counter()
                try:
                    call(db, job)
                except BaseException as exc:
                    failures.append(exc)
                    break
                mine.append(time.perf_counter() - start)
            with guard:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if failures:
        raise failures[0]
    return Timing(len(latencies), seconds, latencies)


def check_invariants(db: Database, count: int) -> str:
    """RELIABILITY.md row 5's invariants over what the run left in the database."""
    with db.engine("research").connect() as connection:
        used = connection.execute(
            text(
                "SELECT s.key, a.sequence, a.arm_code FROM allocations a "
                "JOIN allocation_strata s ON s.id = a.stratum_id ORDER BY s.key, a.sequence"
            )
        ).all()
        doubles = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT participant_id FROM allocations "
                "GROUP BY participant_id HAVING count(*) > 1) d"
            )
        ).scalar()
        design_json = connection.execute(text("SELECT design FROM allocation_lists")).scalar()
    design = AllocationDesign.from_json(
        design_json if isinstance(design_json, dict) else json.loads(design_json)
    )
    by_stratum: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, sequence, arm in used:
        by_stratum[key].append((sequence, arm))
    problems = []
    if len(used) != count:
        problems.append(f"{len(used)} allocations, not {count}")
    if doubles:
        problems.append(f"{doubles} participants allocated twice")
    unbalanced = 0
    for key, slots in by_stratum.items():
        if [s for s, _ in slots] != list(range(1, len(slots) + 1)):
            problems.append(f"{key}: used slots not a gap-free prefix")
        plan = permuted_blocks(design, SEED, key)
        blocks: dict[int, list[str]] = defaultdict(list)
        for sequence, arm in slots:
            blocks[plan[sequence - 1].block].append(arm)
        for block, arms in blocks.items():
            size = plan[[s.block for s in plan].index(block)].block_size
            if len(arms) == size and arms.count("A") != arms.count("B"):
                unbalanced += 1
    if unbalanced:
        problems.append(f"{unbalanced} completed blocks unbalanced")
    if not verify_list(db, actor="stat", trial_slug="pallsoft").ok:
        problems.append("verify failed")
    if not db.verify_audit("research").ok:
        problems.append("audit chain does not verify")
    return "ok" if not problems else "; ".join(problems)


def claim_floor(urls: tuple[str, str], workers: int, count: int) -> Timing:
    """The pre-made-list design without checks or audit: claim the next free row."""
    setup = Database(*urls)
    bind = setup.engine("research")
    with bind.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_slots (id INTEGER PRIMARY KEY, stratum VARCHAR(16), "
                "seq INTEGER, arm VARCHAR(2), participant INTEGER, UNIQUE (stratum, seq))"
            )
        )
        per = count // len(SITES) + 2
        rows = [
            {"id": i * per + seq, "stratum": site, "seq": seq, "arm": "AB"[seq % 2]}
            for i, site in enumerate(SITES)
            for seq in range(1, per + 1)
        ]
        connection.execute(
            text(
                "INSERT INTO bench_slots (id, stratum, seq, arm) VALUES (:id, :stratum, :seq, :arm)"
            ),
            rows,
        )
    setup.close()
    lock = " FOR UPDATE" if urls[0].startswith("postgresql") else ""

    def claim(db: Database, job: object) -> None:
        number, site = job  # type: ignore[misc]
        with db.engine("research").begin() as connection:
            slot = connection.execute(
                text(
                    "SELECT id FROM bench_slots WHERE stratum = :s AND participant IS NULL "  # noqa: S608
                    f"ORDER BY seq LIMIT 1{lock}"
                ),
                {"s": site},
            ).scalar()
            connection.execute(
                text("UPDATE bench_slots SET participant = :p WHERE id = :id"),
                {"p": number, "id": slot},
            )

    return hammer(urls, workers, [(n, SITES[n % len(SITES)]) for n in range(count)], claim)


def audited_floor(urls: tuple[str, str], workers: int, count: int) -> Timing:
    """The cheapest audited transaction: one small insert and its audit rows."""
    with Database(*urls) as db:
        record = db.run(lambda uow: uow.randomisation.list_of("pallsoft"), actor="bench")

    def write(db: Database, _job: object) -> None:
        db.run(lambda uow: uow.randomisation.record_export(record, format="bench"), actor="stat")

    return hammer(urls, workers, list(range(count)), write)


def run_configuration(engine: str, workers: int, count: int, tmp: Path) -> dict[str, object]:
    with scratch(engine, tmp) as urls:
        db = Database(*urls)
        db.upgrade()
        slots = count // len(SITES) + 60
        variant = protocol_variant(
            Path(tempfile.mkdtemp(dir=tmp)),
            "pallsoft",
            ("slots_per_stratum = 100", f"slots_per_stratum = {slots}"),
        )
        setup_trials(db, pallsoft=variant, prosarc2=False)
        generate_list(db, actor="stat", trial_slug="pallsoft", seed=SEED)
        started = time.perf_counter()
        study_ids = register_in_bulk(db, count)
        setup_seconds = time.perf_counter() - started
        random.Random(SEED).shuffle(study_ids)  # noqa: S311 - an order, not a secret
        timing = hammer(
            urls,
            workers,
            list(study_ids),
            lambda worker_db, sid: randomise(worker_db, actor="coordinator", study_id=str(sid)),
        )
        invariants = check_invariants(db, count)
        floor_count = min(count, 1000)
        audited = audited_floor(urls, workers, floor_count)
        claimed = claim_floor(urls, workers, floor_count)
        db.close()
    return {
        "engine": engine,
        "workers": workers,
        "randomisations": count,
        "seconds": timing.seconds,
        "rate": timing.rate,
        "p50_ms": timing.percentile(0.50),
        "p99_ms": timing.percentile(0.99),
        "audited_floor_rate": audited.rate,
        "claim_floor_rate": claimed.rate,
        "setup_seconds": setup_seconds,
        "invariants": invariants,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,8,64")
    parser.add_argument("--randomisations", type=int, default=1000)
    parser.add_argument("--big", action="store_true", help="add 10,000 randomisations × 64")
    args = parser.parse_args()
    plan = [
        (engine, int(w), args.randomisations)
        for engine in args.engines.split(",")
        for w in args.workers.split(",")
    ]
    if args.big:
        plan += [(engine, 64, 10_000) for engine in args.engines.split(",")]
    print(
        "Randomisation: permuted blocks 2/4/6, PALLSOFT's 11 site strata, one call per "
        "randomisation through the service (checks, stratum lock, slot, arm, prescription, audit)"
    )
    print(machine())
    header = (
        f"{'engine':<11}{'workers':>8}{'n':>7}{'s':>8}{'rand/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'audited-write/s':>17}{'list-claim/s':>14}  invariants"
    )
    print(header)
    with tempfile.TemporaryDirectory() as folder:
        for engine, workers, count in plan:
            r = run_configuration(engine, workers, count, Path(folder))
            print(
                f"{r['engine']:<11}{r['workers']:>8}{r['randomisations']:>7}{r['seconds']:>8.1f}"
                f"{r['rate']:>8.0f}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}"
                f"{r['audited_floor_rate']:>17.0f}{r['claim_floor_rate']:>14.0f}  "
                f"{r['invariants']}",
                flush=True,
            )
    print(
        "rand/s ÷ audited-write/s: the cost of a randomisation in units of the cheapest audited "
        "write; list-claim/s is the REDCap/clinicedc pre-made-list core without checks or audit."
    )


if __name__ == "__main__":
    main()
