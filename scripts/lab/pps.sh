#!/usr/bin/env bash
# Packets per second through the lab (root): gwplane forward --io vxlan, --io raw, and the
# kernel's own IP forwarding in the same namespace (fwd), between the same namespaces.
#
#   npm run build && sudo scripts/lab/pps.sh [seconds-per-run] [rates...]
#
# For each mode and offered rate (packets/s, or "top" for tcpreplay --topspeed), onprem
# replays IKE/NAT-T/ESP from the three tenant addresses (the SLB streams of the lab config)
# for a few seconds; the gateways' interface counters are read when the replay starts, when
# it ends (the rate during the window) and 1 s later (what was delivered in all).
#   vxlan:  onprem vx0 -> VXLAN -> forwarder (fwd) -> VXLAN -> gwN vx0, counted on gwN vx0
#   raw:    onprem eth0 -> fwd (raw sockets, VIP on lo) -> gwN eth0, counted on gwN eth0
#   kernel: onprem eth0 -> fwd (ip_forward=1, packets already addressed to the DIPs) -> gwN eth0
# Every run is bounded (tcpreplay --duration and --loop, timeout); the lab is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-3}
shift || true
RATES=${*:-"20000 50000 top"}
GWPLANE=${GWPLANE:-"node dist/src/cli/main.cjs"}
CFG=fixtures/configs/lab.yaml
OUT=$(mktemp -d /tmp/gwplane-pps-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  $GWPLANE lab down >/dev/null 2>&1 || true
  rm -rf "$OUT"
}
trap cleanup EXIT

count() { # sum of rx_packets of interface $1 over the gateway namespaces
  local t=0 n
  for g in gw1 gw2 gw3; do n=$(ip netns exec "$g" cat "/sys/class/net/$1/statistics/rx_packets"); t=$((t + n)); done
  echo "$t"
}

run() { # mode iface inject-iface pcap rate
  local mode=$1 ifc=$2 inj=$3 pcap=$4 rate=$5 speed a b c out
  if [ "$rate" = top ]; then speed=(--topspeed); else speed=(--pps "$rate"); fi
  a=$(count "$ifc")
  out=$(timeout $((SECS + 30)) ip netns exec onprem tcpreplay -i "$inj" -K "${speed[@]}" --loop 1000 --duration "$SECS" "$pcap" 2>&1)
  b=$(count "$ifc")
  sleep 1
  c=$(count "$ifc")
  local sent secs
  sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' <<<"$out")
  secs=$(sed -n 's/.*sent in \([0-9.]*\) seconds.*/\1/p' <<<"$out")
  awk -v m="$mode" -v r="$rate" -v s="$sent" -v t="$secs" -v w="$((b - a))" -v d="$((c - a))" 'BEGIN {
    printf "%-7s offered %-6s sent %8d in %5.2f s = %7.0f pps | delivered in window %7.0f pps | delivered in all %5.1f%%\n",
      m, r, s, t, s / t, w / t, 100 * d / s }'
}

$GWPLANE lab up --config "$CFG" >/dev/null
$GWPLANE lab traffic --config "$CFG" --mode vxlan --kinds ike,natt,esp --rounds 2000 --out "$OUT/vxlan.pcap" >/dev/null
$GWPLANE lab traffic --config "$CFG" --mode raw --kinds ike,natt,esp --rounds 2000 --out "$OUT/raw.pcap" >/dev/null
$GWPLANE lab traffic --config "$CFG" --mode kernel --kinds ike,natt,esp --rounds 2000 --out "$OUT/kernel.pcap" >/dev/null

for g in gw1 gw2 gw3; do
  ip netns exec "$g" $GWPLANE responder --log-format json 2>/dev/null &
  PIDS+=($!)
done
sleep 1
for mode in vxlan raw; do
  if [ "$mode" = raw ] && ! node -e "require('raw-socket')" 2>/dev/null; then echo "raw     skipped: raw-socket does not load"; continue; fi
  for rate in $RATES; do
    ip netns exec fwd $GWPLANE forward --config "$CFG" --io "$mode" --log-format json >"$OUT/fwd.out" 2>"$OUT/fwd.err" &
    f=$!
    PIDS+=($f)
    sleep 1.5
    if [ "$mode" = vxlan ]; then run vxlan vx0 vx0 "$OUT/vxlan.pcap" "$rate"; else run raw eth0 eth0 "$OUT/raw.pcap" "$rate"; fi
    kill -INT "$f"
    wait "$f" || true
    downs=$(grep -c '"gateway_down"' "$OUT/fwd.err" || true)
    echo "        forwarder: $(grep -m1 '^Actual' "$OUT/fwd.out"); $(grep -m1 '^I/O' "$OUT/fwd.out" | grep -o 'rx_overflow=[0-9]* tx_errors=[0-9]*'); gateways declared down under load: $downs"
  done
done
ip netns exec fwd sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
for rate in $RATES; do run kernel eth0 eth0 "$OUT/kernel.pcap" "$rate"; done
ip netns exec fwd sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
