// A fresh request_id (AIP-155) for every logical call that left it empty.
// The facade answers a repeated request_id from the first call instead of
// creating again, which is what makes retrying a create safe.

import { clone, ScalarType, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { Interceptor } from "@connectrpc/connect";

// The AIP-155 field name.
const requestIdField = "request_id";

/**
 * Returns an interceptor that sets a fresh UUID v4 request_id on unary
 * requests whose message has a string request_id field left empty. The
 * caller's message is not changed: a copy is sent, so reusing a request
 * object for a second logical call gets a second id. Place it before the
 * retry interceptor so every attempt carries the same id.
 */
export function createRequestIdInterceptor(newId: () => string = () => crypto.randomUUID()): Interceptor {
  return (next) => async (req) => {
    if (req.stream) {
      return next(req);
    }
    const field = requestIdFieldOf(req.method.input);
    if (field === undefined || requestIdOf(req.method.input, req.message) !== "") {
      return next(req);
    }
    const message = clone(req.method.input, req.message);
    reflect(req.method.input, message).set(field, newId());
    return next({ ...req, message });
  };
}

/** The message's request_id, or "" when it has none or no such field. */
export function requestIdOf<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): string {
  const field = requestIdFieldOf(desc);
  if (field === undefined) {
    return "";
  }
  const value = reflect(desc, message).get(field);
  return typeof value === "string" ? value : "";
}

function requestIdFieldOf(desc: DescMessage) {
  const field = desc.fields.find((f) => f.name === requestIdField);
  return field?.fieldKind === "scalar" && field.scalar === ScalarType.STRING ? field : undefined;
}
