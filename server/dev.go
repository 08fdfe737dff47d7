package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/platform/telegent-facade/telegentsim"
)

// startSimulator runs an in-process Telegent simulator on a loopback port
// for --dev and returns the base URL and credentials to use with it.
func (s *Server) startSimulator() (baseURL, key, secret string, err error) {
	s.sim = telegentsim.New(telegentsim.Config{Logger: s.logger.With("component", "telegent-sim"), DisableAdmin: true})
	var lc net.ListenConfig
	s.simLis, err = lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", "", fmt.Errorf("listen for the embedded simulator: %w", err)
	}
	s.simServer = &http.Server{Handler: s.sim, ReadHeaderTimeout: 5 * time.Second}
	return "http://" + s.simLis.Addr().String(), telegentsim.DefaultAccountKey, telegentsim.DefaultAccountSecret, nil
}

// PrintDevUsage writes ready-to-paste grpcurl and curl commands that work
// against this server: the whole webhook lifecycle over REST and gRPC.
func (s *Server) PrintDevUsage(w io.Writer) {
	grpcAddr := dialable(s.GRPCAddr())
	httpAddr := dialable(s.HTTPAddr())
	body := `{"accountId":"AID-1234567","webhookUrl":"https://hooks.example.com/telegent","method":"HTTP_METHOD_POST","dataFormat":"DATA_FORMAT_JSON","authenticationType":"AUTHENTICATION_TYPE_BASIC","authenticationUsername":"webhook_user","authenticationPassword":"s3cureP@ss","subscribedEvents":["WEBHOOK_EVENT_ORDER_UPDATE","WEBHOOK_EVENT_NEW_SMS"]}`
	fmt.Fprintf(w, `
telegent-facade is running in dev mode on an embedded Telegent simulator.

  gRPC  %[1]s    REST  http://%[2]s

Create a webhook over REST (POST /v1/accounts/AID-1234567/webhooks works too), then list, get, change only its password, delete:
  curl -sS -X POST http://%[2]s/v1/webhooks -H 'Content-Type: application/json' -d '%[3]s'
  curl -sS http://%[2]s/v1/accounts/AID-1234567/webhooks
  curl -sS http://%[2]s/v1/accounts/AID-1234567/webhooks/WID-1000001
  curl -sS -X PATCH http://%[2]s/v1/accounts/AID-1234567/webhooks/WID-1000001 -H 'Content-Type: application/json' -d '{"authenticationPassword":"n3wP@ss"}'
  curl -sS -X DELETE http://%[2]s/v1/accounts/AID-1234567/webhooks/WID-1000001

The same over gRPC (grpcurl uses server reflection):
  grpcurl -plaintext -d '%[3]s' %[1]s telegent.webhook.v1.WebhookService/CreateWebhook
  grpcurl -plaintext -d '{"accountId":"AID-1234567"}' %[1]s telegent.webhook.v1.WebhookService/ListWebhooks
  grpcurl -plaintext -d '{"accountId":"AID-1234567","webhookId":"WID-1000001"}' %[1]s telegent.webhook.v1.WebhookService/GetWebhook
  grpcurl -plaintext -d '{"accountId":"AID-1234567","webhookId":"WID-1000001","authenticationPassword":"n3wP@ss"}' %[1]s telegent.webhook.v1.WebhookService/UpdateWebhook
  grpcurl -plaintext -d '{"accountId":"AID-1234567","webhookId":"WID-1000001"}' %[1]s telegent.webhook.v1.WebhookService/DeleteWebhook
(Use the webhookId the create answered; the simulator numbers them from WID-1000001.)

See a validation error:
  curl -sS -X POST http://%[2]s/v1/webhooks -H 'Content-Type: application/json' -d '{"accountId":"nope"}'

Explore:
  grpcurl -plaintext %[1]s list
  curl -sS http://%[2]s/openapi.json
  curl -sS http://%[2]s/readyz
  curl -sS http://%[2]s/metrics

`, grpcAddr, httpAddr, body)
	printWebUsage(w, httpAddr, body)
}

// printWebUsage writes the Connect, gRPC-Web and buf curl examples: the
// protocols of the HTTP port besides REST. buf curl reads the schema from
// the HTTP port's reflection service.
func printWebUsage(w io.Writer, httpAddr, body string) {
	fmt.Fprintf(w, `Create a webhook over the Connect protocol (plain curl, JSON):
  curl -sS -X POST http://%[1]s/telegent.webhook.v1.WebhookService/CreateWebhook -H 'Content-Type: application/json' -d '%[2]s'

Create a webhook over gRPC-Web (buf curl reads the schema by reflection):
  buf curl --protocol grpcweb -d '%[2]s' http://%[1]s/telegent.webhook.v1.WebhookService/CreateWebhook

Call or list the service with buf curl (Connect, schema by reflection):
  buf curl -d '%[2]s' http://%[1]s/telegent.webhook.v1.WebhookService/CreateWebhook
  buf curl --list-methods http://%[1]s

`, httpAddr, body)
}

// dialable turns a wildcard listen address into one a local client can dial.
func dialable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
