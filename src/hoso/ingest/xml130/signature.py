"""The facility's signature on an XML 130 file (`CHUKYDONVI`): XML-DSig, enveloped,
over the whole document (NĐ 188/2025 makes it mandatory from 01/01/2026).

What is checked, with `signxml` (docs/interop.md §2, "Chữ ký số"):
- exactly one `ds:Signature`, in `CHUKYDONVI` directly under the root;
- its one Reference is the whole document (`URI=""`), with only the enveloped-signature
  and canonicalisation transforms. A part of the file (`URI="#id"`) would leave the rest
  unsigned while it is filed as signed; an external URI, a `RetrievalMethod`, an XSLT or
  XPath transform are refused before anything runs: nothing is ever fetched or executed
  (signxml itself skips transforms it does not know, so this check is ours);
- a certificate in `KeyInfo/X509Data`: the signature must verify with its key, and the
  certificate must be within its validity period now; SHA-1 is refused (signxml's default).

What is not: the chain from that certificate to a Vietnamese root CA (the roots and their
revocation lists are not available offline), nor that the certificate is the one the
facility registered on the BHXH gateway. A valid signature says "this file was not
changed since the holder of this certificate signed it", and the message says the rest.

The document itself was already parsed by `defusedxml` (no DTD, no entity) before this
runs; signxml reparses the same bytes with lxml, and its parser is built here with
entity resolution, DTD loading and network access off. `huge_tree` lifts libxml2's 10 MB
text-node limit (a base64 table is one text node): with DTDs refused beforehand there is
no entity expansion for that limit to guard against.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature

from hoso.core.settings import Settings
from hoso.core.vi_format import HCMC
from hoso.ingest.xml130.messages import Findings

__all__ = ["HOLDER", "INVALID", "SIGNATURE_EXTENSION", "UNSIGNED", "VALID", "FacilitySignature",
           "check_signature", "report_signature", "signature_extension"]  # fmt: skip

DS = "http://www.w3.org/2000/09/xmldsig#"
HOLDER = "CHUKYDONVI"
VALID, INVALID, UNSIGNED = "valid", "invalid", "unsigned"
ALLOWED_TRANSFORMS = frozenset({
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
})  # fmt: skip
SIGNATURE_EXTENSION = "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/chu-ky-don-vi"
MAX_CERTIFICATES = 10  # a leaf and its chain; more is not a facility's signature


@dataclass(frozen=True)
class FacilitySignature:
    """What the check found: `status` (valid / invalid / unsigned), why (Vietnamese,
    English), and the certificate that verified it (or the first one offered)."""

    status: str
    vi: str
    en: str
    certificate: x509.Certificate | None = None

    @property
    def signer(self) -> str:
        if self.certificate is None:
            return ""
        names = self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def check_signature(data: bytes, root: ET.Element) -> FacilitySignature:
    """The signature of the document `data`, already parsed (hardened) as `root`. Never
    raises: whatever goes wrong reading a signature makes it invalid, not the file."""
    try:
        return _check(data, root)
    except Exception as exc:
        return FacilitySignature(INVALID, f"chữ ký không đọc được ({type(exc).__name__})",
                                 f"unreadable signature ({type(exc).__name__})")  # fmt: skip


def _check(data: bytes, root: ET.Element) -> FacilitySignature:
    signatures = list(root.iter(_ds("Signature")))
    holder = root.find(HOLDER)
    if not signatures:
        if holder is not None and (len(holder) or (holder.text or "").strip()):
            return FacilitySignature(INVALID, f"{HOLDER} không chứa chữ ký XML-DSig",
                                     f"{HOLDER} holds no XML-DSig Signature")  # fmt: skip
        return FacilitySignature(UNSIGNED, f"chưa ký số ({HOLDER} trống)",
                                 f"not signed ({HOLDER} is empty)")  # fmt: skip
    refusal = _refusal(root, signatures)
    if refusal is not None:
        return FacilitySignature(INVALID, *refusal)
    try:
        certificates = _certificates(signatures[0])
    except ValueError:
        return FacilitySignature(INVALID, "chứng thư số trong KeyInfo không đọc được",
                                 "the certificate in KeyInfo cannot be read")  # fmt: skip
    return _verify(data, certificates)


def _refusal(root: ET.Element, signatures: list[ET.Element]) -> tuple[str, str] | None:
    """Why the signature's shape is refused before any cryptography, or None."""
    if len(signatures) > 1:
        return "tệp có nhiều hơn một chữ ký", "more than one signature in the file"
    signature = signatures[0]
    if root.find(f"{HOLDER}/{_ds('Signature')}") is not signature:
        return (f"chữ ký không nằm trong {HOLDER} của phần tử gốc",
                f"the signature is not in the root's {HOLDER}")
    references = signature.findall(f"{_ds('SignedInfo')}/{_ds('Reference')}")
    if len(references) != 1:
        return (f"chữ ký có {len(references)} tham chiếu, phải đúng 1 (cả tệp)",
                f"the signature has {len(references)} references, must be exactly 1 (the file)")
    uri = references[0].get("URI")
    if uri is not None and uri != "" and not uri.startswith("#"):
        return (f"tham chiếu ngoài '{uri[:200]}' bị từ chối, không tải về",
                f"external reference '{uri[:200]}' refused, never fetched")
    if uri != "":
        return ("chữ ký không phủ toàn bộ tệp (Reference URI phải là \"\")",
                'the signature does not cover the whole file (Reference URI must be "")')
    for transform in references[0].iter(_ds("Transform")):
        algorithm = transform.get("Algorithm", "")
        if algorithm not in ALLOWED_TRANSFORMS:
            return (f"phép biến đổi '{algorithm[:200]}' không được phép (XSLT, XPath…): "
                    "không thực thi", f"transform '{algorithm[:200]}' is not allowed "
                    "(XSLT, XPath…): never run")  # fmt: skip
    if signature.find(f"{_ds('KeyInfo')}/{_ds('RetrievalMethod')}") is not None:
        return ("KeyInfo/RetrievalMethod bị từ chối, không tải về",
                "KeyInfo/RetrievalMethod refused, never fetched")
    if signature.find(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}") is None:
        return ("không có chứng thư số trong KeyInfo (X509Data)",
                "no certificate in KeyInfo (X509Data)")
    return None


def _certificates(signature: ET.Element) -> list[x509.Certificate]:
    path = f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}"
    texts = [element.text or "" for element in signature.findall(path)][:MAX_CERTIFICATES]
    try:
        return [x509.load_der_x509_certificate(base64.b64decode("".join(t.split()),
                                                                validate=True))
                for t in texts]  # fmt: skip
    except (binascii.Error, ValueError) as exc:
        raise ValueError("unreadable certificate") from exc


def _parser() -> etree.XMLParser:
    # One per call: lxml parsers must not be shared between the API's worker threads.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           dtd_validation=False, huge_tree=True)  # fmt: skip


def _verify(data: bytes, certificates: list[x509.Certificate]) -> FacilitySignature:
    """Verify with each offered certificate in turn (the signer's is usually first);
    the first that verifies wins, otherwise the first one's failure is reported."""
    config = SignatureConfiguration(location=f"./{HOLDER}/", expect_references=1)
    first_failure: FacilitySignature | None = None
    for certificate in certificates:
        try:
            XMLVerifier().verify(data, x509_cert=certificate, parser=_parser(),
                                 expect_config=config)  # fmt: skip
        except Exception as exc:  # signxml, lxml and cryptography each raise their own
            first_failure = first_failure or _failure(exc, certificate)
            continue
        until = certificate.not_valid_after_utc.astimezone(HCMC).strftime("%d/%m/%Y")
        return FacilitySignature(
            VALID,
            f"chữ ký số hợp lệ, chứng thư hiệu lực đến {until}; chưa kiểm tra chuỗi chứng "
            "thư đến CA gốc Việt Nam",
            f"valid signature, certificate valid until {until}; the chain to a Vietnamese "
            "root CA was not checked",
            certificate,
        )
    assert first_failure is not None
    return first_failure


def _failure(exc: Exception, certificate: x509.Certificate) -> FacilitySignature:
    if isinstance(exc, InvalidCertificate):
        now = datetime.now(HCMC)
        start = certificate.not_valid_before_utc.astimezone(HCMC)
        end = certificate.not_valid_after_utc.astimezone(HCMC)
        when = f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
        if now > end:
            return FacilitySignature(INVALID, f"chứng thư số đã hết hạn ({when})",
                                     f"the certificate has expired ({when})", certificate)
        return FacilitySignature(INVALID, f"chứng thư số chưa có hiệu lực ({when})",
                                 f"the certificate is not yet valid ({when})", certificate)
    if isinstance(exc, InvalidDigest):
        return FacilitySignature(INVALID, "nội dung tệp đã bị thay đổi sau khi ký",
                                 "the file was changed after it was signed", certificate)
    if isinstance(exc, InvalidSignature):
        return FacilitySignature(INVALID, "chữ ký không khớp với khóa của chứng thư",
                                 "the signature does not match the certificate's key",
                                 certificate)  # fmt: skip
    if isinstance(exc, InvalidInput) and "forbidden by configuration" in str(exc):
        return FacilitySignature(INVALID, "thuật toán ký hoặc băm không được chấp nhận "
                                 "(SHA-1 bị từ chối)", "signature or digest algorithm not "
                                 "accepted (SHA-1 is refused)", certificate)  # fmt: skip
    return FacilitySignature(INVALID, f"chữ ký sai cấu trúc ({type(exc).__name__})",
                             f"malformed signature ({type(exc).__name__})", certificate)


def report_signature(signature: FacilitySignature, settings: Settings, findings: Findings,
                     table: str) -> None:  # fmt: skip
    """The record's message: information when valid; otherwise a warning, or an error
    that refuses the record when `settings.xml130_require_signature` is set."""
    if signature.status == VALID:
        signer = f" ({signature.signer})" if signature.signer else ""
        findings.information(table, None, HOLDER, signature.vi + signer, signature.en + signer)
        return
    if settings.xml130_require_signature:
        findings.error(table, None, HOLDER,
                       f"{signature.vi}; cơ sở phải ký số tệp (HOSO_XML130_REQUIRE_SIGNATURE): "
                       "hồ sơ bị từ chối", f"{signature.en}; the facility must sign the file "
                       "(HOSO_XML130_REQUIRE_SIGNATURE): record refused")  # fmt: skip
    else:
        findings.warning(table, None, HOLDER, signature.vi, signature.en)


def signature_extension(signature: FacilitySignature, checked: str) -> dict[str, Any]:
    """What the check found, kept on the DocumentReference of the original file:
    `status`, `detail` ("Vietnamese / English"), when it was `checked`, and the
    `certificate` (DER) that verified it or was offered."""
    parts: list[dict[str, Any]] = [
        {"url": "status", "valueCode": signature.status},
        {"url": "detail", "valueString": f"{signature.vi} / {signature.en}"},
        {"url": "checked", "valueDateTime": checked},
    ]
    if signature.certificate is not None:
        der = signature.certificate.public_bytes(Encoding.DER)
        parts.append({"url": "certificate",
                      "valueBase64Binary": base64.b64encode(der).decode("ascii")})  # fmt: skip
    return {"url": SIGNATURE_EXTENSION, "extension": parts}
