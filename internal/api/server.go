// Package api serves the AWS Secrets Manager JSON protocol over HTTP, so
// that the aws CLI, boto3 and the AWS SDKs work against dbwarden unchanged.
// Requests are authenticated with AWS Signature Version 4 against the
// principals' access keys; every request, whatever its fate, lands in the
// audit trail.
package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/secret"
	"github.com/dbwarden/dbwarden/internal/store"
)

// MaxBodyBytes is the largest request body the server reads.
const MaxBodyBytes = 1 << 20

// Identity is the principal a request was signed by.
type Identity struct {
	ARN      string
	Admin    bool
	Policies []*authz.Policy // identity policies; ignored for admins
	Tags     map[string]string
}

// ErrNoSuchKey is what a KeyLookup returns, wrapped, for an unknown key id.
var ErrNoSuchKey = errors.New("no such access key")

// KeyLookup returns the identity owning an access key and its secret.
type KeyLookup func(ctx context.Context, keyID string) (Identity, []byte, error)

// Config is what a Server needs.
type Config struct {
	Store  store.Store
	Lookup KeyLookup
	// Record appends an audit record for a request the store never saw
	// (refused before, or malformed).
	Record    func(ctx context.Context, rec audit.Record) error
	Region    string
	Account   string
	Partition string
	Logger    *slog.Logger
	Now       func() time.Time
	// Gauges returns the store's gauges for /metrics (secrets, audit
	// chain length), named as Prometheus metrics.
	Gauges func(ctx context.Context) map[string]float64
	// PublicMetrics serves /metrics to every client, not only loopback.
	PublicMetrics bool
}

// Server is the HTTP handler of the Secrets Manager API.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	keys     *keyCache
	metrics  metrics
	policies policyCache
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), keys: &keyCache{lookup: cfg.Lookup, now: cfg.Now}}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("POST /{$}", s.serveAPI)
	s.mux.HandleFunc("GET /metrics", s.serveMetrics)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serveAPI handles one Secrets Manager call.
func (s *Server) serveAPI(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &codeWriter{ResponseWriter: rw}
	defer func() {
		s.metrics.observe(strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager."), w.code, time.Since(start))
	}()
	reqID := secret.NewVersionID()
	w.Header().Set("x-amzn-RequestId", reqID)
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	caller := audit.Caller{RequestID: reqID, SourceIP: sourceIP}

	fail := func(e *apiError, principal string) {
		caller.Principal = principal
		action := "secretsmanager:" + op
		if op == "" || !knownOp(op) {
			action = "secretsmanager:UnknownOperation"
		}
		rec := audit.Record{
			Time: s.cfg.Now().UTC(), Principal: caller.Principal, Action: action,
			Outcome: audit.OutcomeFailure, ErrorCode: e.code, RequestID: reqID, SourceIP: sourceIP,
		}
		if err := s.cfg.Record(r.Context(), rec); err != nil {
			s.cfg.Logger.Error("audit record of a refused request", "request_id", reqID, "error", err)
		}
		writeError(w, e)
	}

	if r.ContentLength > MaxBodyBytes {
		fail(errTooLarge, "")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		fail(errSerialization("The request body could not be read."), "")
		return
	}
	if len(body) > MaxBodyBytes {
		fail(errTooLarge, "")
		return
	}

	id, keyID, aerr := s.authenticate(r, body)
	if aerr != nil {
		fail(aerr, keyID)
		return
	}
	caller.Principal = id.ARN
	if !strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") || !knownOp(op) {
		fail(errUnknownOp, id.ARN)
		return
	}
	h, ok := handlers[op]
	if op == "BatchGetSecretValue" {
		h, ok = func(ctx context.Context, _ *Server, body []byte) (any, error) { return s.batchGet(ctx, r, id, body) }, true
	}
	if !ok {
		fail(&apiError{400, secret.CodeInvalidRequest, "dbwarden does not support the " + op + " operation yet."}, id.ARN)
		return
	}
	authorizer, notFound, e := s.authorize(r, id, op, body)
	if e != nil {
		fail(e, id.ARN)
		return
	}
	ctx := audit.WithCaller(r.Context(), caller)
	var asked atomic.Bool
	if authorizer != nil {
		ctx = store.WithAuthorizer(ctx, func(f store.SecretFacts) error {
			asked.Store(true)
			return authorizer(f)
		})
	}
	out, err := h(ctx, s, body)
	if err != nil && notFound != nil && !asked.Load() && secret.IsCode(err, secret.CodeResourceNotFound) {
		// No such secret: a caller who may not act on that name learns
		// nothing more than that it may not.
		if e := notFound(); e != nil {
			fail(e, id.ARN)
			return
		}
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.code == "SerializationException" {
			fail(ae, id.ARN)
			return
		}
		if storeless[op] {
			fail(toAPIError(err), id.ARN)
			return
		}
		writeError(w, toAPIError(err))
		return
	}
	if storeless[op] {
		// The store records its own operations; these it never sees.
		rec := audit.Record{Time: s.cfg.Now().UTC(), Principal: id.ARN, Action: "secretsmanager:" + op,
			Outcome: audit.OutcomeSuccess, RequestID: reqID, SourceIP: sourceIP}
		if err := s.cfg.Record(r.Context(), rec); err != nil {
			writeError(w, &apiError{500, secret.CodeInternalService, "An error occurred on the server side."})
			return
		}
	}
	writeJSON(w, out)
}

// storeless operations do not reach the store, so the server records them
// in the audit trail itself.
var storeless = map[string]bool{"GetRandomPassword": true, "ValidateResourcePolicy": true}

// authenticate checks the request's SigV4 signature and returns the
// identity behind it; on failure it also returns the access key id it
// could read, for the audit record.
func (s *Server) authenticate(r *http.Request, body []byte) (Identity, string, *apiError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return Identity{}, "", errMissingToken
	}
	sig, aerr := parseAuthorization(authz)
	if aerr != nil {
		return Identity{}, "", aerr
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse(amzDateFmt, amzDate)
	if err != nil {
		return Identity{}, sig.keyID, errIncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	now := s.cfg.Now().UTC()
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return Identity{}, sig.keyID, &apiError{400, "InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than " +
			now.Add(-maxClockSkew).Format(amzDateFmt) + " (" + now.Format(amzDateFmt) + " - 5 min.)"}
	}
	if sig.date != amzDate[:8] {
		return Identity{}, sig.keyID, errSignature
	}
	if sig.service != "secretsmanager" || sig.region != s.cfg.Region {
		return Identity{}, sig.keyID, &apiError{400, "InvalidSignatureException", "Credential should be scoped to a valid region and service: expected " + s.cfg.Region + "/secretsmanager."}
	}
	signedHost, signedDate := false, false
	for _, h := range sig.signedHeaders {
		signedHost = signedHost || h == "host"
		signedDate = signedDate || h == "x-amz-date"
	}
	if !signedHost || !signedDate {
		return Identity{}, sig.keyID, errSignature
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && declared != payload {
		return Identity{}, sig.keyID, &apiError{400, "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}
	id, secretKey, err := s.keys.get(r.Context(), sig.keyID)
	if errors.Is(err, ErrNoSuchKey) {
		return Identity{}, sig.keyID, errUnrecognized
	}
	if err != nil {
		s.cfg.Logger.Error("look up access key", "access_key_id", sig.keyID, "error", err)
		return Identity{}, sig.keyID, &apiError{500, secret.CodeInternalService, "An error occurred on the server side."}
	}
	want := sig.compute(secretKey, amzDate, canonicalRequest(r, sig.signedHeaders, payload))
	clear(secretKey)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sig.signature))) {
		return Identity{}, sig.keyID, errSignature
	}
	return id, sig.keyID, nil
}

// codeWriter remembers the error code a response carried, for metrics.
type codeWriter struct {
	http.ResponseWriter
	code string
}

func writeError(w http.ResponseWriter, e *apiError) {
	if cw, ok := w.(*codeWriter); ok {
		cw.code = e.code
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(e.status)
	body := map[string]string{"__type": e.code}
	if e.message != "" {
		body["Message"] = e.message
	}
	json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, out any) {
	b, err := wireJSON(out)
	if err != nil {
		writeError(w, &apiError{500, secret.CodeInternalService, "An error occurred on the server side."})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(b)
}
