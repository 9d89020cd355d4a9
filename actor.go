package kehu

import "context"

type actorKey struct{}

// WithActor returns a context that names who is acting (a user ID, "api:partner-7",
// "job:nightly"). The Service records it in the audit history of every change it makes.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor named by WithActor, or "system".
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}
