"""``hotline tls ca|cert``, and the TLS options of ``init`` and ``pair``: the material is made,
owner-only where private, checked before it is used, and named in ``hotline.toml``."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography import x509

from hotline.settings import load_settings
from tests.helpers.node_process import run_cli

ORIGIN = "hotline.example/alpha"


def make_ca(tmp_path: Path, name: str = "ca") -> Path:
    r = run_cli("tls", "ca", tmp_path / name, "--name", f"{name} CA")
    assert r.code == 0, r.err
    return tmp_path / name


def make_cert(directory: Path, ca: Path, *hosts: str) -> None:
    r = run_cli("tls", "cert", directory, "--ca", ca, *[a for h in hosts for a in ("--host", h)])
    assert r.code == 0, r.err


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tls_ca_writes_a_ca_certificate_and_an_owner_only_key(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    cert = load(ca / "ca.pem")
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.subject.rfc4514_string() == "CN=ca CA"
    assert mode(ca / "ca.key") == 0o600
    assert mode(ca) == 0o700
    assert "PRIVATE KEY" in (ca / "ca.key").read_text()


def test_tls_ca_does_not_overwrite_a_ca_unless_asked(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    before = (ca / "ca.pem").read_bytes()
    r = run_cli("tls", "ca", ca)
    assert r.code == 2
    assert r.err.startswith(f"hotline: error: {ca / 'ca.pem'} exists; not overwriting it")
    assert (ca / "ca.pem").read_bytes() == before
    assert run_cli("tls", "ca", ca, "--replace").code == 0
    assert (ca / "ca.pem").read_bytes() != before


def test_tls_cert_is_signed_by_the_ca_for_every_host(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    make_cert(tmp_path / "alpha", ca, "alpha.example", "127.0.0.1", "::1")
    cert = load(tmp_path / "alpha" / "tls" / "cert.pem")
    cert.verify_directly_issued_by(load(ca / "ca.pem"))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["alpha.example"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert mode(tmp_path / "alpha" / "tls" / "key.pem") == 0o600


def test_tls_cert_refuses_a_bad_host_and_a_missing_ca(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    r = run_cli("tls", "cert", tmp_path / "alpha", "--ca", ca, "--host", "not a host")
    assert (r.code, r.err) == (2, "hotline: error: not a host name or IP address: 'not a host'\n")
    r = run_cli("tls", "cert", tmp_path / "alpha", "--ca", tmp_path / "none", "--host", "a.example")
    assert r.code == 2
    assert r.err.startswith(f"hotline: error: no CA in {tmp_path / 'none'}")
    assert not (tmp_path / "alpha").exists()


def init(directory: Path, *extra: str | Path) -> tuple[int, str, str]:
    r = run_cli("init", directory, "--side", "alpha", "--origin", ORIGIN, *extra)
    return r.code, r.out, r.err


def test_init_takes_the_certificate_and_key(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    d = tmp_path / "alpha"
    make_cert(d, ca, "alpha.example")
    tls = d / "tls"
    code, out, err = init(
        d,
        "--url",
        "https://alpha.example:8400",
        "--tls-cert",
        tls / "cert.pem",
        "--tls-key",
        tls / "key.pem",
    )
    assert (code, err) == (0, "")
    server = load_settings(d).server
    assert (server.tls_cert, server.tls_key) == ("tls/cert.pem", "tls/key.pem")
    assert "note:" not in out


def test_init_refuses_a_certificate_for_another_host(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    d = tmp_path / "alpha"
    make_cert(d, ca, "bravo.example")
    tls = d / "tls"
    code, _, err = init(
        d,
        "--url",
        "https://alpha.example:8400",
        "--tls-cert",
        tls / "cert.pem",
        "--tls-key",
        tls / "key.pem",
    )
    assert code == 2
    assert "is for bravo.example, not alpha.example" in err
    assert not (d / "hotline.toml").exists()


def test_init_refuses_a_key_that_is_not_the_certificates(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    make_cert(tmp_path / "a", ca, "alpha.example")
    make_cert(tmp_path / "b", ca, "alpha.example")
    code, _, err = init(
        tmp_path / "alpha",
        "--url",
        "https://alpha.example:8400",
        "--tls-cert",
        tmp_path / "a" / "tls" / "cert.pem",
        "--tls-key",
        tmp_path / "b" / "tls" / "key.pem",
    )
    assert code == 2
    assert "are not a certificate and its key" in err
    assert not (tmp_path / "alpha").exists()


def test_init_needs_both_tls_files_and_notes_https_without_them(tmp_path: Path) -> None:
    code, _, err = init(tmp_path / "alpha", "--tls-cert", tmp_path / "cert.pem")
    assert code == 2
    assert "TLS needs both a certificate and its key" in err
    code, out, _ = init(tmp_path / "alpha", "--url", "https://alpha.example:8400")
    assert code == 0
    assert "note: the URL is https but the node has no certificate" in out


def test_pair_peer_ca_pins_the_other_sides_ca(tmp_path: Path) -> None:
    alpha, bravo = tmp_path / "alpha", tmp_path / "bravo"
    assert init(alpha)[0] == 0
    assert run_cli("init", bravo, "--side", "bravo", "--origin", "hotline.example/bravo").code == 0
    ca = make_ca(tmp_path, "bravo-ca")
    r = run_cli("pair", alpha, bravo / "card.txt", "--peer-ca", ca / "ca.pem")
    assert r.code == 0, r.err
    peer = load_settings(alpha).peer
    assert peer is not None
    assert peer.tls_ca == "tls/peer-ca.pem"
    assert (alpha / "tls" / "peer-ca.pem").read_bytes() == (ca / "ca.pem").read_bytes()
    again = run_cli("pair", alpha, bravo / "card.txt", "--peer-ca", ca / "ca.pem")
    assert "nothing changed" in again.out
    # a new CA for the same card is pinned without --replace
    other = make_ca(tmp_path, "other-ca")
    assert run_cli("pair", alpha, bravo / "card.txt", "--peer-ca", other / "ca.pem").code == 0
    assert (alpha / "tls" / "peer-ca.pem").read_bytes() == (other / "ca.pem").read_bytes()


def test_pair_refuses_a_peer_ca_that_is_not_a_certificate(tmp_path: Path) -> None:
    alpha, bravo = tmp_path / "alpha", tmp_path / "bravo"
    assert init(alpha)[0] == 0
    assert run_cli("init", bravo, "--side", "bravo", "--origin", "hotline.example/bravo").code == 0
    before = (alpha / "hotline.toml").read_bytes()
    r = run_cli("pair", alpha, bravo / "card.txt", "--peer-ca", bravo / "card.txt")
    assert (r.code, r.err) == (
        2,
        f"hotline: error: {bravo / 'card.txt'} holds no PEM certificate\n",
    )
    assert (alpha / "hotline.toml").read_bytes() == before
    assert not (alpha / "tls").exists()
