package telegentsim

import (
	"errors"
	"mime"
	"net/http"
	"slices"
)

func (s *Simulator) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// serveAdmin handles the /_sim/ endpoints documented on ServeHTTP. They are never
// subject to faults.
func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	type route struct {
		method string
		handle func(http.ResponseWriter, *http.Request)
	}
	var routes []route
	switch r.URL.Path {
	case "/_sim/counters":
		routes = []route{{http.MethodGet, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, s.Counters())
		}}}
	case "/_sim/webhooks":
		routes = []route{{http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			whs := s.Webhooks()
			if acc := r.URL.Query().Get("AccountId"); acc != "" {
				whs = slices.DeleteFunc(whs, func(wh Webhook) bool {
					return wh.AccountID == nil || *wh.AccountID != acc
				})
			}
			writeJSON(w, http.StatusOK, whs)
		}}}
	case "/_sim/creates-by-url":
		routes = []route{{http.MethodGet, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, s.CreatesByURL())
		}}}
	case "/_sim/revoke-tokens":
		routes = []route{{http.MethodPost, func(w http.ResponseWriter, _ *http.Request) {
			s.RevokeTokens()
			w.WriteHeader(http.StatusNoContent)
		}}}
	case "/_sim/reset":
		routes = []route{{http.MethodPost, func(w http.ResponseWriter, _ *http.Request) {
			s.Reset()
			w.WriteHeader(http.StatusNoContent)
		}}}
	case "/_sim/faults":
		routes = []route{
			{http.MethodGet, func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, s.Faults())
			}},
			{http.MethodPut, s.putFaults},
		}
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
		return
	}
	allow := ""
	for _, rt := range routes {
		if rt.method == r.Method {
			rt.handle(w, r)
			return
		}
		if allow != "" {
			allow += ", "
		}
		allow += rt.method
	}
	methodNotAllowed(w, allow)
}

// putFaults sets the default faults from JSON Faults, or from a spec when the body is
// text/plain.
func (s *Simulator) putFaults(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if errors.Is(err, errTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "faults body too large")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "could not read request body")
		return
	}
	var f Faults
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "text/plain" {
		f, err = ParseFaultSpec(string(body))
	} else {
		err = f.UnmarshalJSON(body)
	}
	if err == nil {
		err = s.SetFaults(f)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_faults", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
