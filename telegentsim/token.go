package telegentsim

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ExpiryLayout is the Go layout of tokenExpiry: US style with a 12-hour clock, e.g.
// "05/02/2025 06:36:13 PM". The text carries no zone (see Config.ExpiryLocation).
const ExpiryLayout = "01/02/2006 03:04:05 PM"

// tokenResponse is the token call's success body. Its member names are camelCase,
// unlike every other Telegent body.
type tokenResponse struct {
	Token       string  `json:"token"`
	Successful  bool    `json:"successful"`
	TokenExpiry *string `json:"tokenExpiry,omitempty"`
	Error       string  `json:"error"`
	APIEndpoint string  `json:"apiEndpoint"`
}

// tokenError is the token call's error body.
type tokenError struct {
	Successful bool   `json:"successful"`
	Error      string `json:"error"`
}

func writeTokenError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, tokenError{Successful: false, Error: msg})
}

// serveToken handles POST /v1.0/oauth2/tokens.
func (s *Simulator) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeTokenError(w, http.StatusMethodNotAllowed, "method not allowed: use POST")
		return
	}
	s.count(func(c *Counters) *int64 { return &c.TokenRequests })

	var f Faults
	if h := r.Header.Get(FaultHeader); h != "" {
		parsed, err := ParseFaultSpec(h)
		if err != nil {
			writeTokenError(w, http.StatusBadRequest, FaultHeader+": "+err.Error())
			return
		}
		f = parsed.tokenPart()
		if f.Once && f.hasTokenFaults() && !s.claimOnce("token-header:"+h) {
			f = Faults{}
		}
	} else {
		f = s.defaultTokenFaults()
	}

	if !isJSON(r.Header.Get("Content-Type")) {
		writeTokenError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	body, err := readBody(w, r)
	if errors.Is(err, errTooLarge) {
		writeTokenError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
		return
	}
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, "could not read request body")
		return
	}

	if f.hasTokenFaults() {
		s.noteFault(w, f)
	}
	if f.TokenLatency > 0 && !s.wait(r.Context(), f.TokenLatency) {
		return // the client left
	}
	if f.TokenDrop {
		s.drop(w)
		return
	}
	if f.TokenStatus != 0 {
		writeTokenError(w, f.TokenStatus, fmt.Sprintf("simulated fault: %d %s", f.TokenStatus, http.StatusText(f.TokenStatus)))
		return
	}

	obj, err := decodeObject(body)
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, err.Error())
		return
	}
	var key, secret, endpoint *string
	for _, m := range []struct {
		name string
		dst  **string
	}{{"AccountKey", &key}, {"AccountSecret", &secret}, {"ApiEndpoint", &endpoint}} {
		if *m.dst, err = stringMember(obj, m.name); err != nil {
			writeTokenError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if endpoint == nil || *endpoint == "" {
		writeTokenError(w, http.StatusBadRequest, "ApiEndpoint is required")
		return
	}
	if !equalSecret(key, s.accountKey) || !equalSecret(secret, s.accountSecret) {
		s.count(func(c *Counters) *int64 { return &c.Unauthorized })
		writeTokenError(w, http.StatusUnauthorized, "invalid AccountKey or AccountSecret")
		return
	}

	token := newToken()
	issued := s.now()
	expiry := issued.Add(s.lifetime).Truncate(time.Second)
	s.mu.Lock()
	if len(s.tokens) >= 1024 {
		// Forget expired tokens so a long load run does not grow without bound.
		for t, g := range s.tokens {
			if !issued.Before(g.expiry) {
				delete(s.tokens, t)
			}
		}
	}
	s.tokens[token] = tokenGrant{scope: *endpoint, expiry: expiry}
	s.counters.TokensIssued++
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, tokenResponse{
		Token:       token,
		Successful:  true,
		TokenExpiry: s.expiryText(f.TokenExpiryFormat, issued, expiry),
		APIEndpoint: *endpoint,
	})
}

// expiryText renders tokenExpiry; nil means the member is left out.
func (s *Simulator) expiryText(format string, issued, expiry time.Time) *string {
	var text string
	switch format {
	case ExpiryNormal:
		text = expiry.In(s.location).Format(ExpiryLayout)
	case ExpiryPast:
		text = issued.Add(-time.Hour).In(s.location).Format(ExpiryLayout)
	case ExpiryFarFuture:
		text = expiry.AddDate(10, 0, 0).In(s.location).Format(ExpiryLayout)
	case ExpiryGarbled:
		text = "13/45/20x5 27:61:99 ZM"
	case ExpiryEmpty:
		text = ""
	case ExpiryMissing:
		return nil
	case ExpiryRFC3339:
		text = expiry.In(s.location).Format(time.RFC3339)
	default:
		layout, _ := strings.CutPrefix(format, ExpiryLayoutPrefix)
		text = expiry.In(s.location).Format(layout)
	}
	return &text
}

func equalSecret(got *string, want string) bool {
	if got == nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(*got), []byte(want)) == 1
}

// newToken returns an opaque token: 32 random bytes, base64url without padding.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize checks the bearer token of r; it returns why it is refused, or "".
func (s *Simulator) authorize(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "missing bearer token"
	}
	s.mu.Lock()
	g, known := s.tokens[strings.TrimSpace(token)]
	s.mu.Unlock()
	switch {
	case !known:
		return "unknown or revoked token"
	case !s.now().Before(g.expiry):
		return "token expired"
	case !sameURL(g.scope, s.requestURL(r)):
		return "token is scoped to another endpoint"
	}
	return ""
}

// requestURL reconstructs the URL the client called, for the scope check.
func (s *Simulator) requestURL(r *http.Request) string {
	path := r.URL.EscapedPath()
	if s.publicBase != "" {
		return s.publicBase + path
	}
	scheme := "http"
	switch {
	case r.TLS != nil:
		scheme = "https"
	case r.URL.Scheme != "": // a client-side request handed to ServeHTTP directly
		scheme = r.URL.Scheme
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host + path
}

// sameURL compares two URLs with scheme and host case-insensitively and the rest
// exactly.
func sameURL(a, b string) bool {
	split := func(u string) (origin, rest string) {
		scheme, after, ok := strings.Cut(u, "://")
		if !ok {
			return "", u
		}
		i := strings.IndexByte(after, '/')
		if i < 0 {
			i = len(after)
		}
		return strings.ToLower(scheme + "://" + after[:i]), after[i:]
	}
	ao, ar := split(a)
	bo, br := split(b)
	return ao == bo && ar == br
}

// decodeObject decodes a body that must be exactly one JSON object.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("request body is empty")
		}
		return nil, fmt.Errorf("request body is not a JSON object: %v", err)
	}
	if obj == nil {
		return nil, errors.New("request body is not a JSON object: null")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("request body has data after the JSON object")
	}
	return obj, nil
}

// stringMember returns the member name of obj, matched case-insensitively (an exact
// match wins), which must be a JSON string or null; nil means null or absent.
func stringMember(obj map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := obj[name]
	if !ok {
		var keys []string
		for k := range obj {
			if strings.EqualFold(k, name) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil, nil
		}
		slices.Sort(keys)
		raw = obj[keys[0]]
	}
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return nil, fmt.Errorf("%s must be a string or null", name)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s must be a string or null", name)
	}
	return &v, nil
}
