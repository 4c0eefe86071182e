"""The local broker's TLS material: a private CA and a broker certificate signed by it.

Generated once per broker state dir with ``cryptography`` (no OpenSSL shell-outs), as
PEM files Kafka reads directly (``ssl.keystore.type=PEM``):

- ``ca.pem`` — the CA certificate; clients trust it (``kafka.ssl_cafile``);
- ``ca-key.pem`` — the CA's key (mode 0600), kept to sign a renewed broker certificate;
- ``broker.pem`` — the broker's PKCS#8 key followed by its certificate chain (mode 0600).

The broker certificate names ``localhost`` and ``127.0.0.1`` (the broker listens on
loopback only), so clients verify the host name. Its subject ``CN=ivex-broker`` is also
the principal the broker authenticates as on its mutual-TLS controller listener.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The broker's TLS principal (Kafka's default SSL principal is the subject DN).
BROKER_DN = "CN=ivex-broker"
_VALID_DAYS = 825
_KEY_MODE = 0o600


@dataclass(frozen=True)
class TlsFiles:
    """Paths of one broker's TLS material."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        """The CA certificate clients trust."""
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        """The CA's private key (0600)."""
        return self.directory / "ca-key.pem"

    @property
    def broker_keystore(self) -> Path:
        """Broker key + certificate chain, one PEM file (0600)."""
        return self.directory / "broker.pem"

    def exist(self) -> bool:
        """True when all three files are there."""
        return all(p.is_file() for p in (self.ca_cert, self.ca_key, self.broker_keystore))


def ensure_tls(files: TlsFiles, hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> TlsFiles:
    """Create the CA and broker certificate unless they already exist; return ``files``."""
    if files.exist():
        return files
    files.directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ivex local CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, BROKER_DN.removeprefix("CN="))])
    cert = (
        _builder(name, ca_name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files.ca_cert.write_bytes(ca_cert.public_bytes(pem))
    _write_private(files.ca_key, _pkcs8(ca_key))
    _write_private(
        files.broker_keystore, _pkcs8(key) + cert.public_bytes(pem) + ca_cert.public_bytes(pem)
    )
    return files


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=_VALID_DAYS))
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _pkcs8(key: ec.EllipticCurvePrivateKey) -> bytes:
    # Kafka's PEM keystore reads PKCS#8 keys only; unencrypted, as no key password is set.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _KEY_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, _KEY_MODE)
