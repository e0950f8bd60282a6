"""A force's own cluster over HTTPS, its certificate signed by a private CA: Earshot reaches it
through the CA's file or a pinned fingerprint, and refuses a certificate it cannot trust.

The cluster is a loopback HTTPS server answering as Elasticsearch does (the product header and
`/_cluster/health`), with a CA made here; the local node runs plain HTTP.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path

import elasticsearch
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from earshot.store.connection import StoreUnavailable, connect


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _certificate(name: str, issuer: Issued | None, *, ca: bool) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


class _AnswersAsElasticsearch(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"cluster_name": "force-cluster", "status": "green"}).encode()
        self.send_response(200 if self.path.startswith("/_cluster/health") else 404)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass(frozen=True)
class ForceCluster:
    url: str
    ca_file: Path
    fingerprint: str  # SHA-256 of the server's certificate, as `openssl x509 -fingerprint` shows


@pytest.fixture(scope="module")
def force_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForceCluster]:
    folder = tmp_path_factory.mktemp("force-ca")
    ca = _certificate("Force private CA", None, ca=True)
    server_cert = _certificate("elasticsearch", ca, ca=False)
    (folder / "ca.crt").write_bytes(ca.pem())
    (folder / "node.crt").write_bytes(server_cert.pem())
    (folder / "node.key").write_bytes(server_cert.key_pem())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "node.crt", folder / "node.key")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AnswersAsElasticsearch)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    digest = server_cert.cert.fingerprint(hashes.SHA256()).hex().upper()
    yield ForceCluster(
        url=f"https://127.0.0.1:{server.server_address[1]}",
        ca_file=folder / "ca.crt",
        fingerprint=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
    )
    server.shutdown()
    server.server_close()


@pytest.fixture
def cluster_env(force_cluster: ForceCluster, monkeypatch: pytest.MonkeyPatch) -> ForceCluster:
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_URL", force_cluster.url)
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_API_KEY", "a-key-for-the-force-cluster")
    monkeypatch.delenv("EARSHOT_ELASTICSEARCH_CA_CERTS", raising=False)
    monkeypatch.delenv("EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT", raising=False)
    return force_cluster


def test_the_private_cas_file_lets_earshot_reach_the_cluster(cluster_env, monkeypatch):
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_CA_CERTS", str(cluster_env.ca_file))
    assert connect().cluster.health()["status"] == "green"


def test_a_pinned_fingerprint_lets_earshot_reach_the_cluster(cluster_env, monkeypatch):
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT", cluster_env.fingerprint)
    assert connect().cluster.health()["status"] == "green"


def test_a_certificate_from_an_unknown_ca_is_refused(cluster_env):
    with pytest.raises(elasticsearch.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        connect().cluster.health()


def test_another_certificates_fingerprint_is_refused(cluster_env, monkeypatch):
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT", "AB" * 32)
    with pytest.raises(elasticsearch.ConnectionError, match=r"(?i)fingerprint"):
        connect().cluster.health()


def test_a_ca_file_that_is_not_there_is_named(cluster_env, monkeypatch, tmp_path):
    missing = tmp_path / "ca.crt"
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_CA_CERTS", str(missing))
    with pytest.raises(StoreUnavailable, match=f"CA_CERTS: no such file {missing}"):
        connect()


def test_a_ca_file_and_a_fingerprint_together_are_refused_as_ambiguous(cluster_env, monkeypatch):
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_CA_CERTS", str(cluster_env.ca_file))
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT", cluster_env.fingerprint)
    with pytest.raises(StoreUnavailable, match="not both"):
        connect()
