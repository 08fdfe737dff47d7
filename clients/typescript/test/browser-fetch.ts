// A fetch that enforces CORS the way a browser does, for running the browser
// transports from Node as a page on another origin would: a preflight for
// every non-simple request, refusal unless the facade allows the origin and
// each request header, and only exposed response headers visible.

// Request headers a browser sends without a preflight (content-type only
// with the three form/text types, which no RPC protocol uses).
const safelistedRequestHeaders = new Set(["accept", "accept-language", "content-language"]);
const simpleContentTypes = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);
// Response headers a script may always read.
const safelistedResponseHeaders = [
  "cache-control",
  "content-language",
  "content-length",
  "content-type",
  "expires",
  "last-modified",
  "pragma",
];

function list(value: string | null): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
}

/** A fetch that behaves like a browser page on `origin` calling another origin. */
export function browserFetch(origin: string): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const nonSimple = [...req.headers.keys()].filter(
      (name) =>
        !safelistedRequestHeaders.has(name) &&
        !(name === "content-type" && simpleContentTypes.has((req.headers.get(name) ?? "").split(";")[0] ?? "")),
    );
    if (nonSimple.length > 0 || !["GET", "HEAD", "POST"].includes(req.method)) {
      const preflight = await fetch(req.url, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": req.method,
          ...(nonSimple.length > 0 ? { "Access-Control-Request-Headers": nonSimple.sort().join(",") } : {}),
        },
      });
      await preflight.arrayBuffer();
      if (!preflight.ok || preflight.headers.get("access-control-allow-origin") !== origin) {
        throw new TypeError(`CORS preflight refused for ${origin}: ${preflight.status}`);
      }
      const allowed = list(preflight.headers.get("access-control-allow-headers"));
      for (const name of nonSimple) {
        if (!allowed.includes(name) && !allowed.includes("*")) {
          throw new TypeError(`CORS preflight: request header ${name} not allowed`);
        }
      }
    }
    const headers = new Headers(req.headers);
    headers.set("Origin", origin);
    const res = await fetch(req.url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? null : await req.arrayBuffer(),
      signal: req.signal,
    });
    if (res.headers.get("access-control-allow-origin") !== origin) {
      await res.arrayBuffer();
      throw new TypeError(`CORS: the response does not allow ${origin}`);
    }
    const exposed = new Set([...safelistedResponseHeaders, ...list(res.headers.get("access-control-expose-headers"))]);
    const visible = new Headers();
    res.headers.forEach((value, name) => {
      if (exposed.has(name)) {
        visible.append(name, value);
      }
    });
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: visible });
  };
}
