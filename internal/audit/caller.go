package audit

import "context"

// Caller identifies who is making a request. The edge (CLI, API server) puts
// it into the request's context with WithCaller; Append reads it from there
// to fill the records the request causes.
type Caller struct {
	Principal string // e.g. "cli:root" or an ARN
	RequestID string
	SourceIP  string // network address of the client, "" for local callers
}

type callerKey struct{}

// WithCaller returns a copy of ctx that carries c, replacing any Caller ctx
// already carried.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller carried by ctx, or the zero Caller if there is
// none.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
