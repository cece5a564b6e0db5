/**
 * Gratuitous ARP on takeover (control plane only: a few frames per state change).
 *
 * Who owns which moving address, and the ARP announcement (RFC 5227 section 2.3: an ARP
 * request with sender and target protocol address both the announced address, target
 * hardware address zero) that tells the segment the address now lives at the new owner's MAC.
 *
 *   Ethernet: dst ff:ff:ff:ff:ff:ff, src = new owner's MAC, [802.1Q tag], type 0x0806
 *   ARP:      htype 1, ptype 0x0800, hlen 6, plen 4, oper 1,
 *             sha = new owner's MAC, spa = address, tha = 0, tpa = address
 */
import type { Controller } from '../control/controller.js';
import { ip4FromString } from '../wire/view.js';
import { ETHERTYPE_ARP, ETHERTYPE_VLAN } from '../wire/ethernet.js';

export interface OwnedAddress {
  /** Stable key: `gre:IP`, `l3:VLAN/IP`, `tunnel:IP`. */
  key: string;
  kind: 'gre_vip' | 'ca_ip' | 'tunnel_ip';
  ip: string;
  /** 802.1Q VLAN for CA IPs, 0 otherwise. */
  vlan: number;
  owner: number;
}

/** Every address that moves on takeover, with its current owner. */
export function ownership(ctl: Controller): Map<string, OwnedAddress> {
  const out = new Map<string, OwnedAddress>();
  for (const [vip, g] of ctl.greVipOwner) out.set(`gre:${vip}`, { key: `gre:${vip}`, kind: 'gre_vip', ip: vip, vlan: 0, owner: g });
  for (const [key, g] of ctl.l3Owner) {
    const o = ctl.placement.l3[key]!;
    out.set(`l3:${key}`, { key: `l3:${key}`, kind: 'ca_ip', ip: o.ca_ip, vlan: o.vlan, owner: g });
  }
  let t = 0;
  for (const s of ctl.cfg.sites) {
    for (const tu of s.tunnels) {
      // a single-tunnel site's local IP moves with its tunnel (other local IPs are GRE VIPs)
      if (s.tunnels.length === 1 && !out.has(`gre:${tu.local_ip}`)) {
        out.set(`tunnel:${tu.local_ip}`, { key: `tunnel:${tu.local_ip}`, kind: 'tunnel_ip', ip: tu.local_ip, vlan: 0, owner: ctl.tunGw[t]! });
      }
      t++;
    }
  }
  return out;
}

/** Addresses whose owner changed between two snapshots. */
export function movedAddresses(before: Map<string, OwnedAddress>, after: Map<string, OwnedAddress>): Array<OwnedAddress & { from: number }> {
  const out: Array<OwnedAddress & { from: number }> = [];
  for (const [k, a] of after) {
    const b = before.get(k);
    if (b && b.owner !== a.owner && a.owner >= 0) out.push({ ...a, from: b.owner });
  }
  return out;
}

/** The announcement frame (60 bytes untagged, 64 with a tag: the Ethernet minimum). */
export function garpFrame(ip: string, vlan: number, mac: string): Buffer {
  const tagged = vlan > 0;
  const b = Buffer.alloc(tagged ? 64 : 60);
  const m = Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
  b.fill(0xff, 0, 6);
  m.copy(b, 6);
  let o = 12;
  if (tagged) {
    b.writeUInt16BE(ETHERTYPE_VLAN, o);
    b.writeUInt16BE(vlan & 0x0fff, o + 2);
    o += 4;
  }
  b.writeUInt16BE(ETHERTYPE_ARP, o);
  o += 2;
  b.writeUInt16BE(1, o); // Ethernet
  b.writeUInt16BE(0x0800, o + 2);
  b[o + 4] = 6;
  b[o + 5] = 4;
  b.writeUInt16BE(1, o + 6); // request (announcement)
  m.copy(b, o + 8);
  const a = ip4FromString(ip);
  b.writeInt32BE(a, o + 14);
  // tha stays zero
  b.writeInt32BE(a, o + 24);
  return b;
}
