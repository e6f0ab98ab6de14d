"""A plausible EF.ELS for agent tests: DER ContentInfo/SignedData shaped, ~1 KB.

The agent never parses it beyond the outer DER length, so the signature is filler; the
server's codec tests use real signed files.
"""

from __future__ import annotations


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    size_bytes = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size_bytes)]) + size_bytes + content


def oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    encoded = bytes([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.insert(0, 0x80 | (arc & 0x7F))
        encoded += bytes(chunk)
    return tlv(0x06, encoded)


def els_file(chip_serial: str = "0478AB12CD3480", signature_size: int = 700) -> bytes:
    utf8 = lambda text: tlv(0x0C, text.encode())  # noqa: E731
    printable = lambda text: tlv(0x13, text.encode())  # noqa: E731
    els_data = tlv(0x30, b"".join([
        tlv(0x02, b"\x01"), printable(chip_serial), utf8("Uniwersytet Jagielloński"),
        tlv(0x30, utf8("Kowalska")), tlv(0x30, utf8("Anna") + utf8("Maria")),
        printable("1234567"), printable("UJ"), printable("02070803628"),
        tlv(0x18, b"20270331000000Z"),
    ]))
    encapsulated = tlv(0x30, oid("1.2.616.1.101.4.1.1.1") + tlv(0xA0, tlv(0x04, els_data)))
    filler_signature = (bytes(range(256)) * 4)[:signature_size]
    signer_info = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, filler_signature))
    signed_data = tlv(0x30, tlv(0x02, b"\x03") + tlv(0x31, b"") + encapsulated
                      + tlv(0x31, signer_info))
    return tlv(0x30, oid("1.2.840.113549.1.7.2") + tlv(0xA0, signed_data))


def certificate_file() -> bytes:
    return tlv(0x30, tlv(0x30, oid("2.5.4.3") + tlv(0x0C, b"osoba uprawniona")
                         + bytes(300)))
