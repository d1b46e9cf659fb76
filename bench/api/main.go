// Command api-bench loads dbwarden server and moto_server with SigV4-signed
// Secrets Manager requests, in one run, and prints throughput and latency
// percentiles for each. Run it through bench/api/run.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type target struct {
	name, endpoint, keyID, secretKey string
}

func main() {
	dbw := flag.String("dbwarden", "", "dbwarden server endpoint")
	dbwKey := flag.String("dbwarden-key", "", "access key id:secret for dbwarden")
	moto := flag.String("moto", "", "moto_server endpoint")
	dur := flag.Duration("duration", 10*time.Second, "how long each closed-loop run lasts")
	workers := flag.Int("workers", 32, "concurrent connections in the closed loop")
	rate := flag.Int("rate", 2000, "requests per second in the fixed-rate run")
	modeList := flag.String("modes", "get,mix,rate", "which runs to make: get (closed loop), mix (90/10 closed loop), rate (fixed rate)")
	flag.Parse()
	modes := strings.Split(*modeList, ",")
	id, sec, _ := strings.Cut(*dbwKey, ":")
	targets := []target{{"dbwarden", *dbw, id, sec}}
	if *moto != "" { // without moto, a run measures dbwarden alone
		targets = append(targets, target{"moto_server", *moto, "testing", "testing"})
	}

	type result struct {
		tput, p50, p99, p999 float64
		failed               int64
	}
	results := map[string]map[string]result{}
	for _, tg := range targets {
		c := newClient(tg, *workers)
		must(c.call("CreateSecret", `{"Name":"bench/db","SecretString":"bench-password-0123456789"}`))
		results[tg.name] = map[string]result{}
		for _, mode := range modes {
			var lat []time.Duration
			var n int64
			var elapsed time.Duration
			failures.Store(0)
			switch mode {
			case "get":
				lat, n, elapsed = closedLoop(c, *workers, *dur, 0)
			case "mix":
				lat, n, elapsed = closedLoop(c, *workers, *dur, 10)
			case "rate":
				lat, n, elapsed = fixedRate(c, *rate, *dur)
			default:
				must(fmt.Errorf("unknown mode %q in -modes (want get, mix or rate)", mode))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				if len(lat) == 0 {
					return 0
				}
				return float64(lat[int(float64(len(lat)-1)*p)]) / float64(time.Millisecond)
			}
			results[tg.name][mode] = result{float64(n) / elapsed.Seconds(), pct(0.50), pct(0.99), pct(0.999), failures.Load()}
		}
	}
	fmt.Printf("%d workers closed loop, %s per run; fixed rate %d/s\n\n", *workers, *dur, *rate)
	fmt.Println("| load | server | requests/s | p50 ms | p99 ms | p99.9 ms | failed |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|")
	names := map[string]string{"get": "GetSecretValue, closed loop", "mix": "90% Get / 10% PutSecretValue, closed loop", "rate": fmt.Sprintf("GetSecretValue at %d/s", *rate)}
	for _, mode := range modes {
		for _, tg := range targets {
			r := results[tg.name][mode]
			fmt.Printf("| %s | %s | %.0f | %.2f | %.2f | %.2f | %d |\n", names[mode], tg.name, r.tput, r.p50, r.p99, r.p999, r.failed)
		}
	}
	for _, mode := range modes {
		if mode == "rate" || len(targets) < 2 {
			continue
		}
		fmt.Printf("\n%s: dbwarden / moto throughput = %.1f", names[mode], results["dbwarden"][mode].tput/results["moto_server"][mode].tput)
	}
	fmt.Println()
}

type client struct {
	tg     target
	http   *http.Client
	signer *v4.Signer
	creds  aws.Credentials
}

func newClient(tg target, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{tg: tg, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, signer: v4.NewSigner(),
		creds: aws.Credentials{AccessKeyID: tg.keyID, SecretAccessKey: tg.secretKey}}
}

func (c *client) call(op, body string) error {
	req, err := http.NewRequest("POST", c.tg.endpoint+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	sum := sha256.Sum256([]byte(body))
	if err := c.signer.SignHTTP(context.Background(), c.creds, req, hex.EncodeToString(sum[:]), "secretsmanager", "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", op, c.tg.name, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s on %s: HTTP %d: %.200s", op, c.tg.name, resp.StatusCode, b)
	}
	return nil
}

var seq atomic.Int64

// failures counts requests that got no answer or an error; they are
// left out of the latencies and reported.
var failures atomic.Int64

func request(putPercent int) (string, string) {
	n := seq.Add(1)
	if putPercent > 0 && n%100 < int64(putPercent) {
		return "PutSecretValue", fmt.Sprintf(`{"SecretId":"bench/db","SecretString":"bench-password-%d"}`, n)
	}
	return "GetSecretValue", `{"SecretId":"bench/db"}`
}

// closedLoop runs workers that each send a request as soon as the last
// one answered.
func closedLoop(c *client, workers int, d time.Duration, putPercent int) ([]time.Duration, int64, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for time.Now().Before(deadline) {
				op, body := request(putPercent)
				t := time.Now()
				if err := c.call(op, body); err != nil {
					failures.Add(1)
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, int64(len(all)), time.Since(start)
}

// fixedRate sends requests on a fixed schedule, each on its own goroutine,
// and measures latency from the scheduled time (no coordinated omission).
func fixedRate(c *client, rate int, d time.Duration) ([]time.Duration, int64, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	total := int(d / interval)
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, body := request(0)
			if err := c.call(op, body); err != nil {
				failures.Add(1)
				return
			}
			l := time.Since(due)
			mu.Lock()
			all = append(all, l)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, int64(len(all)), time.Since(start)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-bench:", err)
		os.Exit(1)
	}
}
