"""Protocol library throughput on one core, for ~1 KB notices.

Prints and writes ``bench/results/protocol.json``:
- entries appended per second into an in-memory feed (canonicalise + hash + Merkle update);
- checkpoints signed per second (Ed25519 signed note);
- seconds to verify a batch of 10,000 entries against one signed checkpoint (decode and chain
  check every entry, recompute the Merkle root, verify one signature), and the share of that
  time spent on the signature.

Run: ``.venv/bin/python -m bench.bench_protocol [--rounds N]``.
"""

from __future__ import annotations

import argparse
import time
import uuid

from hotline_protocol.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from hotline_protocol.entries import decode_chain, encode_entry
from hotline_protocol.merkle import Tree, leaf_hash, root_of
from hotline_protocol.note import Signer
from hotline_protocol.notices import Notice, parse_notice

from .common import machine, percentiles, write_result

ORIGIN = "alpha.hotline.example"


def sample_notice(i: int) -> Notice:
    """A planned operation of about 1 KB of canonical JSON."""
    t0 = 1_767_254_400_000 + i * 60_000
    return parse_notice(
        {
            "id": str(uuid.UUID(int=i + 1)),
            "kind": "planned_operation",
            "status": "exercise",
            "author": {"id": "ops-a-1", "unit": "CAOC-A Current Operations", "nation": "XAA"},
            "time": t0,
            "operation_ref": f"OP-NORTHWIND-{i:05d}",
            "activity": "air_patrol",
            "areas": [
                {
                    "shape": "polygon",
                    "points": [
                        {"lat": 52.1 + i % 7 * 0.01, "lon": 21.05},
                        {"lat": 52.4, "lon": 21.35},
                        {"lat": 52.2, "lon": 21.9},
                        {"lat": 51.95, "lon": 21.5},
                        {"lat": 52.1 + i % 7 * 0.01, "lon": 21.05},
                    ],
                },
                {
                    "shape": "circle",
                    "centre": {"lat": 52.6, "lon": 22.1},
                    "radius": {"value": 15, "unit": "NM"},
                },
            ],
            "vertical_block": {
                "lower": {"value": 100, "unit": "FL", "reference": "STD"},
                "upper": {"value": 250, "unit": "FL", "reference": "STD"},
            },
            "window": {"start": t0 + 3_600_000, "end": t0 + 10_800_000},
            "callsigns": ["VIPER11", "VIPER12", "VIPER13", "VIPER14"],
            "aircraft_count": 4,
            "aircraft_type": "F16",
            "air_to_air_frequency_mhz": 251.3,
            "point_of_contact": {"role": "CAOC-A duty officer", "phone": "+1 555 0100"},
            "remarks": "Two-ship rotations on station; tanker track outside the volume. "
            "Expect transit at FL110 through the corridor at the start and end of the window.",
        }
    )


def bench_append(notices: list[Notice]) -> float:
    tree = Tree()
    prev = b""
    start = time.perf_counter()
    for i, notice in enumerate(notices):
        entry = encode_entry(ORIGIN, i, prev, notice)
        tree.append(entry.leaf_hash)
        prev = entry.leaf_hash
    tree.root()
    return len(notices) / (time.perf_counter() - start)


def bench_sign(signer: Signer, count: int) -> float:
    tree_root = b"\x11" * 32
    start = time.perf_counter()
    for size in range(1, count + 1):
        sign_checkpoint(Checkpoint(ORIGIN, size, tree_root), signer)
    return count / (time.perf_counter() - start)


def bench_verify_batch(raws: list[bytes], note: bytes, signer: Signer) -> tuple[float, float]:
    verifier = signer.verifier()
    start = time.perf_counter()
    entries = decode_chain(raws, origin=ORIGIN, start=0, prev=b"")
    root = root_of([e.leaf_hash for e in entries])
    sig_start = time.perf_counter()
    signed = open_checkpoint(note, origin=ORIGIN, log=verifier)
    sig_time = time.perf_counter() - sig_start
    assert signed.checkpoint.root == root and signed.checkpoint.size == len(raws)
    return time.perf_counter() - start, sig_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()

    notices = [sample_notice(i) for i in range(args.entries)]
    signer = Signer.generate(ORIGIN)
    raws, prev = [], b""
    for i, notice in enumerate(notices):
        entry = encode_entry(ORIGIN, i, prev, notice)
        raws.append(entry.raw)
        prev = entry.leaf_hash
    note = sign_checkpoint(Checkpoint(ORIGIN, len(raws), root_of(_leaves(raws))), signer)
    size = sum(len(r) for r in raws) / len(raws)

    appends = [bench_append(notices) for _ in range(args.rounds)]
    signs = [bench_sign(signer, 2000) for _ in range(args.rounds)]
    verifies = [bench_verify_batch(raws, note, signer) for _ in range(args.rounds)]

    result = {
        "entry_bytes_mean": round(size),
        "entries": args.entries,
        "append_per_s": percentiles(appends),
        "checkpoints_signed_per_s": percentiles(signs),
        "verify_batch_s": percentiles([v[0] for v in verifies]),
        "verify_batch_signature_share": percentiles([v[1] / v[0] for v in verifies]),
        "targets": {"append_per_s": 10_000},
    }
    path = write_result("protocol", result)
    m = machine()
    print(f"protocol benchmark — {m['cores']} cores, Python {m['python']}, one core used")
    print(f"  entry size: {size:.0f} bytes mean, {args.entries} entries, {args.rounds} rounds")
    print(
        f"  append (canonicalise + hash + Merkle): median {result['append_per_s']['median']:,.0f}"
        f"/s (min round {min(appends):,.0f}/s; target >= 10,000/s)"
    )
    print(f"  checkpoints signed: median {result['checkpoints_signed_per_s']['median']:,.0f}/s")
    vb = result["verify_batch_s"]
    share = result["verify_batch_signature_share"]["median"]
    print(
        f"  verify {args.entries} entries against one checkpoint: median {vb['median']:.3f} s, "
        f"max {vb['max']:.3f} s; signature share {share:.4%}"
    )
    print(f"  written to {path.relative_to(path.parent.parent.parent)}")


def _leaves(raws: list[bytes]) -> list[bytes]:
    return [leaf_hash(r) for r in raws]


if __name__ == "__main__":
    main()
