"""The local broker's CA and certificate."""

from __future__ import annotations

import ipaddress
import ssl
import stat
from pathlib import Path

from cryptography import x509

from ivex.broker.tls import TlsFiles, ensure_tls


def test_broker_certificate_is_signed_by_the_ca_and_names_loopback(tmp_path: Path) -> None:
    files = ensure_tls(TlsFiles(tmp_path / "tls"))
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    chain = x509.load_pem_x509_certificates(files.broker_keystore.read_bytes())
    broker = chain[0]
    broker.verify_directly_issued_by(ca)
    names = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert broker.subject.rfc4514_string() == "CN=ivex-broker"
    # Python's TLS stack accepts the pair (it is what kafka-python and aiokafka use).
    context = ssl.create_default_context(cafile=str(files.ca_cert))
    context.load_cert_chain(files.broker_keystore)


def test_keys_are_owner_only_and_kept(tmp_path: Path) -> None:
    files = ensure_tls(TlsFiles(tmp_path / "tls"))
    for key in (files.ca_key, files.broker_keystore):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = files.ca_cert.read_bytes()
    ensure_tls(files)
    assert files.ca_cert.read_bytes() == before
