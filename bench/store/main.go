// Command store-bench times GetSecretValue on dbwarden's embedded store and
// on moto_server's Secrets Manager, the peer DESIGN.md names, in one run, and
// prints the ratio. Run it through bench/store/run, which starts moto_server.
//
// The comparison is not like for like yet: dbwarden is measured in process
// (store, encryption and a durable audit record per read), moto over HTTP
// through the AWS SDK (no encryption at rest, no audit). dbwarden's own
// Secrets Manager API server, measured over HTTP, will replace this
// comparison when it exists.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbwarden/dbwarden/internal/keys/filekeys"
	"github.com/dbwarden/dbwarden/internal/store"
	"github.com/dbwarden/dbwarden/internal/store/sqlitestore"
)

func main() {
	n := flag.Int("n", 5000, "reads per measurement")
	par := flag.Int("parallel", 16, "concurrent readers in the parallel measurement")
	moto := flag.String("moto", "", "moto_server endpoint, e.g. http://127.0.0.1:5000")
	flag.Parse()
	if *moto == "" {
		fmt.Fprintln(os.Stderr, "store-bench: -moto is required (bench/store/run starts moto_server)")
		os.Exit(2)
	}
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "dbwarden-bench-")
	check(err)
	defer os.RemoveAll(dir)
	kp, err := filekeys.Open(filepath.Join(dir, "keys"))
	check(err)
	s, err := sqlitestore.Open(ctx, sqlitestore.Options{Path: filepath.Join(dir, "dbwarden.db"), Keys: kp})
	check(err)
	defer s.Close()
	value := "bench-password-0123456789-abcdefghijklmnopqrstuvwxyz"
	_, err = s.CreateSecret(ctx, &store.CreateSecretInput{Name: "bench/db", SecretString: &value})
	check(err)
	dbw := func() error {
		_, err := s.GetSecretValue(ctx, &store.GetSecretValueInput{SecretId: "bench/db"})
		return err
	}

	client := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(*moto),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bench/db"), SecretString: &value})
	check(err)
	peer := func() error {
		_, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bench/db")})
		return err
	}

	fmt.Printf("GetSecretValue, %d reads each; ratio = moto time / dbwarden time (higher is better for dbwarden)\n\n", *n)
	fmt.Println("| measurement | dbwarden embedded | moto_server via AWS SDK | ratio |")
	fmt.Println("|---|---:|---:|---:|")
	d1, p1 := sequential(*n, dbw)
	d2, p2 := sequential(*n, peer)
	fmt.Printf("| one caller: mean latency | %s | %s | %.1f |\n", us(d1), us(d2), float64(d2)/float64(d1))
	fmt.Printf("| one caller: p99 latency | %s | %s | %.1f |\n", us(p1), us(p2), float64(p2)/float64(p1))
	t1 := parallel(*n, *par, dbw)
	t2 := parallel(*n, *par, peer)
	fmt.Printf("| %d callers: reads per second | %.0f | %.0f | %.1f |\n", *par, t1, t2, t1/t2)
}

// sequential returns the mean and the 99th percentile of n calls.
func sequential(n int, fn func() error) (mean, p99 time.Duration) {
	lat := make([]time.Duration, n)
	start := time.Now()
	for i := range n {
		t := time.Now()
		check(fn())
		lat[i] = time.Since(t)
	}
	total := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return total / time.Duration(n), lat[n*99/100]
}

// parallel returns calls per second with workers calling fn n times in all.
func parallel(n, workers int, fn func() error) float64 {
	var wg sync.WaitGroup
	per := n / workers
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				check(fn())
			}
		}()
	}
	wg.Wait()
	return float64(per*workers) / time.Since(start).Seconds()
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "store-bench:", err)
		os.Exit(1)
	}
}
