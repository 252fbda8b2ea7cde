"""Re-run a bidding-draw-v1 expert draw from its DRAW.json (docs/expert-draw.md), standard library only.

python3 expert_draw_verify.py DRAW.json     # exit 0: every value matches; 1: a mismatch
"""

import hashlib
import hmac
import json
import sys


def main(path):
    with open(path, encoding="ascii") as f:
        r = json.load(f)
    if r["algorithm"] != "bidding-draw-v1" or r["server_seed"] is None:
        print("mismatch: not a bidding-draw-v1 record, or its server seed is not revealed yet")
        return 1
    codes = sorted(r["constraints"])
    lines = ["bidding-draw-v1 pool", "draw " + r["draw_id"]]
    for s in codes:
        c = r["constraints"][s]
        lines.append(f"specialty {s} seats {c['seats']} backups {c['backups']}")
    lines += [f"expert {s} {e}" for s in codes for e in sorted(r["eligible"].get(s, []))]
    pool = hashlib.sha256("".join(line + "\n" for line in lines).encode("ascii")).hexdigest()
    server_seed = bytes.fromhex(r["server_seed"])
    seed_commitment = hashlib.sha256(b"bidding-draw-v1 server-seed\n" + server_seed).hexdigest()
    message = ["bidding-draw-v1 seed", "draw " + r["draw_id"], "pool " + r["pool_commitment"]]
    message.append("server-seed " + r["server_seed_commitment"])
    message += [f"public {n}={v}" for n, v in sorted(r["public_inputs"].items())]
    seed = hmac.new(server_seed, "".join(m + "\n" for m in message).encode("ascii"), "sha256").digest()

    def ranked(s):  # ascending HMAC-SHA256(seed, expert id), then expert id
        ids = r["eligible"].get(s, [])
        return sorted(ids, key=lambda e: (hmac.new(seed, e.encode("ascii"), "sha256").digest(), e))

    used, seated, backups = set(), {}, {}
    for phase, out in (("seats", seated), ("backups", backups)):
        for s in codes:
            out[s] = [e for e in ranked(s) if e not in used][: r["constraints"][s][phase]]
            used.update(out[s])
    result = r["result"] or {"seated": {}, "backups": {}}
    checks = [
        ("pool_commitment", hmac.compare_digest(pool, r["pool_commitment"])),
        ("server_seed_commitment", hmac.compare_digest(seed_commitment, r["server_seed_commitment"])),
        ("seed", hmac.compare_digest(seed.hex(), r["seed"] or "")),
        ("seated", seated == result["seated"]),
        ("backups", backups == result["backups"]),
    ]
    for s in codes:
        print(f"{s}: seated {', '.join(seated[s])}; backups {', '.join(backups[s]) or '-'}")
    for name, ok in checks:
        print(f"{'match' if ok else 'MISMATCH':<9} {name}")
    ok = all(ok for _, ok in checks)
    print("match: the record is reproduced" if ok else "mismatch: the record is NOT reproduced")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
