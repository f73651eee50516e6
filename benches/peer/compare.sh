#!/usr/bin/env bash
# Audits one generated follower list with follower-audit (examples/bench_audit.rs) and with the
# Python peer (benches/peer/audit_peer.py), in one go, and prints the speed ratio.
#
#   bash benches/peer/compare.sh [N] [REPEATS]      # default: 1000000 followers, 3 repeats
#
# Needs: cargo, python3 with `python3 -m pip install -r benches/peer/requirements.txt`, and the
# cresci-2015 data in ../shared/datasets (the peer trains its forest on E13 + INT).
# Environment: FILE (audit this file instead of generating one), RAYON_NUM_THREADS and
# PEER_JOBS (scikit-learn n_jobs, default -1 = all cores), MODEL (a .fam for bench_audit).
set -euo pipefail
cd "$(dirname "$0")/../.."

n="${1:-1000000}"
repeats="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="${FILE:-$work/followers-$n.csv}"

cargo build --release --quiet --example bench_audit
bench=target/release/examples/bench_audit
model_args=()
if [[ -n "${MODEL:-}" ]]; then model_args=(--model "$MODEL"); fi

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# bench_audit generates the file when it is missing (not timed), then times the audit.
echo "== follower-audit (examples/bench_audit.rs)"
"$bench" --file "$file" --n "$n" --repeats "$repeats" "${model_args[@]}" | tee "$work/rust.txt"
echo "== python peer (benches/peer/audit_peer.py)"
python3 benches/peer/audit_peer.py "$file" --repeats "$repeats" --jobs "${PEER_JOBS:--1}" \
    | tee "$work/peer.txt"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work/rust.txt" "$work/peer.txt" <<'EOF'
import json, sys
rust, peer = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
print(f"== {rust['accounts']} accounts ({rust['bytes'] / 1e6:.0f} MB {rust['format']})")
for name, r in [("follower-audit", rust), ("python peer", peer)]:
    print(f"  {name:15} best {r['best_seconds']:7.3f} s  median {r['median_seconds']:7.3f} s  "
          f"{r['accounts_per_second']:10.0f} accounts/s  peak {r['peak_memory_mb']:6.0f} MB  "
          f"genuine share {r['genuine_share']:.4f}")
print(f"  speed ratio (best / best): {peer['best_seconds'] / rust['best_seconds']:.1f}x; "
      f"(median / median): {peer['median_seconds'] / rust['median_seconds']:.1f}x")
print(f"  memory ratio: {peer['peak_memory_mb'] / rust['peak_memory_mb']:.1f}x")
EOF
