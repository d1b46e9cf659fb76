package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/spf13/cobra"

	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/store/awsstore"
)

func (a *app) lambdaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Run as an AWS Lambda rotation function for Secrets Manager",
		Long: `Run as a Secrets Manager rotation function: the Lambda runtime hands each
event {SecretId, ClientRequestToken, Step} to dbwarden's rotation engine,
which runs that step against AWS Secrets Manager and the database, exactly
as 'dbwarden rotate' does against the embedded store.

Deploy the dbwarden binary as a Lambda function (runtime provided.al2023,
handler "bootstrap" running 'dbwarden lambda'), give its role
secretsmanager:DescribeSecret, GetSecretValue, PutSecretValue and
UpdateSecretVersionStage on the secrets it rotates (and GetSecretValue on
their masterarn secrets), put it where it reaches the database, and name it
as the secret's rotation function.

The strategy follows from the secret's value: alternating users when it
has a masterarn, else single user. DBWARDEN_ROTATOR forces one (` + rotatorNames + `).
SECRETS_MANAGER_ENDPOINT overrides the Secrets Manager endpoint and
EXCLUDE_CHARACTERS the characters left out of generated passwords
(default /@"'\ and space), as for AWS's own rotation functions.`,
		Example: `  # the function's bootstrap script
  exec ./dbwarden lambda`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
				return usagef("'dbwarden lambda' runs inside AWS Lambda (AWS_LAMBDA_RUNTIME_API is not set); use 'dbwarden rotate' to rotate from a shell")
			}
			e, err := lambdaEngine(cmd.Context(), os.Getenv)
			if err != nil {
				return err
			}
			lambda.StartWithOptions(e.HandleEvent, lambda.WithContext(cmd.Context()))
			return nil
		},
	}
}

// lambdaEngine is the rotation engine a Lambda function runs: on AWS
// Secrets Manager, which serializes a secret's rotations and keeps its
// rotation dates itself, so without locks or state.
func lambdaEngine(ctx context.Context, getenv func(string) string) (*rotation.Engine, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	var opts []func(*secretsmanager.Options)
	if ep := getenv("SECRETS_MANAGER_ENDPOINT"); ep != "" {
		opts = append(opts, func(o *secretsmanager.Options) { o.BaseEndpoint = &ep })
	}
	forced := getenv("DBWARDEN_ROTATOR")
	choose := chooseRotator
	if ex := getenv("EXCLUDE_CHARACTERS"); ex != "" {
		// As AWS's own rotation functions take it.
		spec := mysqlrotator.DefaultPasswordSpec()
		spec.ExcludeCharacters = ex
		choose = rotatorsWith(&spec)
	}
	return &rotation.Engine{
		Store: awsstore.New(cfg, opts...),
		Rotator: func(name, current string) (rotation.Rotator, error) {
			if forced != "" {
				name = forced
			}
			return choose(name, current)
		},
	}, nil
}
