"""Concurrency stress test of randomisation, on SQLite and PostgreSQL (RELIABILITY.md row 5).

2,000 registered PALLSOFT participants spread over the 11 sites are randomised by 16 workers,
each with its own :class:`Database` (its own engine and connections). Every round the workers
are released together by a barrier, so claims in the same stratum collide; every tenth round
pairs of workers randomise the *same* participant at the same instant. Afterwards the database
must show 0 duplicate slots, 0 participants with more than one allocation, used slots forming a
gap-free prefix 1…n in every stratum, every completed block exactly balanced and every open
block within half its size, arms matching the list regenerated from the seed, and an audit
trail that verifies with one allocation record per participant. The 10,000 × 64-worker version
is ``benchmarks/randomisation``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from radtrial.errors import AlreadyRandomised, RadtrialError
from radtrial.services.randomisation import generate_list, randomise, verify_list
from radtrial.services.users import GrantRequest, Role, add_user
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.trial.randomisation import AllocationDesign, permuted_blocks
from tests.enrolment import protocol_variant, setup_trials
from tests.randomisation_load import SITES, register_in_bulk

PARTICIPANTS = 2_000
WORKERS = 16
SEED = 0x5EED_2025
COLLISION_EVERY = 10


@dataclass
class Attempt:
    study_id: str
    worker: int
    outcome: str
    seconds: float


def _schedule(study_ids: list[str]) -> list[list[str]]:
    """Rounds of one participant per worker; every tenth round, pairs share a participant."""
    queue = list(study_ids)
    rounds: list[list[str]] = []
    while queue:
        if len(rounds) % COLLISION_EVERY == 0:
            batch = queue[: WORKERS // 2]
            del queue[: WORKERS // 2]
            rounds.append([sid for sid in batch for _ in range(2)])
        else:
            rounds.append(queue[:WORKERS])
            del queue[:WORKERS]
    return rounds


def _urls(db: Database) -> tuple[str, str]:
    return tuple(  # type: ignore[return-value]
        db.engine(chain).url.render_as_string(hide_password=False)
        for chain in ("research", "identity")
    )


def test_2000_randomisations_from_16_workers_over_11_sites_stay_consistent(
    database: Database, tmp_path: Path
) -> None:
    started = time.perf_counter()
    variant = protocol_variant(
        tmp_path, "pallsoft", ("slots_per_stratum = 100", "slots_per_stratum = 300")
    )
    setup_trials(database, pallsoft=variant, prosarc2=False)
    for site in SITES:
        add_user(
            database,
            actor="admin",
            username=f"rn_{site.lower()}",
            full_name=f"Research nurse {site}",
            email=f"nurse.{site.lower()}@example.org",
            grants=[GrantRequest(Role.RESEARCH_NURSE, "pallsoft", site)],
        )
    generate_list(database, actor="stat", trial_slug="pallsoft", seed=SEED)
    study_ids = register_in_bulk(database, PARTICIPANTS)
    random.Random(SEED).shuffle(study_ids)
    rounds = _schedule(study_ids)
    setup_seconds = time.perf_counter() - started

    barrier = threading.Barrier(WORKERS)
    attempts: list[Attempt] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        with Database(*_urls(database), clock=database.clock) as db:
            for batch in rounds:
                barrier.wait(timeout=60)
                if number >= len(batch):
                    continue
                study_id = batch[number]
                actor = f"rn_{study_id.split('-')[1].lower()}"
                begin = time.perf_counter()
                try:
                    randomise(db, actor=actor, study_id=study_id)
                    outcome = "allocated"
                except AlreadyRandomised:
                    outcome = "already_randomised"
                except RadtrialError as exc:
                    outcome = f"{exc.code}: {exc}"
                except BaseException as exc:
                    with lock:
                        failures.append(exc)
                    barrier.abort()
                    raise
                with lock:
                    attempts.append(Attempt(study_id, number, outcome, time.perf_counter() - begin))

    run_started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_seconds = time.perf_counter() - run_started
    assert failures == []

    outcomes = Counter(a.outcome for a in attempts)
    collisions = sum(1 for batch in rounds for sid in set(batch) if batch.count(sid) > 1)
    assert outcomes == {"allocated": PARTICIPANTS, "already_randomised": collisions}
    assert {a.study_id for a in attempts if a.outcome == "allocated"} == set(study_ids)

    engine = database.engine("research")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM allocations")).scalar() == PARTICIPANTS
        duplicate_slots = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT list_id, stratum_id, sequence FROM allocations "
                "GROUP BY list_id, stratum_id, sequence HAVING count(*) > 1) d"
            )
        ).scalar()
        double_allocations = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT participant_id FROM allocations "
                "GROUP BY participant_id HAVING count(*) > 1) d"
            )
        ).scalar()
        used = connection.execute(
            text(
                "SELECT s.key, a.sequence, a.arm_code, p.arm_code FROM allocations a "
                "JOIN allocation_strata s ON s.id = a.stratum_id "
                "JOIN participants p ON p.id = a.participant_id ORDER BY s.key, a.sequence"
            )
        ).all()
        design_json = connection.execute(text("SELECT design FROM allocation_lists")).scalar()
    assert (duplicate_slots, double_allocations) == (0, 0)
    assert all(allocated == recorded for _, _, allocated, recorded in used)

    by_stratum: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, sequence, arm, _ in used:
        by_stratum[key].append((sequence, arm))
    assert len(by_stratum) == len(SITES)
    design = AllocationDesign.from_json(
        design_json if isinstance(design_json, dict) else json.loads(design_json)
    )
    completed_blocks = 0
    for key, slots in by_stratum.items():
        assert [sequence for sequence, _ in slots] == list(range(1, len(slots) + 1)), key
        plan = permuted_blocks(design, SEED, key)
        blocks: dict[int, Counter[str]] = defaultdict(Counter)
        for sequence, arm in slots:
            slot = plan[sequence - 1]
            assert slot.arm == arm
            blocks[slot.block][arm] += 1
        for block, counts in blocks.items():
            size = next(s.block_size for s in plan if s.block == block)
            if sum(counts.values()) == size:
                completed_blocks += 1
                assert counts["A"] == counts["B"] == size // 2
            else:
                assert abs(counts["A"] - counts["B"]) <= size // 2
    assert completed_blocks > 500

    assert verify_list(database, actor="stat", trial_slug="pallsoft").ok
    report = database.verify_audit("research")
    assert report.ok
    allocation_rows = history(engine, entity="allocations")
    assert len({row.entity_id for row in allocation_rows}) == PARTICIPANTS
    assert {row.field for row in allocation_rows} >= {
        "allocated_by",
        "sequence",
        "stratum_id",
        "stratum_key",
        "list_seed_sha256",
    }

    latencies = sorted(a.seconds for a in attempts)
    print(  # shown with pytest -s: the figures quoted in the decision record
        f"\n{engine.dialect.name}: setup {setup_seconds:.1f} s; {len(attempts)} attempts "
        f"({collisions} collisions) by {WORKERS} workers in {run_seconds:.1f} s = "
        f"{PARTICIPANTS / run_seconds:.0f} randomisations/s; p50 "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, p99 "
        f"{latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms"
    )


def test_the_schedule_collides_pairs_every_tenth_round() -> None:
    rounds = _schedule([f"P{i}" for i in range(100)])
    assert rounds[0] == [f"P{i // 2}" for i in range(16)]
    assert sum(len(set(r)) for r in rounds) == 100
