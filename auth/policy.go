package auth

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"buf.build/go/protovalidate"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// Policy says which accounts each caller may manage webhooks of. A caller
// it does not name may create nothing.
type Policy struct {
	rules map[string]rule
}

type rule struct {
	accounts map[string]bool
	prefixes []string
}

// policyFile is the JSON form of the policy file:
//
//	{"callers": [
//	  {"caller": "token:billing", "accounts": ["AID-1234567"]},
//	  {"caller": "spiffe://corp.example/ns/crm/sa/crm", "account_prefixes": ["AID-CRM"]},
//	  {"caller": "cn:legacy-batch", "accounts": ["AID-7654321"]}
//	]}
//
// A caller is named in its namespace: "token:" and the token file's name
// for a bearer token, the URI SAN (an absolute URI, written as Go prints it:
// lower-case scheme) for a client certificate, "cn:" and the common name
// for a certificate without URI SANs (only with the common name fallback
// on). A bare name ("billing") is refused: it would be unclear which kind
// of caller it means. "accounts" are exact account ids; "account_prefixes"
// match every account id that starts with them ("AID-" is every account,
// on purpose only).
type policyFile struct {
	Callers []struct {
		Caller          string   `json:"caller"`
		Accounts        []string `json:"accounts"`
		AccountPrefixes []string `json:"account_prefixes"`
	} `json:"callers"`
}

// validAccountID reports whether id passes the contract's own rules for
// account ids, checked by protovalidate on a request that carries nothing
// else rather than copied here: a policy entry that could never match a
// valid request is a mistake worth reporting at start-up.
func validAccountID(id string) bool {
	err := protovalidate.Validate(&webhookv1.ListWebhooksRequest{AccountId: id})
	if err == nil {
		return true
	}
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		return false
	}
	for _, v := range verr.Violations {
		if protovalidate.FieldPathString(v.Proto.GetField()) == "account_id" {
			return false
		}
	}
	return true
}

// couldStartAccountID reports whether some valid account id starts with
// prefix. Ids are AID- then letters or digits, so one more digit makes a
// valid id of any prefix that can start one.
func couldStartAccountID(prefix string) bool { return validAccountID(prefix + "0") }

// LoadPolicy reads the policy file at path.
func LoadPolicy(path string) (*Policy, error) {
	b, err := readSmallFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(b)
}

// ParsePolicy parses a policy file, reporting every problem at once.
func ParsePolicy(b []byte) (*Policy, error) {
	var f policyFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("parse policy file: %w", err)
	}
	if len(f.Callers) == 0 {
		return nil, errors.New("parse policy file: no callers")
	}
	p := &Policy{rules: map[string]rule{}}
	var problems []error
	for i, c := range f.Callers {
		where := "caller " + strconv.Itoa(i+1)
		if err := checkCallerName(c.Caller); err != nil {
			problems = append(problems, fmt.Errorf("%s: name %w", where, err))
			continue
		}
		where = fmt.Sprintf("caller %q", c.Caller)
		if err := checkPolicyCaller(c.Caller); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if _, dup := p.rules[c.Caller]; dup {
			problems = append(problems, fmt.Errorf("%s: listed twice", where))
			continue
		}
		if len(c.Accounts) == 0 && len(c.AccountPrefixes) == 0 {
			problems = append(problems, fmt.Errorf("%s: no accounts and no account_prefixes", where))
		}
		r := rule{accounts: map[string]bool{}}
		for _, a := range c.Accounts {
			if !validAccountID(a) {
				problems = append(problems, fmt.Errorf("%s: account %q is not an account id (AID- then letters or digits)", where, a))
			}
			r.accounts[a] = true
		}
		for _, pre := range c.AccountPrefixes {
			if !couldStartAccountID(pre) {
				problems = append(problems, fmt.Errorf("%s: account prefix %q must be AID- then letters or digits (\"AID-\" alone allows every account)", where, pre))
			}
			r.prefixes = append(r.prefixes, pre)
		}
		p.rules[c.Caller] = r
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("parse policy file: %w", err)
	}
	return p, nil
}

// checkPolicyCaller accepts a caller name that some caller can have:
// "token:NAME", "cn:NAME", or an absolute URI (a certificate's URI SAN) in
// the form CertificateCaller reports it, outside those two namespaces.
func checkPolicyCaller(name string) error {
	for _, prefix := range []string{TokenCallerPrefix, CNCallerPrefix} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if rest == "" || rest[0] == ' ' {
				return fmt.Errorf("needs a name after %s", prefix)
			}
			return nil
		}
	}
	u, err := url.Parse(name)
	if err != nil || u.Scheme == "" {
		return errors.New("must be token:NAME (a bearer token caller), a client certificate's URI SAN such as spiffe://trust.domain/path, or cn:NAME (a certificate common name, with the fallback on)")
	}
	if reservedScheme(u.Scheme) {
		return errors.New("token: and cn: are written in lower case")
	}
	if u.String() != name {
		// Certificates are matched by their URI SAN as Go prints it.
		return fmt.Errorf("write the URI as %q", u.String())
	}
	return nil
}

// Allows reports whether caller may manage webhooks of accountID.
func (p *Policy) Allows(caller, accountID string) bool {
	if p == nil {
		return false
	}
	r, ok := p.rules[caller]
	if !ok {
		return false
	}
	if r.accounts[accountID] {
		return true
	}
	for _, pre := range r.prefixes {
		if strings.HasPrefix(accountID, pre) {
			return true
		}
	}
	return false
}

// Names reports whether the policy has rules for caller.
func (p *Policy) Names(caller string) bool {
	if p == nil {
		return false
	}
	_, ok := p.rules[caller]
	return ok
}

// Callers lists the callers the policy names, sorted.
func (p *Policy) Callers() []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.rules))
	for c := range p.rules {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// String summarises the policy.
func (p *Policy) String() string {
	if p == nil {
		return "no policy"
	}
	return fmt.Sprintf("policy for %d callers", len(p.rules))
}
