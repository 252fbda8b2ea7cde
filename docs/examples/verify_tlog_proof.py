"""Stand-alone check of a C2SP tlog-proof@v1 receipt (.tlog-proof) with only Python 3.9+ and cryptography.

usage: python verify_tlog_proof.py FILE.tlog-proof --vkey VKEY [--leaf FILE | --leaf-hash HEX]

c2sp.org/tlog-proof steps 1, 2 and 4: the leaf hash (of --leaf, --leaf-hash or the file's extra data), the origin
and the log's signature (c2sp.org/signed-note), the inclusion proof (RFC 9162 §2.1.3.2). Cosignatures: unchecked."""

import base64
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.constant_time import bytes_eq


def unb64(text: str, what: str, size: int = 0) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b"\xff"  # never re-encodes to the text: reported below
    if base64.b64encode(raw).decode() != text or (size and len(raw) != size):
        sys.exit(f"FAIL: {what} is not canonical base64" + (f" of {size} bytes" if size else ""))
    return raw


def decimal(text: str, what: str) -> int:
    ok = text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))
    return int(text) if ok else sys.exit(f"FAIL: {what} is not a decimal without leading zeroes")


def included(leaf: bytes, index: int, size: int, proof: list, root: bytes) -> bool:
    fn, sn, r = index, size - 1, leaf  # RFC 9162 §2.1.3.2
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return index < size and sn == 0 and bytes_eq(r, root)


def main(argv: list) -> None:
    opts = dict(zip(argv[1::2], argv[2::2]))  # noqa: B905 - Python 3.9 has no strict=
    if len(argv) % 2 == 0 or "--vkey" not in opts or not set(opts) <= {"--vkey", "--leaf", "--leaf-hash"}:
        sys.exit(__doc__.split("\n\n")[1])
    name, key_id, key64 = [*opts["--vkey"].split("+", 2), "", ""][:3]
    typed = unb64(key64, "the vkey's key", 33)
    if typed[0] != 1 or hashlib.sha256(f"{name}\n".encode() + typed).digest()[:4].hex() != key_id:
        sys.exit("FAIL: the vkey is not an Ed25519 note key name+keyid+key with a matching key id")
    with open(argv[0], "rb") as file:
        head, _, note = file.read().decode("utf-8").partition("\n\n")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        sys.exit("FAIL: not a c2sp.org/tlog-proof@v1 file")
    extra = unb64(lines.pop(1)[6:], "the extra data") if lines[1:2] and lines[1].startswith("extra ") else None
    index = decimal(lines[1][6:] if lines[1:2] and lines[1].startswith("index ") else "", "the index line")
    proof = [unb64(line, "an inclusion proof hash", 32) for line in lines[2:]]
    if "--leaf" in opts:  # step 1
        with open(opts["--leaf"], "rb") as file:
            leaf = hashlib.sha256(b"\x00" + file.read()).digest()
    elif "--leaf-hash" in opts:
        leaf = bytes.fromhex(opts["--leaf-hash"])
    elif extra is not None:
        leaf = hashlib.sha256(b"\x00" + extra).digest()
    else:
        sys.exit("FAIL: give --leaf or --leaf-hash: the file has no extra data to take as the leaf")
    split = note.rfind("\n\n")
    body, sigs = note[: split + 1], note[split + 2 :]
    if split < 0 or not sigs.endswith("\n") or any(c < " " and c != "\n" for c in note):
        sys.exit("FAIL: the checkpoint is not a signed note")
    signed = False
    for line in sigs[:-1].split("\n"):  # step 2: the log's signature (signed-note)
        signer, _, sig64 = line[2:].partition(" ")
        sig = unb64(sig64, "a signature") if line.startswith("\u2014 ") else sys.exit("FAIL: bad signature line")
        if signer == name and sig[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(typed[1:]).verify(sig[4:], body.encode())  # or InvalidSignature
            signed = True
    origin, size_text, root64 = [*body[:-1].split("\n"), "", ""][:3]
    if not signed or origin != name:
        sys.exit(f"FAIL: the checkpoint is not signed by the log key {name}, or is from {origin!r}")
    root, size = unb64(root64, "the root hash", 32), decimal(size_text, "the tree size")
    if len(leaf) != 32 or not included(leaf, index, size, proof, root):  # step 4
        sys.exit(f"FAIL: the inclusion proof does not lead from leaf {index} to the root of size {size}")
    print(f"OK: leaf {index} ({leaf.hex()}) is in {origin} at tree size {size}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InvalidSignature:
        sys.exit("FAIL: the log's signature does not verify")
    except (OSError, ValueError) as exc:  # an unreadable file, not UTF-8, bad hex
        sys.exit(f"FAIL: {exc}")
