package server

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/platform/telegent-facade/validation"
)

// One problem with a request body has one status on every protocol (gRPC,
// REST, Connect, gRPC-Web), with a fixed message: never a retryable code,
// never Go's error text. A retry would send the same body again.
var (
	// errBodyTooLarge: over the body limit, before or after decompression.
	errBodyTooLarge = status.New(codes.ResourceExhausted, "request body is too large")
	// errBodyMalformed: not a message of the method, a broken compressed
	// stream or frame, or a body that could not be read to its end.
	errBodyMalformed = status.New(codes.InvalidArgument, "request body is malformed")
	// errConnectTimeout: a Connect-Timeout-Ms that is not 1 to 10 digits.
	errConnectTimeout = status.New(codes.InvalidArgument, "Connect-Timeout-Ms must be at most 10 digits")
)

// bodyHTTPStatus is the HTTP status of a body problem's code.
func bodyHTTPStatus(st *status.Status) int {
	if st.Code() == codes.ResourceExhausted {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// errDecompressedTooLarge reports a body over the limit once decompressed.
var errDecompressedTooLarge = errors.New("decompressed body over the limit")

// gunzip decompresses b, refusing more than limit bytes of output.
func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, errDecompressedTooLarge
	}
	return out, nil
}

// readWebBody reads a Connect, gRPC-Web or gRPC body of at most limit
// bytes and decompresses it (gzip) within the same limit, so that the
// transcoder behind gets a plain body it cannot fail to read; any problem
// is returned as the status to answer.
func readWebBody(r *http.Request, limit int64) (*status.Status, []byte) {
	if r.ContentLength > limit {
		return errBodyTooLarge, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return errBodyMalformed, nil
	}
	if int64(len(body)) > limit {
		return errBodyTooLarge, nil
	}
	// Connect's unary calls compress the whole body; its streams, gRPC-Web
	// and gRPC compress each enveloped message.
	if enc := r.Header.Get("Content-Encoding"); strings.EqualFold(enc, "gzip") {
		if body, err = gunzip(body, limit); err != nil {
			return bodyProblem(err), nil
		}
		r.Header.Del("Content-Encoding")
		return nil, body
	}
	for _, h := range []string{"Connect-Content-Encoding", "Grpc-Encoding"} {
		if strings.EqualFold(r.Header.Get(h), "gzip") {
			if body, err = decompressEnvelopes(body, limit); err != nil {
				return bodyProblem(err), nil
			}
			r.Header.Del(h)
		}
	}
	return nil, body
}

func bodyProblem(err error) *status.Status {
	if errors.Is(err, errDecompressedTooLarge) {
		return errBodyTooLarge
	}
	return errBodyMalformed
}

// decompressEnvelopes rewrites a body of enveloped messages (a flags byte,
// a 4-byte big-endian length, the message) with each compressed message
// decompressed, refusing more than limit bytes in all.
func decompressEnvelopes(body []byte, limit int64) ([]byte, error) {
	var out []byte
	for len(body) > 0 {
		if len(body) < 5 {
			return nil, errors.New("truncated envelope")
		}
		flags, n := body[0], binary.BigEndian.Uint32(body[1:5])
		if uint64(n) > uint64(len(body)-5) {
			return nil, errors.New("truncated envelope")
		}
		msg := body[5 : 5+n]
		body = body[5+n:]
		if flags&1 != 0 {
			var err error
			if msg, err = gunzip(msg, limit-int64(len(out))); err != nil {
				return nil, err
			}
		}
		if int64(len(out)+5+len(msg)) > limit+5 {
			return nil, errDecompressedTooLarge
		}
		out = binary.BigEndian.AppendUint32(append(out, flags&^1), uint32(len(msg)))
		out = append(out, msg...)
	}
	return out, nil
}

// validConnectTimeout reports whether a Connect-Timeout-Ms header is
// absent or what Connect's protocol allows: 1 to 10 ASCII digits.
func validConnectTimeout(v string) bool {
	if v == "" {
		return true
	}
	if len(v) > 10 {
		return false
	}
	_, err := strconv.ParseUint(v, 10, 64)
	return err == nil && strings.Trim(v, "0123456789") == ""
}

// writeWebStatus answers a call refused before the transcoder in its
// protocol's own form: gRPC and gRPC-Web as a trailers-only answer, HTTP
// 200 with grpc-status; Connect with the HTTP status of the problem and
// Connect's JSON error.
func writeWebStatus(w http.ResponseWriter, protocol, contentType string, st *status.Status) {
	if protocol == protocolGRPCWeb || protocol == protocolGRPC {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Grpc-Status", strconv.Itoa(int(st.Code())))
		w.Header().Set("Grpc-Message", st.Message())
		if len(st.Proto().GetDetails()) > 0 {
			if b, err := proto.Marshal(st.Proto()); err == nil {
				w.Header().Set("Grpc-Status-Details-Bin", base64.RawStdEncoding.EncodeToString(b))
			}
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	// Connect's JSON error: details as {type, value} with the value's
	// bytes in unpadded base64, as connect-go reads them, and its JSON form
	// under "debug", as connect-go writes it, for readers without the
	// detail's proto.
	type detail struct {
		Type  string          `json:"type"`
		Value string          `json:"value"`
		Debug json.RawMessage `json:"debug,omitempty"`
	}
	answer := struct {
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Details []detail `json:"details,omitempty"`
	}{Code: connectCode(st.Code()), Message: st.Message()}
	for _, d := range st.Proto().GetDetails() {
		dt := detail{
			Type:  strings.TrimPrefix(d.GetTypeUrl(), "type.googleapis.com/"),
			Value: base64.RawStdEncoding.EncodeToString(d.GetValue()),
		}
		if m, err := d.UnmarshalNew(); err == nil {
			dt.Debug, _ = protojson.Marshal(m)
		}
		answer.Details = append(answer.Details, dt)
	}
	body, _ := json.Marshal(answer)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(bodyHTTPStatus(st))
	_, _ = w.Write(body)
}

// connectCode is Connect's name of a code used here.
func connectCode(c codes.Code) string {
	switch c {
	case codes.ResourceExhausted:
		return "resource_exhausted"
	case codes.InvalidArgument:
		return "invalid_argument"
	}
	return "unknown"
}

// checkWebMessages reports errBodyMalformed when a plain (decompressed)
// Connect, gRPC-Web or gRPC body is not made of messages of the method
// the path names. grpc-go would answer such a body INTERNAL with the
// decoder's text, from inside its own stream handling, where nothing of
// the facade's can change the answer; so the HTTP port checks first.
// Unknown methods are left to the transcoder.
func checkWebMessages(path, contentType string, body []byte) *status.Status {
	mt := inputType(path)
	if mt == nil {
		return nil
	}
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	isJSON := strings.HasSuffix(ct, "json")
	unmarshal := func(b []byte) error {
		m := mt.New().Interface()
		if isJSON {
			// Unknown fields are the transcoder's to judge.
			return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, m)
		}
		return proto.Unmarshal(b, m)
	}
	if ct == "application/json" || ct == "application/proto" {
		// Connect unary: the body is the message; an empty one is empty.
		if len(body) == 0 || unmarshal(body) == nil {
			return nil
		}
		if isJSON {
			// Field violations with the path, as REST answers them.
			return status.Convert(validation.JSONError(body, mt.Descriptor()))
		}
		return errBodyMalformed
	}
	for len(body) > 0 {
		if len(body) < 5 {
			return errBodyMalformed
		}
		n := binary.BigEndian.Uint32(body[1:5])
		if uint64(n) > uint64(len(body)-5) || body[0]&1 != 0 || unmarshal(body[5:5+n]) != nil {
			// Compressed here means an encoding other than gzip, which
			// readWebBody left alone: the transcoder answers for it.
			if body[0]&1 != 0 {
				return nil
			}
			return errBodyMalformed
		}
		body = body[5+n:]
	}
	return nil
}

// inputType is the request message type of the method at a gRPC path
// ("/package.Service/Method"), or nil.
func inputType(path string) protoreflect.MessageType {
	md := methodAt(path)
	if md == nil {
		return nil
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		return nil
	}
	return mt
}

// clientStreams reports whether the method at a gRPC path takes a stream
// of requests (server reflection does): its body is not read whole before
// the call, which would wait for a stream the client keeps open.
func clientStreams(path string) bool {
	md := methodAt(path)
	return md != nil && md.IsStreamingClient()
}

// methodAt is the method at a gRPC path ("/package.Service/Method"), or nil.
func methodAt(path string) protoreflect.MethodDescriptor {
	svc, method, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return nil
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil
	}
	return sd.Methods().ByName(protoreflect.Name(method))
}
