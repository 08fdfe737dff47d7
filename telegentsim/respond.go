package telegentsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// apiError is the error body of the webhook endpoints. Telegent leaves error bodies
// unspecified; this shape has the error/message members the docs lead one to expect.
type apiError struct {
	Error   string              `json:"error"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("telegentsim: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, apiError{Error: code, Message: message})
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+allow)
}

// isJSON accepts the media types an ASP.NET-style JSON input formatter accepts.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" ||
		(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

var errTooLarge = errors.New("request body too large")

// readBody reads at most MaxBodyBytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}

// wait sleeps for d unless ctx ends first; it reports whether d elapsed.
func (s *Simulator) wait(ctx context.Context, d time.Duration) bool {
	if s.hookLatency != nil {
		s.hookLatency()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeShaped writes status with a body of the given kind. jsonBody is used for the
// JSON shape (BodyJSON, BodyNoWebhookID, BodyActiveNull are handled by the caller
// building jsonBody).
func writeShaped(w http.ResponseWriter, status int, kind BodyKind, jsonBody any) {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	switch kind {
	case BodyHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
	case BodyText:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	case BodyEmpty:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
	case BodyMalformed:
		b, _ := json.Marshal(jsonBody)
		// Cut the document in the middle: a valid prefix of an object never closed.
		b = b[:len(b)/2]
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	default:
		writeJSON(w, status, jsonBody)
	}
}
