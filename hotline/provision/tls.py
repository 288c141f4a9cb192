"""TLS material for a pair of nodes: a private CA, and node certificates it signs.

Each side may run its own CA (``hotline tls ca``): it signs that side's node certificate
(``hotline tls cert``), and its certificate (``ca.pem``, public) travels to the other side with
the card, where ``hotline pair --peer-ca`` pins it as the only CA the link's dialer trusts for
that peer. The CA key never leaves its side.

Files (PEM; private keys PKCS #8, unencrypted, mode 0600 in directories of mode 0700):

- ``CADIR/ca.pem``, ``CADIR/ca.key``: the CA's certificate and key;
- ``DIR/tls/cert.pem``, ``DIR/tls/key.pem``: a node's certificate (for its host names and IP
  addresses, for TLS servers and clients) and key.

Functions raise :class:`~.errors.TlsError` and print nothing; nothing is overwritten unless
asked for.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import TlsError

CA_CERT, CA_KEY = "ca.pem", "ca.key"
TLS_DIR = "tls"  # a node directory's certificate and key: DIR/tls/cert.pem, DIR/tls/key.pem
CERT_NAME, KEY_NAME = "cert.pem", "key.pem"
PEER_CA_NAME = "peer-ca.pem"  # DIR/tls/peer-ca.pem: the other side's CA, pinned by pair
CA_DAYS, CERT_DAYS = 3650, 825
_BACKDATE = timedelta(minutes=5)  # clocks of the two sides may differ a little
_DNS = re.compile(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


@dataclass(frozen=True)
class Issued:
    """What was written: the certificate's and the key's paths, and the certificate."""

    cert_path: Path
    key_path: Path
    cert: x509.Certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), as ``AB:CD:…``, for reading over a line."""
        return self.cert.fingerprint(hashes.SHA256()).hex(":").upper()


def make_ca(directory: Path, name: str, *, days: int = CA_DAYS, replace: bool = False) -> Issued:
    """A new private CA in ``directory``: ``ca.pem`` and ``ca.key`` (0600)."""
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    _refuse_existing([cert_path, key_path], replace)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        _builder(subject, subject, key.public_key(), days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(directory, cert_path, key_path, cert, key)
    return Issued(cert_path, key_path, cert)


def make_cert(
    directory: Path,
    ca_dir: Path,
    hosts: list[str],
    *,
    days: int = CERT_DAYS,
    replace: bool = False,
) -> Issued:
    """A node certificate for ``hosts`` (DNS names or IP addresses), signed by the CA in
    ``ca_dir``: ``directory/tls/cert.pem`` and ``key.pem`` (0600)."""
    if not hosts:
        raise TlsError("a certificate needs at least one host name or IP address (--host)")
    names = [_san(host) for host in hosts]
    ca_cert, ca_key = load_ca(ca_dir)
    tls_dir = directory / TLS_DIR
    cert_path, key_path = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    _refuse_existing([cert_path, key_path], replace)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), days)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write(tls_dir, cert_path, key_path, cert, key)
    return Issued(cert_path, key_path, cert)


def load_ca(ca_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The CA's certificate and key from ``ca_dir``; TlsError when missing or not a CA's."""
    try:
        cert = x509.load_pem_x509_certificate((ca_dir / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((ca_dir / CA_KEY).read_bytes(), password=None)
    except OSError as exc:
        raise TlsError(f"no CA in {ca_dir}: {exc.strerror}: {exc.filename}") from exc
    except ValueError as exc:
        raise TlsError(f"the CA in {ca_dir} cannot be read: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or _spki(key.public_key()) != _spki(
        cert.public_key()
    ):
        raise TlsError(f"{ca_dir / CA_KEY} is not the key of {ca_dir / CA_CERT}")
    return cert, key


def read_certificates(path: Path) -> bytes:
    """The PEM file at ``path`` if it holds at least one certificate (a CA bundle); TlsError
    otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        if x509.load_pem_x509_certificates(data):
            return data
    except ValueError:
        pass
    raise TlsError(f"{path} holds no PEM certificate")


def check_server_files(cert: Path, key: Path, url: str) -> None:
    """TlsError unless ``cert`` and ``key`` are a certificate and its key that a server can
    load, and the certificate is valid for the host of ``url`` (when it is https)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:  # an OSError too: first
        raise TlsError(f"{cert} and {key} are not a certificate and its key: {exc}") from exc
    except OSError as exc:
        raise TlsError(f"cannot read {exc.filename or cert}: {exc.strerror}") from exc
    host = urlsplit(url).hostname
    if urlsplit(url).scheme == "https" and host:
        hosts = cert_hosts(cert)
        if not covers(hosts, host):
            raise TlsError(
                f"the certificate {cert} is for {', '.join(hosts) or 'no host'}, not {host} "
                "(the host of the URL): make one with hotline tls cert --host " + host
            )


def cert_hosts(path: Path) -> list[str]:
    """The DNS names and IP addresses a PEM certificate is for (its subjectAltName)."""
    cert = x509.load_pem_x509_certificate(read_certificates(path))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return [*san.get_values_for_type(x509.DNSName), *ips]


def covers(hosts: list[str], host: str) -> bool:
    """Whether a certificate for ``hosts`` is valid for ``host`` (a ``*.`` name covers one
    label)."""
    host = host.strip("[]").lower()
    for name in (h.lower() for h in hosts):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _spki(public_key: Any) -> bytes:
    der: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if not _DNS.match(name) or len(name) > 253:
        raise TlsError(f"not a host name or IP address: {host!r}")
    return x509.DNSName(name)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
) -> x509.CertificateBuilder:
    if days < 1:
        raise TlsError(f"a certificate must be valid for at least one day, not {days}")
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=days))
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _refuse_existing(paths: list[Path], replace: bool) -> None:
    if replace:
        return
    for path in paths:
        if path.exists():
            raise TlsError(f"{path} exists; not overwriting it (--replace to make a new one)")


def _write(
    directory: Path,
    cert_path: Path,
    key_path: Path,
    cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
) -> None:
    """Write the key (0600, never readable by others, even for a moment), then the
    certificate."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = key_path.with_name(f".{key_path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_pem)
        os.chmod(tmp, 0o600)
        os.replace(tmp, key_path)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise TlsError(f"cannot write {exc.filename or directory}: {exc.strerror}") from exc
