// Transports for Node.js: gRPC (HTTP/2) to the gRPC port, and Connect and
// gRPC-Web to the HTTP port, each with the published policy applied.

import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  type ConnectTransportOptions,
  type GrpcTransportOptions,
  type GrpcWebTransportOptions,
} from "@connectrpc/connect-node";
import type { Transport } from "@connectrpc/connect";
import { applyPolicy, splitPolicy, type DistributiveOmit, type PolicyOptions } from "./policy.js";

/** Options of {@link createFacadeGrpcTransport}. */
export type FacadeGrpcTransportOptions = DistributiveOmit<GrpcTransportOptions, "interceptors" | "defaultTimeoutMs"> & PolicyOptions;

/**
 * A gRPC transport to the facade's gRPC port (e.g. `http://127.0.0.1:9090`)
 * with the published service config applied: a 15 s default deadline, a
 * request_id per call and the retry policy.
 */
export function createFacadeGrpcTransport(options: FacadeGrpcTransportOptions): Transport {
  const [policy, own] = splitPolicy(options);
  return createGrpcTransport({ ...own, ...applyPolicy(policy) });
}

/** Options of {@link createFacadeConnectNodeTransport}. */
export type FacadeConnectNodeTransportOptions = DistributiveOmit<ConnectTransportOptions, "interceptors" | "defaultTimeoutMs"> &
  PolicyOptions;

/** A Connect-protocol transport from Node to the facade's HTTP port, with the published policy. */
export function createFacadeConnectNodeTransport(options: FacadeConnectNodeTransportOptions): Transport {
  const [policy, own] = splitPolicy(options);
  return createConnectTransport({ ...own, ...applyPolicy(policy) });
}

/** Options of {@link createFacadeGrpcWebNodeTransport}. */
export type FacadeGrpcWebNodeTransportOptions = DistributiveOmit<GrpcWebTransportOptions, "interceptors" | "defaultTimeoutMs"> &
  PolicyOptions;

/** A gRPC-Web transport from Node to the facade's HTTP port, with the published policy. */
export function createFacadeGrpcWebNodeTransport(options: FacadeGrpcWebNodeTransportOptions): Transport {
  const [policy, own] = splitPolicy(options);
  return createGrpcWebTransport({ ...own, ...applyPolicy(policy) });
}
