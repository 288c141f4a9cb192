"""The console's own JavaScript, run in Chromium on the served modules: MGRS/UTM and
degrees-minutes conversions, date-time groups, RFC 6962 proof verification (against the
transparency-dev probes), signed-note checks (against notes the protocol library signs) and the
coverage of the English and Russian dictionaries. The functions evaluated are in ``js/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.note import Signer, add_signatures

from .conftest import Pair

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMA = ROOT / "protocol" / "schema" / "notice.schema.json"
PROBES = ROOT / "tests" / "protocol" / "vectors" / "transparency-dev-merkle" / "testdata"
PROOF_ERRORS = {"bad_index", "bad_size", "bad_proof_length", "bad_hash_size", "root_mismatch"}

# (lat, lon, MGRS at 1 m) cross-checked with an independent MGRS library
MGRS_VECTORS = [
    (46.912, -30.418, "25TFM9661598621"),
    (38.8895, -77.0353, "18SUJ2347806483"),
    (48.2054, 16.3468, "33UXP0006440006"),
    (-33.8568, 151.2153, "56HLH3490052288"),
    (0.0, 0.0, "31NAA6602100000"),
    (60.5, 5.5, "32VLN0779312209"),  # Norway exception: zone 32
    (78.2, 15.6, "33XWG1369680760"),  # Svalbard exception: zone 33
    (-79.9, -179.9, "01CDM4324728161"),
    (83.9, 179.9, "60XWU3439017795"),
    (55.7539, 37.6208, "37UDB1343979551"),
    (-0.0001, -0.0001, "30MZE3396799988"),
]


@pytest.fixture
def console(pair: Pair, page: Page) -> Page:
    page.goto(f"{pair.alpha.url}/")
    page.wait_for_selector("#login-form")
    return page


def run(page: Page, name: str, arg: Any = None) -> Any:
    """Evaluate the async function in ``js/<name>.js`` on the console's page."""
    return page.evaluate((HERE / "js" / f"{name}.js").read_text(), arg)


def test_mgrs_round_trips_known_references(console: Page) -> None:
    results = run(console, "mgrs_vectors", MGRS_VECTORS)
    for (lat, lon, ref), (forward, back_lat, back_lon, precision) in zip(
        MGRS_VECTORS, results, strict=True
    ):
        assert forward == ref
        assert precision == 1
        assert abs(back_lat - lat) < 2e-5 and abs(back_lon - lon) < 5e-5, (ref, back_lat, back_lon)


def test_mgrs_accepts_spacing_and_lower_precision_and_refuses_nonsense(console: Page) -> None:
    out = run(console, "mgrs_edges")
    assert abs(out["a"][0] - 46.912) < 2e-5 and abs(out["a"][1] + 30.418) < 2e-5
    lat, lon, precision = out["km"]
    assert precision == 1000  # a 1 km square: its centre
    assert abs(lat - 47.8538) < 0.01 and abs(lon - 16.4035) < 0.01
    assert out["square"] == "25T FM"
    assert out["errors"] == [
        "geo.mgrs_digits",
        "geo.mgrs_zone",
        "geo.mgrs_syntax",
        "geo.mgrs_syntax",
        "geo.mgrs_digits",
    ]
    assert out["polar"] == "geo.mgrs_polar"


def test_degrees_minutes_and_decimal_degrees(console: Page) -> None:
    texts = [
        "46.912, -30.418",
        "46 54.72 N 030 25.08 W",
        "N46 54.72 W030 25.08",
        "46.912N 30.418W",
        "46,912; -30,418",
        "46°54′43.2″N 30°25′04.8″W",  # noqa: RUF001
        "25T FM 96615 98621",
    ]
    out = run(console, "coords", texts)
    for text, pos in zip(texts, out["parsed"], strict=True):
        assert abs(pos["lat"] - 46.912) < 1e-5 and abs(pos["lon"] + 30.418) < 1e-5, text
    assert out["dm"] == "46°54.720′N 030°25.080′W"  # noqa: RUF001
    assert out["dd"] == "33.85680°S 151.21530°E"
    assert out["angle"] == [pytest.approx(-30.418), pytest.approx(-33.8568)]
    assert out["out_of_range"] == 95  # the node checks ranges and says so at the field
    assert out["errors"] == [
        "geo.angle_minutes",
        "geo.angle_hemisphere",
        "geo.position_syntax",
        "geo.angle_syntax",
    ]


def test_date_time_groups(console: Page) -> None:
    out = run(console, "time")
    ms = 1795534200000  # 2026-11-24 15:30Z
    assert out["dtg"] == "241530ZNOV26"
    assert out["parsed"] == [ms] * 5
    assert out["relative"] == [ms, ms - 3 * 3_600_000 - 30 * 60_000 + 17_000]
    assert out["errors"] == ["time.invalid", "time.invalid", "time.invalid"]
    assert (out["zulu"], out["hhmmz"]) == ("2026-11-24 15:30Z", "1530Z")


def _probes(kind: str) -> list[dict[str, Any]]:
    probes = []
    for path in sorted((PROBES / kind).rglob("*.json")):
        probe: dict[str, Any] = json.loads(path.read_text())
        probe["name"] = path.relative_to(PROBES).as_posix()
        probes.append(probe)
    return probes


def test_rfc6962_verification_matches_the_transparency_dev_probes(console: Page) -> None:
    inclusion, consistency = _probes("inclusion"), _probes("consistency")
    assert len(inclusion) == len(consistency) == 98
    results = run(console, "merkle", [inclusion, consistency])
    wrong = [
        (p["name"], results[p["name"]])
        for p in inclusion + consistency
        if (results[p["name"]] == "ok") == p["wantErr"]
    ]
    assert not wrong, wrong
    assert {r for r in results.values() if r != "ok"} <= PROOF_ERRORS


def _keys_with_plus() -> tuple[Signer, CosignatureSigner]:
    """Keys whose vkeys hold a '+' in their base64 part (a parser must not split there)."""
    while True:
        log = Signer.generate("alpha.hotline.example")
        witness = CosignatureSigner.generate("bravo.hotline.example/witness")
        if "+" in log.vkey.split("+", 2)[2] and "+" in witness.vkey.split("+", 2)[2]:
            return log, witness


def test_signed_checkpoints_are_checked_like_the_protocol_library(console: Page) -> None:
    log, witness = _keys_with_plus()
    stranger = Signer.generate("mallory.example")
    checkpoint = Checkpoint("alpha.hotline.example", 7, bytes(range(32)))
    note = sign_checkpoint(checkpoint, log)
    note = add_signatures(note, [cosign(checkpoint.body(), witness, 1_795_534_200)])
    unpinned = CosignatureSigner.generate("charlie.example/witness")
    note = add_signatures(note, [cosign(checkpoint.body(), unpinned, 5)])
    vkeys = [log.vkey, witness.vkey]
    out = run(console, "note", {"note": note.decode(), "vkeys": vkeys})
    assert (out["origin"], out["size"]) == ("alpha.hotline.example", 7)
    sigs = [(s["role"], s["status"], s.get("timestamp")) for s in out["signatures"]]
    assert sigs == [
        ("log", "valid", None),
        ("cosignature", "valid", 1_795_534_200),
        ("unknown", "unknown", None),
    ]

    forged = note.replace(b"\n7\n", b"\n8\n")
    out = run(console, "note", {"note": forged.decode(), "vkeys": vkeys})
    assert [s["status"] for s in out["signatures"]][:2] == ["invalid", "invalid"]

    other = sign_checkpoint(checkpoint, stranger)
    out = run(console, "note", {"note": other.decode(), "vkeys": vkeys})
    assert [(s["role"], s["status"]) for s in out["signatures"]] == [("unknown", "unknown")]


def _schema_enums() -> dict[str, list[str]]:
    schema = json.loads(SCHEMA.read_text())
    defs: dict[str, Any] = schema["$defs"]
    enums = {name: d["enum"] for name, d in defs.items() if "enum" in d}

    def consts(member: str) -> list[str]:
        return [
            d["properties"][member]["const"]
            for d in defs.values()
            if "const" in d.get("properties", {}).get(member, {})
        ]

    return {**enums, "Kind": consts("kind"), "Shape": consts("shape")}


def test_every_label_and_enumeration_is_in_english_and_russian(console: Page) -> None:
    enums = _schema_enums()
    assert len(enums["Kind"]) == 6 and len(enums["Shape"]) == 3
    out = run(console, "i18n")
    assert sorted(out["en"]) == sorted(out["ru"]), set(out["en"]) ^ set(out["ru"])
    assert not out["empty"]
    keys = set(out["ru"])
    missing = [
        f"enum.{name}.{value}"
        for name, values in enums.items()
        for value in values
        if f"enum.{name}.{value}" not in keys
    ]
    assert not missing, missing
    # labels left alike in both are codes and terms written the same (UTC, MGRS, m, …)
    assert len(out["same"]) < 20, out["same"]


def test_the_forms_offer_exactly_the_protocols_enumerations(console: Page) -> None:
    enums = _schema_enums()
    offered = run(console, "form_enums")
    for name, values in offered.items():
        assert values == enums[name], name


def test_threads_gather_a_notice_with_what_was_said_about_it(console: Page) -> None:
    out = run(console, "threads")
    # one thread for the operation; the conflict's liaison, the stray ack and bravo's own
    # operations stand alone
    assert out["roots"] == ["alpha/0", "bravo/4", "bravo/5", "bravo/6", "bravo/7", "bravo/8"]
    assert out["members"] == [
        "alpha/0",
        "bravo/0",
        "bravo/1",
        "alpha/1",
        "alpha/2",
        "bravo/2",
        "bravo/3",
    ]
    assert out["head"] == "alpha/1"  # the latest version
    assert out["rootOfAckOfCancel"] == "alpha/0"
    assert out["viper"] == ["alpha/0"]
    assert out["weather"] == ["alpha/0"]  # a reason code, in words
    assert out["cobra"] == ["bravo/6"]
    assert out["two"] == ["alpha/0"]  # every word, in any entry of the thread
    assert out["none"] == []
    # what alpha owes: bravo's unanswered notices, soonest deadline first; what waits on bravo
    assert out["owed"] == ["bravo/7", "bravo/6"]
    assert out["waiting"] == ["alpha/2"]
