/**
 * The one table of drop reasons (VPP's `error.def`, Katran's counter slots).
 *
 * Every packet the data plane does not forward carries exactly one of these codes in
 * `batch.drop[i]`, and `counters.drops[code]` is incremented once for it, so that
 * `rx == tx + sum(drops)` holds for every run. Code 0 means "not dropped".
 *
 * Check functions in `src/wire/` return a header length (>= 0) or the *negated* code
 * (`-DROP_IP4_BAD_IHL`), Katran-style: `if (r < 0) { drop = -r; ... }`.
 *
 * To add a reason: append a constant and a row; never renumber (codes are stored in
 * captures' verdict comments and JSON results by name, but tests index by code).
 */

export const DROP_NONE = 0;
// L2
export const DROP_ETH_SHORT = 1;
export const DROP_L2_NOT_IP4 = 2;
export const DROP_VLAN_SHORT = 3;
export const DROP_VLAN_TOO_DEEP = 4;
// IPv4
export const DROP_IP4_SHORT = 5;
export const DROP_IP4_BAD_VERSION = 6;
export const DROP_IP4_BAD_IHL = 7;
export const DROP_IP4_HDR_TRUNC = 8;
export const DROP_IP4_BAD_TOTAL_LEN = 9;
export const DROP_IP4_LEN_EXCEEDS_CAPTURE = 10;
export const DROP_IP4_BAD_CSUM = 11;
export const DROP_IP4_BAD_OPTION = 12;
export const DROP_IP4_TTL_EXPIRED = 13;
export const DROP_IP4_FRAGMENT = 14;
export const DROP_IP4_UNSUPPORTED_PROTO = 15;
// transports
export const DROP_UDP_SHORT = 16;
export const DROP_UDP_BAD_LEN = 17;
export const DROP_UDP_BAD_CSUM = 18;
export const DROP_TCP_SHORT = 19;
export const DROP_TCP_BAD_OFF = 20;
export const DROP_TCP_BAD_CSUM = 21;
export const DROP_ICMP_SHORT = 22;
// tunnels
export const DROP_GRE_SHORT = 23;
export const DROP_GRE_BAD_VERSION = 24;
export const DROP_GRE_BAD_FLAGS = 25;
export const DROP_GRE_BAD_CSUM = 26;
export const DROP_GRE_UNSUPPORTED_PROTO = 27;
export const DROP_ESP_SHORT = 28;
export const DROP_IKE_SHORT = 29;
export const DROP_NATT_SHORT = 30;
export const DROP_VXLAN_SHORT = 31;
export const DROP_VXLAN_BAD_FLAGS = 32;
export const DROP_TOO_DEEP = 33;
export const DROP_UDP_UNSUPPORTED_PORT = 34;
// data plane decisions
export const DROP_NOT_FOR_US = 35;
export const DROP_NO_NAT_RULE = 36;
export const DROP_NO_VIP_OWNER = 37;
export const DROP_POOL_DEGRADED = 38;
export const DROP_NO_CA_OWNER = 39;
export const DROP_UNKNOWN_VSID = 40;
export const DROP_NO_ROUTE = 41;
export const DROP_NO_TUNNEL = 42;
export const DROP_GATEWAY_FAILED = 43;
export const DROP_NATT_KEEPALIVE = 44;
export const DROP_NO_HEADROOM = 45;
export const DROP_FLOW_TABLE_FULL = 46;

export interface DropReason {
  readonly code: number;
  /** stable snake_case name, used in JSON, pcapng verdict comments and metrics */
  readonly name: string;
  readonly description: string;
}

const rows: ReadonlyArray<readonly [number, string, string]> = [
  [DROP_NONE, 'none', 'not dropped'],
  [DROP_ETH_SHORT, 'eth_short', 'frame shorter than an Ethernet header (14 bytes)'],
  [DROP_L2_NOT_IP4, 'l2_not_ip4', 'Ethernet payload is not IPv4 (ARP, IPv6, LLC, ...)'],
  [DROP_VLAN_SHORT, 'vlan_short', '802.1Q/802.1ad tag cut short'],
  [DROP_VLAN_TOO_DEEP, 'vlan_too_deep', 'more stacked VLAN tags than the limit'],
  [DROP_IP4_SHORT, 'ip4_short', 'fewer than 20 bytes of IPv4 header captured'],
  [DROP_IP4_BAD_VERSION, 'ip4_bad_version', 'IPv4 version field is not 4'],
  [DROP_IP4_BAD_IHL, 'ip4_bad_ihl', 'IPv4 IHL below 5 (RFC 791)'],
  [DROP_IP4_HDR_TRUNC, 'ip4_hdr_trunc', 'IPv4 header (IHL x 4) longer than the bytes captured'],
  [DROP_IP4_BAD_TOTAL_LEN, 'ip4_bad_total_len', 'IPv4 total length smaller than its header'],
  [DROP_IP4_LEN_EXCEEDS_CAPTURE, 'ip4_len_exceeds_capture', 'IPv4 total length larger than the bytes captured'],
  [DROP_IP4_BAD_CSUM, 'ip4_bad_csum', 'IPv4 header checksum does not verify (RFC 1071)'],
  [DROP_IP4_BAD_OPTION, 'ip4_bad_option', 'IPv4 option length runs past the header or is below 2'],
  [DROP_IP4_TTL_EXPIRED, 'ip4_ttl_expired', 'IPv4 TTL is 0'],
  [DROP_IP4_FRAGMENT, 'ip4_fragment', 'IPv4 fragment where a whole datagram is needed'],
  [DROP_IP4_UNSUPPORTED_PROTO, 'ip4_unsupported_proto', 'IPv4 protocol not handled by this path'],
  [DROP_UDP_SHORT, 'udp_short', 'UDP header cut short (8 bytes)'],
  [DROP_UDP_BAD_LEN, 'udp_bad_len', 'UDP length below 8 or beyond the IPv4 payload'],
  [DROP_UDP_BAD_CSUM, 'udp_bad_csum', 'UDP checksum does not verify'],
  [DROP_TCP_SHORT, 'tcp_short', 'TCP header cut short (20 bytes)'],
  [DROP_TCP_BAD_OFF, 'tcp_bad_off', 'TCP data offset below 5 or beyond the bytes present'],
  [DROP_TCP_BAD_CSUM, 'tcp_bad_csum', 'TCP checksum does not verify'],
  [DROP_ICMP_SHORT, 'icmp_short', 'ICMP header cut short (8 bytes)'],
  [DROP_GRE_SHORT, 'gre_short', 'GRE header cut short'],
  [DROP_GRE_BAD_VERSION, 'gre_bad_version', 'GRE version is not 0 (RFC 2784)'],
  [DROP_GRE_BAD_FLAGS, 'gre_bad_flags', 'GRE routing bit or reserved0 bits set (RFC 2784/2890)'],
  [DROP_GRE_BAD_CSUM, 'gre_bad_csum', 'GRE checksum does not verify'],
  [DROP_GRE_UNSUPPORTED_PROTO, 'gre_unsupported_proto', 'GRE protocol type is neither IPv4 nor Transparent Ethernet Bridging'],
  [DROP_ESP_SHORT, 'esp_short', 'ESP header cut short (SPI + sequence, 8 bytes)'],
  [DROP_IKE_SHORT, 'ike_short', 'IKE header cut short (28 bytes)'],
  [DROP_NATT_SHORT, 'natt_short', 'UDP 4500 payload too short to classify (RFC 3948)'],
  [DROP_VXLAN_SHORT, 'vxlan_short', 'VXLAN header or its inner Ethernet frame cut short'],
  [DROP_VXLAN_BAD_FLAGS, 'vxlan_bad_flags', 'VXLAN I flag not set (RFC 7348)'],
  [DROP_TOO_DEEP, 'too_deep', 'tunnel nesting deeper than the limit'],
  [DROP_UDP_UNSUPPORTED_PORT, 'udp_unsupported_port', 'UDP port not handled by this path'],
  [DROP_NOT_FOR_US, 'not_for_us', 'destination is none of our VIPs, DIPs, CA IPs or tenants'],
  [DROP_NO_NAT_RULE, 'no_nat_rule', 'no SLB NAT rule for (VIP, source IP)'],
  [DROP_NO_VIP_OWNER, 'no_vip_owner', 'GRE VIP has no live owner'],
  [DROP_POOL_DEGRADED, 'pool_degraded', 'gateway pool has no live gateway for this traffic'],
  [DROP_NO_CA_OWNER, 'no_ca_owner', 'no gateway owns this (VLAN, CA IP)'],
  [DROP_UNKNOWN_VSID, 'unknown_vsid', 'NVGRE VSID of no tenant'],
  [DROP_NO_ROUTE, 'no_route', 'no site prefix of the tenant matches the inner destination'],
  [DROP_NO_TUNNEL, 'no_tunnel', 'every tunnel of the site is down'],
  [DROP_GATEWAY_FAILED, 'gateway_failed', 'sent to a failed gateway before detection (lost)'],
  [DROP_NATT_KEEPALIVE, 'natt_keepalive', 'NAT-T keepalive (one 0xFF byte) consumed'],
  [DROP_NO_HEADROOM, 'no_headroom', 'no room to add the encapsulation'],
  [DROP_FLOW_TABLE_FULL, 'flow_table_full', 'flow table full and nothing stale to evict'],
];

/** All reasons, indexed by code. */
export const DROP_REASONS: readonly DropReason[] = rows.map(([code, name, description], i) => {
  if (code !== i) throw new Error(`drop-reasons: row ${i} has code ${code}`);
  return { code, name, description };
});

export const DROP_COUNT = DROP_REASONS.length;

export function dropName(code: number): string {
  return DROP_REASONS[code]?.name ?? `unknown_${code}`;
}

export function dropCode(name: string): number {
  const r = DROP_REASONS.find((d) => d.name === name);
  return r ? r.code : -1;
}
