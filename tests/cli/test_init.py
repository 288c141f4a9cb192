"""``hotline init``: keys owner-only, a loadable config, a card that matches the keys."""

from __future__ import annotations

import stat
from pathlib import Path

from hotline.keys import load_keys
from hotline.provision.card import parse_card
from hotline.settings import load_settings
from tests.helpers.node_process import run_cli

ORIGIN = "hotline.example/alpha"


def init(directory: Path, *extra: str) -> tuple[int, str, str]:
    r = run_cli("init", directory, "--side", "alpha", "--origin", ORIGIN, *extra)
    return r.code, r.out, r.err


def test_init_writes_owner_only_keys_config_and_card(tmp_path: Path) -> None:
    d = tmp_path / "alpha"
    code, out, err = init(d, "--unit", "CAOC-A", "--nation", "XAB", "--port", "9411")
    assert (code, err) == (0, "")
    for name in ("log.skey", "witness.skey"):
        assert stat.S_IMODE((d / "keys" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((d / "keys").stat().st_mode) == 0o700

    settings = load_settings(d)
    assert (settings.side, settings.origin, settings.unit, settings.nation) == (
        "alpha",
        ORIGIN,
        "CAOC-A",
        "XAB",
    )
    assert settings.server.port == 9411
    assert settings.url == "http://127.0.0.1:9411"
    assert settings.store_url == "sqlite:///" + str(d.resolve() / "hotline.db")

    keys = load_keys(settings)
    card = parse_card((d / "card.txt").read_bytes())
    assert card.side == "alpha"
    assert card.origin == ORIGIN
    assert card.log_vkey == keys.log.vkey
    assert card.witness_vkey == keys.witness.vkey
    assert card.url == "http://127.0.0.1:9411"
    assert card.fingerprint() in out


def test_init_card_starts_with_its_header_line(tmp_path: Path) -> None:
    init(tmp_path / "alpha")
    lines = (tmp_path / "alpha" / "card.txt").read_text().splitlines()
    assert lines[0] == "hotline-card v1"
    assert [line.split(" ", 1)[0] for line in lines[1:]] == [
        "side",
        "origin",
        "log-vkey",
        "witness-vkey",
        "url",
        "deadlines",
    ]
    assert lines[-1] == "deadlines FLASH=300 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600"


def test_init_url_flag_goes_to_config_and_card(tmp_path: Path) -> None:
    d = tmp_path / "alpha"
    assert init(d, "--url", "https://hotline-alpha.example:8400")[0] == 0
    assert load_settings(d).url == "https://hotline-alpha.example:8400"
    assert parse_card((d / "card.txt").read_bytes()).url == "https://hotline-alpha.example:8400"


def test_init_refuses_an_existing_node_dir_and_changes_nothing(tmp_path: Path) -> None:
    d = tmp_path / "alpha"
    assert init(d)[0] == 0
    before = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    code, _, err = init(d)
    assert code == 2
    assert err.startswith("hotline: error: ")
    assert "already holds a node" in err
    assert {p: p.read_bytes() for p in d.rglob("*") if p.is_file()} == before


def test_init_accepts_an_existing_empty_dir(tmp_path: Path) -> None:
    d = tmp_path / "alpha"
    d.mkdir()
    assert init(d)[0] == 0
    assert (d / "hotline.toml").is_file()


def test_init_with_bad_settings_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    d = tmp_path / "alpha"
    r = run_cli("init", d, "--side", "Alpha!", "--origin", ORIGIN)
    assert r.code == 2
    assert r.err.startswith("hotline: error: invalid node settings: side")
    assert not d.exists()
    r = run_cli("init", d, "--side", "alpha", "--origin", ORIGIN, "--nation", "xx")
    assert r.code == 2
    assert "nation" in r.err
    assert not d.exists()


def test_init_refuses_a_port_out_of_range(tmp_path: Path) -> None:
    r = run_cli("init", tmp_path / "a", "--side", "alpha", "--origin", ORIGIN, "--port", "70000")
    assert r.code == 2
    assert "hotline: error: argument --port: port 70000 is not in 1-65535" in r.err
