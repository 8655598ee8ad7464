"""Keypair cryptography for Nova's os-keypairs, without third-party crypto libraries.

- `ssh_fingerprint`: checks an OpenSSH public key the way `cryptography.load_ssh_public_key`
  does (the key blob must parse for its type, with nothing left over) and returns Nova's MD5
  fingerprint of the decoded blob, colon-separated.
- `x509_fingerprint`: SHA-1 of a PEM certificate's DER, colon-separated (`crypto.generate_x509_
  fingerprint`).
- `generate_ssh_keypair`: a new RSA-2048 key as paramiko writes it (PKCS#1 PEM) with its OpenSSH
  public key "ssh-rsa AAAA... Generated-by-Nova", for keypair creation before microversion 2.92.
- `generate_x509_keypair`: a self-signed RSA certificate for `type: x509` creation.
Called by `keypairs.py`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import math
import secrets
import struct

from stackfleet.emulator.errors import ApiError

_EC_POINT_BYTES = {"nistp256": 65, "nistp384": 97, "nistp521": 133}
_SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, math.isqrt(p) + 1, 2))]


def _invalid(reason: str) -> ApiError:
    return ApiError(400, f"Keypair data is invalid: {reason}")


def _colons(hex_digest: str) -> str:
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2))


# --- parsing -----------------------------------------------------------------------------------


class _Reader:
    """Reads the length-prefixed fields of an SSH public key blob."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.offset = 0

    def string(self) -> bytes:
        if self.offset + 4 > len(self.blob):
            raise ValueError("truncated key")
        (length,) = struct.unpack(">I", self.blob[self.offset : self.offset + 4])
        start = self.offset + 4
        if start + length > len(self.blob):
            raise ValueError("truncated key")
        self.offset = start + length
        return self.blob[start : self.offset]

    def done(self) -> bool:
        return self.offset == len(self.blob)


def _rsa_fields(reader: _Reader, _: str) -> None:
    exponent, modulus = reader.string(), reader.string()
    if not exponent or not modulus:
        raise ValueError("empty RSA key")


def _dsa_fields(reader: _Reader, _: str) -> None:
    for _field in range(4):
        reader.string()


def _ed25519_fields(reader: _Reader, _: str) -> None:
    if len(reader.string()) != 32:
        raise ValueError("bad ed25519 key")


def _ecdsa_fields(reader: _Reader, key_type: str) -> None:
    curve = reader.string().decode("ascii", "replace")
    point = reader.string()
    if curve != key_type.removeprefix("ecdsa-sha2-") or len(point) != _EC_POINT_BYTES.get(curve):
        raise ValueError("bad ecdsa key")


_KEY_FIELDS = {
    "ssh-rsa": _rsa_fields,
    "ssh-dss": _dsa_fields,
    "ssh-ed25519": _ed25519_fields,
    "ecdsa-sha2-nistp256": _ecdsa_fields,
    "ecdsa-sha2-nistp384": _ecdsa_fields,
    "ecdsa-sha2-nistp521": _ecdsa_fields,
}


def _check_blob(key_type: str, blob: bytes) -> None:
    reader = _Reader(blob)
    fields = _KEY_FIELDS.get(key_type)
    if fields is None or reader.string().decode("ascii", "replace") != key_type:
        raise ValueError("unsupported key type")
    fields(reader, key_type)
    if not reader.done():
        raise ValueError("extra bytes")


def ssh_fingerprint(public_key: str) -> str:
    """Nova's fingerprint of an OpenSSH public key, or its 400 when the key does not load."""
    try:
        fields = public_key.strip().split()
        blob = base64.b64decode(fields[1], validate=True)
        _check_blob(fields[0], blob)
        # Nova hashes the second space-separated field of the key exactly as given.
        raw = base64.b64decode(public_key.split(" ")[1])
    except (ValueError, IndexError, binascii.Error):
        raise _invalid("failed to generate fingerprint") from None
    return _colons(hashlib.md5(raw, usedforsecurity=False).hexdigest())


def x509_fingerprint(pem: str) -> str:
    """SHA-1 fingerprint of a PEM certificate, or Nova's 400 when it is not one."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    try:
        body = pem[pem.index(begin) + len(begin) : pem.index(end)]
        der = base64.b64decode("".join(body.split()), validate=True)
        if not der or der[0] != 0x30:
            raise ValueError("not a DER certificate")
    except (ValueError, binascii.Error):
        raise _invalid(
            "failed to generate X509 fingerprint. Error message: Unable to load certificate"
        ) from None
    return _colons(hashlib.sha1(der, usedforsecurity=False).hexdigest())


# --- generation --------------------------------------------------------------------------------


def _probable_prime(candidate: int) -> bool:
    if any(candidate % p == 0 for p in _SMALL_PRIMES):
        return candidate in _SMALL_PRIMES
    d, r = candidate - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(24):
        x = pow(secrets.randbelow(candidate - 3) + 2, d, candidate)
        if x in (1, candidate - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, candidate)
            if x == candidate - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, exponent: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if math.gcd(candidate - 1, exponent) == 1 and _probable_prime(candidate):
            return candidate


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _ssh_mpint(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return struct.pack(">I", len(raw)) + raw


def _pem(label: str, der: bytes) -> str:
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _rsa(bits: int = 2048) -> tuple[int, int, int, int, int]:
    """(n, e, d, p, q) of a new RSA key."""
    exponent = 65537
    while True:
        p, q = _prime(bits // 2, exponent), _prime(bits // 2, exponent)
        if p != q and (p * q).bit_length() == bits:
            d = pow(exponent, -1, math.lcm(p - 1, q - 1))
            return p * q, exponent, d, p, q


def _rsa_private_der(n: int, e: int, d: int, p: int, q: int) -> bytes:
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    return _der(0x30, b"".join(_der_int(v) for v in fields))


def generate_ssh_keypair() -> tuple[str, str, str]:
    """(private key PEM, OpenSSH public key, fingerprint), as `nova.crypto.generate_key_pair`."""
    n, e, d, p, q = _rsa()
    blob = struct.pack(">I", 7) + b"ssh-rsa" + _ssh_mpint(e) + _ssh_mpint(n)
    public_key = f"ssh-rsa {base64.b64encode(blob).decode()} Generated-by-Nova"
    private_key = _pem("RSA PRIVATE KEY", _rsa_private_der(n, e, d, p, q))
    return private_key, public_key, ssh_fingerprint(public_key)


def _oid(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        out += bytes(reversed(chunk))
    return _der(0x06, out)


_SHA256_RSA = _der(0x30, _oid("1.2.840.113549.1.1.11") + b"\x05\x00")
_RSA_KEY = _der(0x30, _oid("1.2.840.113549.1.1.1") + b"\x05\x00")
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _name(common_name: str) -> bytes:
    attribute = _der(0x30, _oid("2.5.4.3") + _der(0x0C, common_name.encode()))
    return _der(0x30, _der(0x31, attribute))


def _time(moment: dt.datetime) -> bytes:
    return _der(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def generate_x509_keypair(user_id: str, now: dt.datetime) -> tuple[str, str, str]:
    """(private key PEM, certificate PEM, fingerprint): Nova's WinRM certificate for a user."""
    n, e, d, p, q = _rsa()
    public = _der(0x30, _der_int(n) + _der_int(e))
    spki = _der(0x30, _RSA_KEY + _der(0x03, b"\x00" + public))
    tbs = _der(
        0x30,
        _der(0xA0, _der_int(2))
        + _der_int(secrets.randbits(64))
        + _SHA256_RSA
        + _name(user_id)
        + _der(0x30, _time(now) + _time(now + dt.timedelta(days=3650)))
        + _name(user_id)
        + spki,
    )
    digest = _SHA256_DIGEST_INFO + hashlib.sha256(tbs).digest()
    size = (n.bit_length() + 7) // 8
    padded = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    signature = pow(int.from_bytes(padded, "big"), d, n).to_bytes(size, "big")
    certificate = _pem(
        "CERTIFICATE", _der(0x30, tbs + _SHA256_RSA + _der(0x03, b"\x00" + signature))
    )
    private_key = _pem("PRIVATE KEY", _pkcs8(_rsa_private_der(n, e, d, p, q)))
    return private_key, certificate, x509_fingerprint(certificate)


def _pkcs8(rsa_der: bytes) -> bytes:
    return _der(0x30, _der_int(0) + _RSA_KEY + _der(0x04, rsa_der))
