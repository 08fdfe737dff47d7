package telegent

import (
	"strings"
	"testing"
	"time"
)

func TestParseTokenExpiry(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, time.UTC) }
	tests := map[string]struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		"documented example": {in: "05/02/2025 06:36:13 PM", want: date(2025, 5, 2, 18, 36, 13)},
		"morning":            {in: "05/02/2025 06:36:13 AM", want: date(2025, 5, 2, 6, 36, 13)},
		"midnight is 12 AM":  {in: "12/31/2025 12:00:00 AM", want: date(2025, 12, 31, 0, 0, 0)},
		"noon is 12 PM":      {in: "01/01/2026 12:00:00 PM", want: date(2026, 1, 1, 12, 0, 0)},
		"month before day":   {in: "02/03/2025 01:02:03 PM", want: date(2025, 2, 3, 13, 2, 3)},
		"unpadded":           {in: "5/2/2025 6:36:13 PM", want: date(2025, 5, 2, 18, 36, 13)},
		"lower-case pm":      {in: "05/02/2025 06:36:13 pm", want: date(2025, 5, 2, 18, 36, 13)},
		"surrounding space":  {in: "  05/02/2025 06:36:13 PM\n", want: date(2025, 5, 2, 18, 36, 13)},
		"RFC 3339 UTC":       {in: "2025-05-02T18:36:13Z", want: date(2025, 5, 2, 18, 36, 13)},
		"RFC 3339 offset":    {in: "2025-05-02T20:36:13+02:00", want: date(2025, 5, 2, 18, 36, 13)},
		"empty":              {in: "", wantErr: true},
		"garbage":            {in: "soon", wantErr: true},
		"day before month":   {in: "25/12/2025 06:36:13 PM", wantErr: true},
		"24-hour clock":      {in: "05/02/2025 18:36:13", wantErr: true},
		"hour 13 with PM":    {in: "05/02/2025 13:36:13 PM", wantErr: true},
		"February 30":        {in: "02/30/2025 06:36:13 PM", wantErr: true},
		"missing seconds":    {in: "05/02/2025 06:36 PM", wantErr: true},
		"unix seconds":       {in: "1746211000", wantErr: true},
		"trailing zone name": {in: "05/02/2025 06:36:13 PM EST", wantErr: true},
		"very long":          {in: strings.Repeat("1", 1000), wantErr: true},
		"NUL":                {in: "05/02/2025\x0006:36:13 PM", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTokenExpiry(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseTokenExpiry(%q) = %v, want error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTokenExpiry(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseTokenExpiry(%q) = %v, want %v in UTC", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 5, 2, 18, 0, 0, 0, time.UTC)
	const maxLife, fallback = time.Hour, 2 * time.Minute
	tests := map[string]struct {
		raw     string
		want    time.Duration
		wantWhy string
	}{
		"believed":            {raw: "05/02/2025 06:05:00 PM", want: 5 * time.Minute},
		"exactly the minimum": {raw: "05/02/2025 06:00:10 PM", want: minTokenLifetime},
		"exactly the maximum": {raw: "05/02/2025 07:00:00 PM", want: time.Hour},
		"past":                {raw: "05/02/2025 02:05:00 PM", want: fallback, wantWhy: "in the past or too close"},
		"already now":         {raw: "05/02/2025 06:00:00 PM", want: fallback, wantWhy: "in the past or too close"},
		"under the minimum":   {raw: "05/02/2025 06:00:09 PM", want: fallback, wantWhy: "in the past or too close"},
		"over the maximum":    {raw: "05/02/2025 07:00:01 PM", want: fallback, wantWhy: "too far ahead"},
		"next year":           {raw: "05/02/2026 06:05:00 PM", want: fallback, wantWhy: "too far ahead"},
		"unparseable":         {raw: "tomorrow", want: fallback, wantWhy: "unparseable"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, why := tokenLifetime(tc.raw, sent, maxLife, fallback)
			if got.Sub(sent) != tc.want || why != tc.wantWhy {
				t.Errorf("tokenLifetime(%q) = sent + %v (%q), want + %v (%q)", tc.raw, got.Sub(sent), why, tc.want, tc.wantWhy)
			}
		})
	}
}

func TestRefreshAt(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 5, 2, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		lifetime, margin, wantBefore time.Duration
	}{
		{lifetime: 5 * time.Minute, margin: 30 * time.Second, wantBefore: 30 * time.Second},
		{lifetime: 2 * time.Minute, margin: 30 * time.Second, wantBefore: 24 * time.Second},
		{lifetime: 10 * time.Second, margin: 30 * time.Second, wantBefore: 2 * time.Second},
		{lifetime: time.Hour, margin: 5 * time.Minute, wantBefore: 5 * time.Minute},
	}
	for _, tc := range tests {
		expiry := sent.Add(tc.lifetime)
		if got := expiry.Sub(refreshAt(sent, expiry, tc.margin)); got != tc.wantBefore {
			t.Errorf("lifetime %v margin %v: refresh %v before expiry, want %v", tc.lifetime, tc.margin, got, tc.wantBefore)
		}
	}
}
