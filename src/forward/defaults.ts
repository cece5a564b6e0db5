/**
 * The forwarder's defaults that the CLI's flags show (`gwplane forward --help`). Nothing else is
 * imported here, so that parsing the command line loads none of the forwarder (its sockets,
 * pino): `gwplane --help` and `gwplane replay` start without them.
 */

/** IANA-assigned VXLAN port (RFC 7348). */
export const VXLAN_PORT = 4789;
/** The VXLAN network of the lab (`forward --vni`). */
export const DEFAULT_VNI = 100;
/** UDP port of the health probes and of `gwplane responder`. */
export const DEFAULT_PROBE_PORT = 7007;
/** The forwarder's MAC in the lab (`forward --mac`). */
export const LAB_FORWARDER_MAC = '02:fe:00:00:00:01';
