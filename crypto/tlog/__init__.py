"""The transparency log's maths and formats, with no storage and nothing of the platform's.

- :mod:`crypto.tlog.merkle`: the RFC 6962 / RFC 9162 Merkle tree — leaf and node hashes, roots,
  inclusion and consistency proofs (which stored nodes a proof needs, and verification), and the
  compact range that appends leaves.
- :mod:`crypto.tlog.tiles`: C2SP ``tlog-tiles`` — tile coordinates and paths, node hashes from tiles,
  entry bundles.
- :mod:`crypto.tlog.note`: C2SP ``signed-note`` with Ed25519 keys (key ids, verifier keys).
- :mod:`crypto.tlog.checkpoint`: C2SP ``tlog-checkpoint`` bodies.
- :mod:`crypto.tlog.cosignature`: C2SP ``tlog-cosignature`` (witnesses' timestamped Ed25519).
- :mod:`crypto.tlog.proof_file`: C2SP ``tlog-proof@v1`` files (``.tlog-proof``) and their offline check.
"""
