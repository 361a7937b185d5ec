"""The facility's signature (CHUKYDONVI) on XML 130 files: valid, missing, tampered,
the wrong key, an expired certificate, and the shapes refused before any cryptography
runs (a part of the file, an external reference, XSLT), none of which fetches anything."""

from __future__ import annotations

import base64
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from hoso.core.settings import Settings
from hoso.ingest.xml130 import Xml130Episode, Xml130Message, parse_checkin, parse_xml130
from hoso.ingest.xml130.signature import SIGNATURE_EXTENSION
from tests.ingest.xml130.files import giamdinhhs, hoso, outpatient, summary, table
from tests.ingest.xml130.signing import DS, add_transform, certificate, key, resigned, sign

SETTINGS = Settings(database_url="sqlite://")
REQUIRED = replace(SETTINGS, xml130_require_signature=True)
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"


def _file() -> bytes:
    return giamdinhhs(hoso(outpatient()))


def _episode(data: bytes, settings: Settings = SETTINGS) -> Xml130Episode:
    parsed = parse_xml130(data, settings=settings)
    assert not parsed.messages, [str(m) for m in parsed.messages]
    return parsed.episodes[0]


def _signature_messages(episode: Xml130Episode) -> list[Xml130Message]:
    return [m for m in episode.messages if m.field == "CHUKYDONVI"]


def _recorded(episode: Xml130Episode) -> dict[str, Any]:
    """The DocumentReference of the original and what its extension says."""
    assert episode.bundle is not None
    (document,) = [e["resource"] for e in episode.bundle["entry"]
                   if e["resource"]["resourceType"] == "DocumentReference"]  # fmt: skip
    (found,) = [x for x in document["extension"] if x["url"] == SIGNATURE_EXTENSION]
    return {"document": document, **{p["url"]: next(v for k, v in p.items() if k != "url")
                                     for p in found["extension"]}}  # fmt: skip


def _invalid(data: bytes) -> Xml130Message:
    (message,) = _signature_messages(_episode(data))
    assert message.severity == "warning", str(message)
    return message


def test_a_signed_file_is_valid_and_recorded() -> None:
    episode = _episode(sign(_file()))
    (message,) = _signature_messages(episode)
    assert message.severity == "information" and message.table == "GIAMDINHHS"
    assert "Bệnh viện thử nghiệm 79001" in message.vi
    assert "root CA was not checked" in message.en  # what is not checked, said each time
    recorded = _recorded(episode)
    assert recorded["status"] == "valid"
    assert base64.b64decode(recorded["certificate"]).startswith(b"\x30")  # DER
    assert recorded["document"]["authenticator"]["identifier"]["value"] == "79001"
    assert not [m for m in episode.messages if m.severity == "error"]
    required = _episode(sign(_file()), REQUIRED)
    assert required.bundle is not None


def test_an_unsigned_file_is_a_warning_or_refused_when_required() -> None:
    episode = _episode(_file())
    (message,) = _signature_messages(episode)
    assert message.severity == "warning" and "not signed" in message.en
    assert "chưa ký số" in message.vi
    recorded = _recorded(episode)
    assert recorded["status"] == "unsigned" and "authenticator" not in recorded["document"]
    refused = _episode(_file(), REQUIRED)
    (error,) = _signature_messages(refused)
    assert error.severity == "error" and refused.bundle is None
    assert error.vi.startswith("chưa ký số") and "record refused" in error.en


def _tampered() -> bytes:
    """One clinical field changed after signing: the main diagnosis, inside XML1."""
    signed = sign(_file())
    before = base64.b64encode(table("XML1", [summary()]))
    after = base64.b64encode(table("XML1", [summary(MA_BENH_CHINH="I11")]))
    assert before in signed
    return signed.replace(before, after)


def test_a_tampered_file_is_a_warning_or_refused_when_required() -> None:
    assert "changed after it was signed" in _invalid(_tampered()).en
    refused = _episode(_tampered(), REQUIRED)
    assert refused.bundle is None
    (error,) = _signature_messages(refused)
    assert error.severity == "error" and "HOSO_XML130_REQUIRE_SIGNATURE" in error.en


def test_the_wrong_key_and_an_expired_certificate_are_invalid() -> None:
    stranger = certificate(key("stranger"))  # KeyInfo names a key that did not sign
    wrong = sign(_file(), signing_key=key(), cert=stranger)
    assert "does not match the certificate's key" in _invalid(wrong).en
    expired = sign(_file(), cert=certificate(key(), days=(-400, -35)))
    assert "expired" in _invalid(expired).en
    early = sign(_file(), cert=certificate(key(), days=(3, 400)))
    assert "not yet valid" in _invalid(early).en


def test_a_certificate_from_any_ca_is_accepted_the_chain_is_not_checked() -> None:
    """Documented limit (docs/interop.md): no Vietnamese root CA offline, so a
    certificate issued by an unknown CA verifies, and the message says so."""
    issued = certificate(key(), issuer=(key("unknown-ca"), "CA không được công nhận"))
    (message,) = _signature_messages(_episode(sign(_file(), cert=issued)))
    assert message.severity == "information" and "not checked" in message.en


def test_a_signature_over_part_of_the_file_is_refused() -> None:
    """The wrong root: a signature that is valid, but over THONGTINDONVI only, would
    leave every record unsigned while filed as signed."""
    data = _file().replace(b"<THONGTINDONVI>", b'<THONGTINDONVI Id="donvi">')
    partial = sign(data, reference_uri="#donvi")
    cert = certificate(key())
    XMLVerifier().verify(partial, x509_cert=cert,  # signxml alone takes it
                         expect_config=SignatureConfiguration(location="./CHUKYDONVI/"))
    assert "does not cover the whole file" in _invalid(partial).en


def test_a_signature_outside_chukydonvi_or_twice_is_refused() -> None:
    signed = sign(_file())
    root = etree.fromstring(signed)
    signature = root.find(f"CHUKYDONVI/{{{DS}}}Signature")
    root.append(signature)  # moved directly under the root
    moved = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    assert "not in the root's CHUKYDONVI" in _invalid(moved).en
    root.find("CHUKYDONVI").append(etree.fromstring(etree.tostring(signature)))
    twice = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    assert "more than one signature" in _invalid(twice).en


def _value(signed: bytes, replacement: bytes) -> bytes:
    start = signed.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    return signed[:start] + replacement + signed[signed.index(b"</ds:SignatureValue>"):]


@pytest.mark.parametrize(("damage", "expected"), [
    (lambda s: re.sub(rb"<ds:SignedInfo>.*</ds:SignedInfo>", b"", s), "has 0 references"),
    (lambda s: s.replace(b"xmldsig-more#rsa-sha256", b"xmldsig-more#rsa-md5"), "malformed"),
    (lambda s: s.replace(b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                         b"http://www.w3.org/2000/09/xmldsig#rsa-sha1"), "SHA-1 is refused"),
    (lambda s: _value(s, b"AAAA"), "does not match the certificate's key"),
    (lambda s: s.replace(b"<ds:X509Certificate>", b"<ds:X509Certificate>AAAA"), "cannot be read"),
    (lambda s: s.split(b"<ds:KeyInfo>")[0] + s.split(b"</ds:KeyInfo>")[1], "no certificate"),
    (lambda s: s.replace(b"<CHUKYDONVI>", b"<CHUKYDONVI>da ky"), "changed after it was signed"),
])  # fmt: skip
def test_a_malformed_signature_is_invalid_not_an_error(damage: Any, expected: str) -> None:
    assert expected in _invalid(damage(sign(_file()))).en


def test_chukydonvi_with_text_but_no_signature_is_invalid() -> None:
    data = _file().replace(b"<CHUKYDONVI/>", b"<CHUKYDONVI>da ky</CHUKYDONVI>")
    assert "holds no XML-DSig Signature" in _invalid(data).en


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (the test's own record of requests)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<x/>")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A server on the loopback that records any request: nothing may reach it."""
    _Listener.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_xslt_is_refused_never_run(listener: str) -> None:
    stylesheet = etree.fromstring(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        f"<xsl:template match='/'><xsl:copy-of select=\"document('{listener}/xslt')\"/>"
        "</xsl:template></xsl:stylesheet>")  # fmt: skip
    data = resigned(sign(_file()), lambda s: add_transform(s, XSLT, stylesheet))
    # signxml skips a transform it does not know: without our check this would pass
    XMLVerifier().verify(data, x509_cert=certificate(key()),
                         expect_config=SignatureConfiguration(location="./CHUKYDONVI/"))
    message = _invalid(data)
    assert "is not allowed" in message.en and XSLT in message.en
    assert _Listener.hits == []


def test_external_references_are_refused_never_fetched(listener: str) -> None:
    def external(signature: etree._Element) -> None:
        signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference").set("URI", f"{listener}/doc")

    assert "never fetched" in _invalid(resigned(sign(_file()), external)).en

    def retrieval(signature: etree._Element) -> None:
        info = signature.find(f"{{{DS}}}KeyInfo")
        etree.SubElement(info, f"{{{DS}}}RetrievalMethod", URI=f"{listener}/cert")

    assert "RetrievalMethod refused" in _invalid(resigned(sign(_file()), retrieval)).en
    assert _Listener.hits == []


def _checkin(signed: bool) -> bytes:
    row = {k: v for k, v in summary().items() if k != "NGAY_RA"}
    row.update(MA_DICH_VU="13.0001", NGAY_YL="202503100810")
    fields = table("XML1", [row]).split(b"<TONG_HOP>")[1].split(b"</TONG_HOP>")[0]
    doc = (b'<?xml version="1.0" encoding="utf-8"?><CHI_TIEU_TRANG_THAI_KCB>'
           b"<DSACH_TRANG_THAI_KCB><TRANG_THAI_KCB>" + fields
           + b"</TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB></CHI_TIEU_TRANG_THAI_KCB>")  # fmt: skip
    return sign(doc) if signed else doc


def test_the_checkin_document_is_checked_too() -> None:
    signed = parse_checkin(_checkin(signed=True), settings=REQUIRED).episodes[0]
    assert not [m for m in signed.messages if m.severity == "error"], signed.messages
    (message,) = _signature_messages(signed)
    assert message.table == "XML0" and message.severity == "information"
    assert _recorded(signed)["status"] == "valid"  # the X509Data was not read as a row
    assert signed.provenance is not None
    unsigned = parse_checkin(_checkin(signed=False), settings=REQUIRED).episodes[0]
    assert unsigned.bundle is None
    assert _signature_messages(unsigned)[0].severity == "error"
