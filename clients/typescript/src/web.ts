// Transports for browsers (fetch): Connect and gRPC-Web to the facade's HTTP
// port, each with the published policy applied. The facade must list the
// page's origin in --cors-allowed-origins.

import {
  createConnectTransport,
  createGrpcWebTransport,
  type ConnectTransportOptions,
  type GrpcWebTransportOptions,
} from "@connectrpc/connect-web";
import type { Transport } from "@connectrpc/connect";
import { applyPolicy, splitPolicy, type DistributiveOmit, type PolicyOptions } from "./policy.js";

/** Options of {@link createFacadeConnectTransport}. */
export type FacadeConnectTransportOptions = DistributiveOmit<ConnectTransportOptions, "interceptors" | "defaultTimeoutMs"> &
  PolicyOptions;

/**
 * A Connect-protocol transport to the facade's HTTP port (e.g.
 * `https://facade.example.com`) with the published service config applied.
 */
export function createFacadeConnectTransport(options: FacadeConnectTransportOptions): Transport {
  const [policy, own] = splitPolicy(options);
  return createConnectTransport({ ...own, ...applyPolicy(policy) });
}

/** Options of {@link createFacadeGrpcWebTransport}. */
export type FacadeGrpcWebTransportOptions = DistributiveOmit<GrpcWebTransportOptions, "interceptors" | "defaultTimeoutMs"> &
  PolicyOptions;

/** A gRPC-Web transport to the facade's HTTP port with the published service config applied. */
export function createFacadeGrpcWebTransport(options: FacadeGrpcWebTransportOptions): Transport {
  const [policy, own] = splitPolicy(options);
  return createGrpcWebTransport({ ...own, ...applyPolicy(policy) });
}
