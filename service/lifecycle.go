package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/telegent"
)

// ReasonStoredValueUnknown is the field violation reason of an update that
// would keep a setting whose stored value the facade does not recognise.
const ReasonStoredValueUnknown = "stored_value_unknown"

// Page sizes of ListWebhooks (AIP-158).
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// Update mask paths: the settings of a Webhook an update may replace.
const (
	pathWebhookURL = "webhook_url"
	pathMethod     = "method"
	pathDataFormat = "data_format"
	pathAuthType   = "authentication_type"
	pathUsername   = "authentication_username"
	pathEvents     = "subscribed_events"
)

var settingsPaths = []string{pathWebhookURL, pathMethod, pathDataFormat, pathAuthType, pathUsername, pathEvents}

// GetWebhook reads the account's list and answers with the one webhook.
func (s *Service) GetWebhook(ctx context.Context, req *webhookv1.GetWebhookRequest) (*webhookv1.GetWebhookResponse, error) {
	w, err := s.find(ctx, req.GetAccountId(), req.GetWebhookId())
	if err != nil {
		return nil, err
	}
	return &webhookv1.GetWebhookResponse{Webhook: toWebhook(w, req.GetAccountId())}, nil
}

// ListWebhooks pages the account's list, ordered by webhook id. Telegent
// returns the whole list on every call, so a page is a slice of it after
// the last id of the previous page: stable whatever is created or deleted
// in between.
func (s *Service) ListWebhooks(ctx context.Context, req *webhookv1.ListWebhooksRequest) (*webhookv1.ListWebhooksResponse, error) {
	after, err := parsePageToken(req.GetPageToken(), req.GetAccountId())
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	switch {
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	all, err := s.list(ctx, req.GetAccountId())
	if err != nil {
		return nil, err
	}
	start, _ := slices.BinarySearchFunc(all, after, func(w *telegent.Webhook, id string) int { return strings.Compare(w.WebhookId, id) })
	if start < len(all) && all[start].WebhookId == after {
		start++
	}
	end := min(start+size, len(all))
	resp := &webhookv1.ListWebhooksResponse{Webhooks: make([]*webhookv1.Webhook, 0, end-start)}
	for _, w := range all[start:end] {
		resp.Webhooks = append(resp.Webhooks, toWebhook(w, req.GetAccountId()))
	}
	if end < len(all) {
		resp.NextPageToken = pageToken(req.GetAccountId(), all[end-1].WebhookId)
	}
	return resp, nil
}

// UpdateWebhook merges the request into the current webhook under the
// update mask, checks the result with CreateWebhookRequest's rules and sends
// it whole: Telegent's update replaces every setting, so a setting the
// request does not name is sent as it is stored. The facade never learns a
// stored password or token, so a result that needs one must carry it; the
// rules refuse it otherwise, before anything is sent.
//
// The read and the write are two calls: an update that lands between them
// is overwritten (last writer wins; Telegent offers no version to check).
func (s *Service) UpdateWebhook(ctx context.Context, req *webhookv1.UpdateWebhookRequest) (*webhookv1.UpdateWebhookResponse, error) {
	current, err := s.find(ctx, req.GetAccountId(), req.GetWebhookId())
	if err != nil {
		return nil, err
	}
	merged, err := merge(current, req)
	if err != nil {
		return nil, err
	}
	if err := s.checkMerged(merged); err != nil {
		return nil, err
	}
	w, err := s.upstream.UpdateWebhook(ctx, &telegent.UpdateWebhookRequest{WebhookId: req.GetWebhookId(), CreateWebhookRequest: *ToTelegent(merged)})
	if err != nil {
		return nil, s.changeStatus(ctx, req.GetAccountId(), req.GetWebhookId(), err)
	}
	if w == nil {
		w = &telegent.Webhook{} // reported as sent
	}
	out := FromTelegent(w, merged)
	out.WebhookId = req.GetWebhookId()
	return &webhookv1.UpdateWebhookResponse{Webhook: out}, nil
}

// DeleteWebhook deletes a webhook of the account. A webhook that is not in
// the account's list is NOT_FOUND, so a repeat of a delete that succeeded
// is NOT_FOUND too, with the reason WEBHOOK_NOT_FOUND, and sends nothing.
func (s *Service) DeleteWebhook(ctx context.Context, req *webhookv1.DeleteWebhookRequest) (*webhookv1.DeleteWebhookResponse, error) {
	if _, err := s.find(ctx, req.GetAccountId(), req.GetWebhookId()); err != nil {
		return nil, err
	}
	if err := s.upstream.DeleteWebhook(ctx, req.GetAccountId(), req.GetWebhookId()); err != nil {
		if deletedByEarlierAttempt(err) {
			return &webhookv1.DeleteWebhookResponse{}, nil
		}
		return nil, s.changeStatus(ctx, req.GetAccountId(), req.GetWebhookId(), err)
	}
	return &webhookv1.DeleteWebhookResponse{}, nil
}

// deletedByEarlierAttempt reports Telegent's 404 to a repeat the client made
// of this same delete after an attempt whose outcome was unknown (its
// answer was lost): the webhook was in the account's list when the call
// began and is gone now, by that attempt (or a concurrent delete), so what
// the caller asked for is done. WEBHOOK_NOT_FOUND would tell the caller it
// named a webhook that did not exist.
func deletedByEarlierAttempt(err error) bool {
	e, ok := errors.AsType[*telegent.Error](err)
	return ok && e.Kind == telegent.KindNotFound && e.OutcomeUnknown
}

// list is the account's webhooks sorted by id. Entries Telegent attributes
// to another account, and entries without an id, are left out: whatever
// Telegent does, an account's list only ever shows the account's webhooks.
func (s *Service) list(ctx context.Context, accountID string) ([]*telegent.Webhook, error) {
	ws, err := s.upstream.ListWebhooks(ctx, accountID)
	if err != nil {
		return nil, Status(ctx, s.logger, fmt.Errorf("list webhooks: %w", err))
	}
	own := make([]*telegent.Webhook, 0, len(ws))
	for _, w := range ws {
		if w != nil && w.WebhookId != "" && (w.AccountId == "" || w.AccountId == accountID) {
			own = append(own, w)
		}
	}
	slices.SortFunc(own, func(a, b *telegent.Webhook) int { return strings.Compare(a.WebhookId, b.WebhookId) })
	return slices.CompactFunc(own, func(a, b *telegent.Webhook) bool { return a.WebhookId == b.WebhookId }), nil
}

// find is the webhook with the id in the account's list: the ownership
// check of get, update and delete, made by the facade because Telegent may
// not check that a webhook id belongs to the account id it is sent with.
func (s *Service) find(ctx context.Context, accountID, webhookID string) (*telegent.Webhook, error) {
	all, err := s.list(ctx, accountID)
	if err != nil {
		return nil, err
	}
	i, ok := slices.BinarySearchFunc(all, webhookID, func(w *telegent.Webhook, id string) int { return strings.Compare(w.WebhookId, id) })
	if !ok {
		return nil, notFound(accountID, webhookID)
	}
	return all[i], nil
}

// changeUnknownMessage is the message of an update or a delete whose
// outcome is unknown.
const changeUnknownMessage = "Telegent gave no definite answer; the change may have been applied: repeat the call, which is harmless (a repeated delete answers WEBHOOK_NOT_FOUND once the webhook is gone)"

// changeStatus maps a failed update or delete. Telegent's 404 after the
// list found the webhook means it was deleted in between: the same answer
// as a webhook that is not there.
func (s *Service) changeStatus(ctx context.Context, accountID, webhookID string, err error) error {
	if telegent.KindOf(err) == telegent.KindNotFound {
		return notFound(accountID, webhookID)
	}
	st := Status(ctx, s.logger, err)
	if isOutcomeUnknown(st) {
		// Repeating an update (the same whole body) or a delete is
		// harmless, and the repeat's answer is definite.
		return failure.RepeatToResolve(st, changeUnknownMessage)
	}
	return st
}

// notFound is the answer about a webhook that is not in the account's list.
func notFound(accountID, webhookID string) error {
	return failure.WebhookNotFound.Err(failure.Detail{Extra: []protoadapt.MessageV1{
		&errdetails.ResourceInfo{
			ResourceType: "telegent.webhook.v1.Webhook",
			ResourceName: "accounts/" + accountID + "/webhooks/" + webhookID,
			Description:  "the account has no webhook with this id; a repeated delete also gets this answer",
		}}})
}

// The page token is the account and the last id of the page, base64url: a
// caller who forges one can only move its own cursor within an account it
// is allowed on, so no key is needed. The account in it ties it to the
// list it came from.
const pageTokenVersion = "v1"

func pageToken(accountID, lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenVersion + "\x00" + accountID + "\x00" + lastID))
}

// parsePageToken returns the last id of the previous page, "" for the first.
func parsePageToken(token, accountID string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 3 || parts[0] != pageTokenVersion || parts[2] == "" {
		return "", badPageToken("page_token is not a token this service issued")
	}
	if parts[1] != accountID {
		return "", badPageToken("page_token belongs to another account's list")
	}
	return parts[2], nil
}

func badPageToken(desc string) error {
	st := status.New(codes.InvalidArgument, "invalid request: page_token: "+desc)
	withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
		Field: "page_token", Description: desc, Reason: "page_token.invalid",
	}}})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// maskPaths is the settings the update replaces. An absent or empty mask
// names every setting set (non-empty, non-zero) in the request's webhook,
// so it never clears one; "*" names all six.
func maskPaths(req *webhookv1.UpdateWebhookRequest) []string {
	paths := req.GetUpdateMask().GetPaths()
	if slices.Contains(paths, "*") {
		return settingsPaths
	}
	if len(paths) > 0 {
		return paths
	}
	w := req.GetWebhook()
	set := map[string]bool{
		pathWebhookURL: w.GetWebhookUrl() != "",
		pathMethod:     w.GetMethod() != 0,
		pathDataFormat: w.GetDataFormat() != 0,
		pathAuthType:   w.GetAuthenticationType() != 0,
		pathUsername:   w.GetAuthenticationUsername() != "",
		pathEvents:     len(w.GetSubscribedEvents()) > 0,
	}
	for _, p := range settingsPaths {
		if set[p] {
			paths = append(paths, p)
		}
	}
	return paths
}

// merge is the webhook the update asks for, as a create request: the stored
// settings with the named ones replaced, and the request's secrets. A
// stored setting the facade cannot read and the request does not replace
// is refused, rather than sent as something else.
func merge(current *telegent.Webhook, req *webhookv1.UpdateWebhookRequest) (*webhookv1.CreateWebhookRequest, error) {
	merged, unknown := storedSettings(current, req.GetAccountId())
	paths := maskPaths(req)
	w := req.GetWebhook()
	for _, p := range paths {
		switch p {
		case pathWebhookURL:
			merged.WebhookUrl = w.GetWebhookUrl()
		case pathMethod:
			merged.Method = w.GetMethod()
		case pathDataFormat:
			merged.DataFormat = w.GetDataFormat()
		case pathAuthType:
			merged.AuthenticationType = w.GetAuthenticationType()
		case pathUsername:
			merged.AuthenticationUsername = w.GetAuthenticationUsername()
		case pathEvents:
			merged.SubscribedEvents = slices.Clone(w.GetSubscribedEvents())
		}
	}
	// A username exists only for BASIC: moving away from it drops the
	// stored one, unless the request names it (then the rules judge it).
	if merged.GetAuthenticationType() != webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC && !slices.Contains(paths, pathUsername) {
		merged.AuthenticationUsername = ""
	}
	merged.AuthenticationPassword = req.GetAuthenticationPassword()
	merged.AuthenticationToken = req.GetAuthenticationToken()

	var violations []*errdetails.BadRequest_FieldViolation
	for _, p := range paths {
		// The mask's rule lets sub-paths through (webhook_url.x); settings
		// have none.
		if !slices.Contains(settingsPaths, p) {
			violations = append(violations, &errdetails.BadRequest_FieldViolation{
				Field:       "update_mask",
				Description: "update_mask names " + p + ", which is not a setting of a webhook",
				Reason:      "update_mask.in",
			})
		}
	}
	for _, f := range unknown {
		if !slices.Contains(paths, f) {
			violations = append(violations, &errdetails.BadRequest_FieldViolation{
				Field:       "webhook." + f,
				Description: "Telegent stores a value the facade does not recognise; name " + f + " in update_mask with the value to keep",
				Reason:      ReasonStoredValueUnknown,
			})
		}
	}
	if len(violations) > 0 {
		return nil, badRequest(violations)
	}
	return merged, nil
}

// checkMerged checks the merged webhook with CreateWebhookRequest's rules,
// the one place they are declared, and reports each violation on the
// update request's own field: webhook.<setting>, or the secret's field.
func (s *Service) checkMerged(merged *webhookv1.CreateWebhookRequest) error {
	v, err := s.validator()
	if err != nil {
		return status.Error(codes.Internal, "internal error")
	}
	verr := v.Validate(merged)
	if verr == nil {
		return nil
	}
	st := status.Convert(verr)
	if st.Code() != codes.InvalidArgument {
		return verr
	}
	var violations []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, fv := range br.GetFieldViolations() {
			fv = proto.CloneOf(fv)
			if slices.Contains(settingsPaths, fv.GetField()) {
				fv.Field = "webhook." + fv.GetField()
			}
			violations = append(violations, fv)
		}
	}
	return badRequest(violations)
}

// badRequest is INVALID_ARGUMENT with one field violation per broken rule,
// in the form the validator answers with.
func badRequest(violations []*errdetails.BadRequest_FieldViolation) error {
	msgs := make([]string, 0, len(violations))
	for _, fv := range violations {
		msgs = append(msgs, fv.GetField()+": "+fv.GetDescription())
	}
	st := status.New(codes.InvalidArgument, "invalid request: "+strings.Join(msgs, "; "))
	withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: violations})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
