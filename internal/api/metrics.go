package api

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// buckets are the upper bounds, in seconds, of the latency histogram.
var buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// metrics counts requests by operation and outcome and keeps a latency
// histogram per operation, for /metrics in Prometheus' text format.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // {operation, error code or ""}
	latency  map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

func (m *metrics) observe(op, code string, d time.Duration) {
	if op == "" || !knownOp(op) {
		op = "UnknownOperation"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.requests == nil {
		m.requests = map[[2]string]uint64{}
		m.latency = map[string]*histogram{}
	}
	m.requests[[2]string{op, code}]++
	h := m.latency[op]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.latency[op] = h
	}
	s := d.Seconds()
	for i, b := range buckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.n++
}

func (m *metrics) write(w io.Writer, gauges map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP dbwarden_api_requests_total Secrets Manager API requests by operation and error code (empty for success).")
	fmt.Fprintln(w, "# TYPE dbwarden_api_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "dbwarden_api_requests_total{operation=%q,error=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP dbwarden_api_request_duration_seconds Time to answer a request, by operation.")
	fmt.Fprintln(w, "# TYPE dbwarden_api_request_duration_seconds histogram")
	ops := make([]string, 0, len(m.latency))
	for op := range m.latency {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		h := m.latency[op]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "dbwarden_api_request_duration_seconds_bucket{operation=%q,le=%q} %d\n", op, fmt.Sprint(b), cum)
		}
		fmt.Fprintf(w, "dbwarden_api_request_duration_seconds_bucket{operation=%q,le=\"+Inf\"} %d\n", op, h.n)
		fmt.Fprintf(w, "dbwarden_api_request_duration_seconds_sum{operation=%q} %g\n", op, h.sum)
		fmt.Fprintf(w, "dbwarden_api_request_duration_seconds_count{operation=%q} %d\n", op, h.n)
	}
	names := make([]string, 0, len(gauges))
	for n := range gauges {
		names = append(names, n)
	}
	sort.Strings(names)
	typed := map[string]bool{}
	for _, n := range names {
		// A gauge may carry labels: name{label="value"}.
		base, _, _ := strings.Cut(n, "{")
		if !typed[base] {
			typed[base] = true
			fmt.Fprintf(w, "# TYPE %s gauge\n", base)
		}
		fmt.Fprintf(w, "%s %g\n", n, gauges[n])
	}
}

// serveMetrics answers /metrics: to loopback clients, or to anyone when
// the server was told metrics are public.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); !s.cfg.PublicMetrics && (ip == nil || !ip.IsLoopback()) {
		http.Error(w, "metrics are served to loopback clients only", http.StatusForbidden)
		return
	}
	var gauges map[string]float64
	if s.cfg.Gauges != nil {
		gauges = s.cfg.Gauges(r.Context())
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	s.metrics.write(&b, gauges)
	io.WriteString(w, b.String())
}
