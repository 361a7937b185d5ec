"""Signs XML 130 files as a facility's signing tool does (XML-DSig, enveloped, in
CHUKYDONVI), with test certificates made here: synthetic keys, no real CA."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@functools.cache
def key(name: str = "facility") -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (2048 bits takes a tenth of a second)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(
    owner: rsa.RSAPrivateKey, *, name: str = "Bệnh viện thử nghiệm 79001",
    days: tuple[int, int] = (-1, 365), issuer: tuple[rsa.RSAPrivateKey, str] | None = None,
) -> x509.Certificate:  # fmt: skip
    """A certificate for `owner`'s key, valid `days` around now; self-signed unless an
    `issuer` (its key and name) signs it."""
    now = datetime.now(UTC)
    signer, issuer_name = issuer or (owner, name)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(owner.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .sign(signer, hashes.SHA256())
    )


def _holder(root: etree._Element) -> etree._Element:
    holder = root.find("CHUKYDONVI")
    if holder is None:
        holder = etree.SubElement(root, "CHUKYDONVI")
    return holder


def sign(
    document: bytes, *, signing_key: rsa.RSAPrivateKey | None = None,
    cert: x509.Certificate | None = None, reference_uri: str | None = None,
) -> bytes:  # fmt: skip
    """`document` signed in its CHUKYDONVI (added under the root if missing) by
    `signing_key`, with `cert` in KeyInfo (by default the key's own certificate)."""
    signing_key = signing_key or key()
    cert = cert or certificate(signing_key)
    root = etree.fromstring(document)
    holder = _holder(root)
    holder.append(etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS}))
    signed = XMLSigner(c14n_algorithm=C14N).sign(root, key=signing_key, cert=[cert],
                                                 reference_uri=reference_uri)  # fmt: skip
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="utf-8"))


def resigned(signed: bytes, edit: Callable[[etree._Element], None],
             signing_key: rsa.RSAPrivateKey | None = None) -> bytes:  # fmt: skip
    """`signed` with `edit` applied to its Signature and SignedInfo signed again: a
    signature that is cryptographically whole, with the shape `edit` gave it (signxml
    canonicalises SignedInfo in a copy of the Signature element, as done here)."""
    root = etree.fromstring(signed)
    signature = root.find(f".//{{{DS}}}Signature")
    assert signature is not None
    edit(signature)
    copy = etree.fromstring(etree.tostring(signature))
    signed_info = copy.find(f"{{{DS}}}SignedInfo")
    value = (signing_key or key()).sign(etree.tostring(signed_info, method="c14n"),
                                        padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
    signature.find(f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def add_transform(signature: etree._Element, algorithm: str, body: etree._Element | None = None,
                  ) -> None:  # fmt: skip
    """A Transform appended to the Reference (an XSLT one carries its stylesheet)."""
    transforms = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}Transforms")
    assert transforms is not None
    transform = etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=algorithm)
    if body is not None:
        transform.append(body)
