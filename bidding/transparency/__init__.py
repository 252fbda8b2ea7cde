"""The transparency log (``docs/transparency-log.md``): every audit event and every opening-room
event a leaf of an RFC 6962/9162 Merkle tree, appended by one sequencer, with C2SP checkpoints
signed periodically, tiles and proofs served, and an audit that recomputes the tree from the rows
(办法 14, 49: records that cannot be forged, altered or destroyed without it showing).

The maths and formats are :mod:`crypto.tlog`; this package stores and serves them.
"""
