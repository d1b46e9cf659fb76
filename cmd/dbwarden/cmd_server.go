package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/api"
	"github.com/dbwarden/dbwarden/internal/audit"
	"github.com/dbwarden/dbwarden/internal/authz"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

// credentialsFile is where the first start writes the admin's access key.
const credentialsFile = "admin-credentials"

func (a *app) serverCmd() *cobra.Command {
	var listen, certFile, keyFile string
	var publicMetrics, selfSigned bool
	cmd := &cobra.Command{
		Use:   "server [--listen ADDR:PORT]",
		Short: "Serve the AWS Secrets Manager API, so the aws CLI, boto3 and the AWS SDKs work against dbwarden",
		Long: `Serve the AWS Secrets Manager JSON protocol over HTTP. Requests are signed
with AWS Signature Version 4 by principals' access keys, and every request
lands in the audit trail.

On its first start on an empty data directory the server creates an admin
principal and writes its access key once, in the AWS shared-credentials
format, to DATA_DIR/admin-credentials (mode 0600): point the aws CLI at it
with AWS_SHARED_CREDENTIALS_FILE. Plain HTTP is served on loopback only;
any other address needs --tls-cert and --tls-key, or --tls-self-signed
(TLS 1.2 or later).
SIGINT or SIGTERM stops it after in-flight requests finish.

The server also does the scheduled work: secrets whose rotation is due are
rotated (see 'dbwarden rotate --help'), and the backups listed in the
configuration file's "backups" section run on their cron schedules (UTC),
with their retention applied after each success:
  {"backups": [{"name": "nightly", "source": "prod/mysql/admin",
    "to": "s3://acme-backups/mysql", "schedule": "0 2 * * *",
    "keep": "keep-within=7d", "webhook": "https://hooks.example.com/x"}]}
A schedule or policy that does not parse stops the server at start.

GET /healthz answers ok; GET /metrics gives Prometheus metrics (requests
by operation and error code, latency histograms, secrets, audit chain
length, and per backup job its last success, failure, duration and size)
to loopback clients, or to all with --metrics-public.`,
		Example: `  dbwarden server --listen 127.0.0.1:8470 &
  AWS_SHARED_CREDENTIALS_FILE=~/.local/share/dbwarden/admin-credentials \
    aws --endpoint-url http://127.0.0.1:8470 secretsmanager list-secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if selfSigned {
				if certFile != "" || keyFile != "" {
					return usagef("give --tls-self-signed or --tls-cert and --tls-key, not both")
				}
				if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
					return err
				}
				host, _, err := net.SplitHostPort(listen)
				if err != nil {
					return usagef("--listen %q: %v", listen, err)
				}
				var fp string
				if certFile, keyFile, fp, err = selfSignedCert(a.cfg.DataDir, host); err != nil {
					return fmt.Errorf("self-signed certificate: %w", err)
				}
				fmt.Fprintf(a.stderr, "TLS certificate %s\nfingerprint %s\n", certFile, fp)
			}
			return a.runServer(cmd.Context(), listen, certFile, keyFile, publicMetrics)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8470", "address and port to listen on")
	f.StringVar(&certFile, "tls-cert", "", "TLS certificate file (PEM); required off loopback")
	f.StringVar(&keyFile, "tls-key", "", "TLS private key file (PEM)")
	f.BoolVar(&publicMetrics, "metrics-public", false, "serve /metrics to every client, not only loopback ones")
	f.BoolVar(&selfSigned, "tls-self-signed", false, "serve TLS with a self-signed certificate kept in the data directory; prints its fingerprint")
	return cmd
}

func (a *app) runServer(ctx context.Context, listen, certFile, keyFile string, publicMetrics bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return usagef("--listen %q: %v", listen, err)
	}
	useTLS := certFile != "" || keyFile != ""
	if useTLS && (certFile == "" || keyFile == "") {
		return usagef("give both --tls-cert and --tls-key")
	}
	if ip := net.ParseIP(host); !useTLS && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return usagef("--listen %s: plain HTTP is only served on loopback; give --tls-cert and --tls-key, or --tls-self-signed, to listen on %q", listen, host)
	}
	var tlsConfig *tls.Config
	if useTLS {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return usagef("TLS certificate: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	logger := slog.New(slog.NewTextHandler(a.stderr, nil)).With("component", "server")
	ctx = audit.WithCaller(ctx, audit.Caller{Principal: "dbwarden:server", RequestID: "startup"})
	s, _, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := a.bootstrapAdmin(ctx, s, logger); err != nil {
		return err
	}

	sched := newScheduler(s, a.engine(s), logger)
	jobs, err := a.newBackupJobs(s, logger)
	if err != nil {
		return err
	}
	gauges := func(ctx context.Context) map[string]float64 {
		g := s.Gauges(ctx)
		for k, v := range jobs.Gauges() {
			g[k] = v
		}
		return g
	}
	srv := &http.Server{
		Handler: api.New(api.Config{
			Store:         pokingStore{s, sched},
			Lookup:        keyLookup(s, logger),
			Account:       a.cfg.ARN.Account,
			Partition:     a.cfg.ARN.Partition,
			Record:        s.RecordEvent,
			Region:        a.cfg.ARN.Region,
			Logger:        logger,
			Gauges:        gauges,
			PublicMetrics: publicMetrics,
		}),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
		ln = tls.NewListener(ln, tlsConfig)
	}
	logger.Info("serving the Secrets Manager API", "endpoint", scheme+"://"+ln.Addr().String(), "region", a.cfg.ARN.Region, "data_dir", a.cfg.DataDir)

	go a.purgeLoop(ctx, s, logger)
	schedDone := make(chan struct{})
	go func() { sched.run(ctx); close(schedDone) }()
	jobsDone := make(chan struct{})
	go func() { jobs.run(ctx); close(jobsDone) }()
	if len(jobs.jobs) > 0 {
		logger.Info("backup schedules", "jobs", len(jobs.jobs))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: waiting for requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	// A rotation cut short here is resumed by the next start; a backup
	// in progress finishes.
	<-schedDone
	<-jobsDone
	logger.Info("stopped")
	return nil
}

// bootstrapAdmin creates the admin principal on a store without
// principals and writes its access key, once, to a 0600 file.
func (a *app) bootstrapAdmin(ctx context.Context, s *sqlitestore.Store, logger *slog.Logger) error {
	n, err := s.CountPrincipals(ctx)
	if err != nil {
		return fmt.Errorf("count principals: %w", err)
	}
	if n > 0 {
		return nil
	}
	path := filepath.Join(a.cfg.DataDir, credentialsFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the admin's credentials: %w (remove it if it is left from an earlier store)", err)
	}
	defer f.Close()
	if _, err := s.CreatePrincipal(ctx, "admin", true); err != nil {
		os.Remove(path)
		return err
	}
	keyID, secretKey, err := s.CreateAccessKey(ctx, "admin")
	if err != nil {
		os.Remove(path)
		return err
	}
	_, err = fmt.Fprintf(f, "# dbwarden admin credentials, written once by the server's first start.\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n", keyID, secretKey, a.cfg.ARN.Region)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("write the admin's credentials: %w", err)
	}
	logger.Info("created the admin principal; its access key is in the credentials file", "file", path, "access_key_id", keyID)
	return nil
}

// purgeLoop removes secrets whose recovery window has passed, at start and
// then hourly.
func (a *app) purgeLoop(ctx context.Context, s *sqlitestore.Store, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		purged, err := s.Purge(ctx, timeNow())
		if err != nil && ctx.Err() == nil {
			logger.Error("purge deleted secrets", "error", err)
		}
		if len(purged) > 0 {
			logger.Info("purged deleted secrets", "count", len(purged))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keyLookup finds an access key's principal, with its identity policies.
// A stored policy that no longer parses is left out (it allows nothing) and
// logged.
func keyLookup(s *sqlitestore.Store, logger *slog.Logger) api.KeyLookup {
	return func(ctx context.Context, keyID string) (api.Identity, []byte, error) {
		p, key, err := s.LookupAccessKey(ctx, keyID)
		if errors.Is(err, sqlitestore.ErrNoSuchKey) {
			return api.Identity{}, nil, fmt.Errorf("%w: %s", api.ErrNoSuchKey, keyID)
		}
		if err != nil {
			return api.Identity{}, nil, err
		}
		id := api.Identity{ARN: p.ARN, Admin: p.Admin, Tags: p.Tags}
		docs, err := s.PrincipalPolicies(ctx, p.Name)
		if err != nil {
			clear(key)
			return api.Identity{}, nil, err
		}
		for name, doc := range docs {
			pol, err := authz.Parse([]byte(doc))
			if err != nil {
				logger.Error("a stored policy does not parse; it is ignored", "principal", p.Name, "policy", name, "error", err)
				continue
			}
			id.Policies = append(id.Policies, pol)
		}
		return id, key, nil
	}
}
