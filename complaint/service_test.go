package complaint_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

func newService(t *testing.T) (*complaint.Service, *kehu.Recorder, *kehu.Clock) {
	t.Helper()
	opts, clock, _ := kehu.Deterministic(time.Date(2026, 12, 4, 20, 30, 0, 0, time.UTC))
	events := &kehu.Recorder{}
	opts.Events = events
	return complaint.NewService(nil, opts), events, clock
}

// roomService is the complaint of a guest whose room-service order was cancelled without a
// word.
func roomService(key string) complaint.Open {
	return complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{1}), Channel: complaint.Phone,
		Words: "我点的客房送餐被取消了，没有人告诉我。", Remedy: "an apology", Category: complaint.CategoryServiceHandling,
		Triage: complaint.Triage{Severity: complaint.Moderate, Urgency: complaint.Immediate, Value: complaint.Valued},
		Order:  "RS-1042", Key: key}
}

func TestOpen(t *testing.T) {
	svc, events, _ := newService(t)
	ctx := kehu.WithActor(t.Context(), "frontline:maria")
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	assert.Equal(t, complaint.Received, c.Status)
	assert.Equal(t, complaint.Assessment{Priority: complaint.P2, Score: 16}, c.Assessment, "2 × 4 × 2")
	require.Len(t, c.Steps, 1)
	assert.Equal(t, complaint.Step{Action: complaint.Opened, At: c.OpenedAt, Actor: "frontline:maria", To: complaint.Received,
		Channel: complaint.Phone, Priority: complaint.P2, Key: "call-1", Digest: c.Steps[0].Digest}, c.Steps[0])
	stored, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored)
	assert.Equal(t, []string{complaint.EventCaseOpened}, events.Names())

	again, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	assert.Equal(t, c.ID, again.ID, "a repeat with the key returns the case it opened")
	other := roomService("call-1")
	other.Words = "something else"
	_, err = svc.Open(ctx, other)
	assert.ErrorIs(t, err, kehu.ErrKeyReused)

	bad := complaint.Open{Channel: "pigeon", Triage: complaint.Triage{Severity: "bad"}, Key: "kehu:x"}
	_, err = svc.Open(ctx, bad)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	for _, f := range []string{"customer", "channel", "words", "category", "triage.severity", "triage.urgency", "triage.value", "key"} {
		assert.True(t, verr.Has(f, ""), "a problem on %s in %v", f, err)
	}
}

// A proactive case is opened before the customer complains: no words of theirs yet, and
// the clocks run from the moment the host found the failure.
func TestOpenProactive(t *testing.T) {
	svc, _, clock := newService(t)
	ctx := kehu.WithActor(t.Context(), "baggage:ams")
	open := complaint.Open{Customer: kehu.CustomerIDFrom([16]byte{2}), Channel: complaint.Phone, Proactive: true,
		Category: "baggage.delayed", Order: "PNR-7", Note: "bag not loaded on KL0895",
		Triage: complaint.Triage{Severity: complaint.Major, Urgency: complaint.High, Value: complaint.Key}, Key: "bag:PNR-7"}
	c, err := svc.Open(ctx, open)
	require.NoError(t, err)
	assert.True(t, c.Proactive)
	assert.Empty(t, c.Words)
	assert.Equal(t, complaint.Received, c.Status)
	assert.Equal(t, clock.Now(), c.OpenedAt)
	stored, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored, "the store keeps the flag")

	again, err := svc.Open(ctx, open)
	require.NoError(t, err)
	assert.Equal(t, c.ID, again.ID)
	reactive := open
	reactive.Proactive, reactive.Words = false, "My suitcase did not come off the belt."
	_, err = svc.Open(ctx, reactive)
	assert.ErrorIs(t, err, kehu.ErrKeyReused, "the flag is part of the command")

	reactive.Words, reactive.Key = "", "bag:PNR-7:desk"
	_, err = svc.Open(ctx, reactive)
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("words", "required"), "a complaint the customer made needs their words")
}

// Racing attempts of one Open store one case, and all of them get it.
func TestOpenRetryRacingTheFirstAttempt(t *testing.T) {
	svc, _, _ := newService(t)
	const n = 12
	ids := make([]complaint.CaseID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := svc.Open(t.Context(), roomService("same"))
			if assert.NoError(t, err) {
				ids[i] = c.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		assert.Equal(t, ids[0], ids[i])
	}
	page, err := svc.Store().ListCases(t.Context(), complaint.CaseQuery{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

func TestMove(t *testing.T) {
	svc, events, clock := newService(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	move := func(to complaint.Status, key string) (*complaint.Case, error) {
		clock.Advance(time.Minute)
		return svc.Move(ctx, c.ID, complaint.Move{To: to, Key: key, Note: fmt.Sprint("to ", to)})
	}
	_, err = move(complaint.Resolved, "too-soon")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr, "received cannot jump to resolved")
	assert.True(t, verr.Has("to", "transition"))

	for i, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Investigating, complaint.Resolved, complaint.Closed} {
		got, err := move(to, fmt.Sprint("step-", i))
		require.NoError(t, err, "to %s", to)
		assert.Equal(t, to, got.Status)
	}
	got, err := move(complaint.Investigating, "reopen")
	require.NoError(t, err)
	assert.Equal(t, 1, got.Reopens, "a closed case reopened")
	require.Len(t, got.Steps, 7, "opened and six moves: the trail shows acknowledgement, assessment, decision and closure")
	for i, st := range got.Steps[1:] {
		assert.Equal(t, complaint.Moved, st.Action)
		assert.Equal(t, got.Steps[i].To, st.From, "each move starts where the last ended")
		assert.True(t, st.At.After(got.Steps[i].At), "steps are dated in order")
	}

	// A repeated move with its key writes nothing; its key with another payload is refused.
	again, err := svc.Move(ctx, c.ID, complaint.Move{To: complaint.Investigating, Key: "reopen", Note: "to investigating"})
	require.NoError(t, err)
	assert.Len(t, again.Steps, 7)
	_, err = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Resolved, Key: "reopen"})
	assert.ErrorIs(t, err, kehu.ErrKeyReused)
	_, err = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Merged, Key: "merge"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "merging names the case it goes into")
	assert.Len(t, events.Names(), 7)
}

// Two agents resolve the same case at once, each with a key of their own: one move wins,
// the other is refused by the process, and the trail has one resolution.
func TestConcurrentMovesFromOneStatus(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	for i, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed} {
		_, err := svc.Move(ctx, c.ID, complaint.Move{To: to, Key: fmt.Sprint("s", i)})
		require.NoError(t, err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Investigating, Key: fmt.Sprint("agent-", i)})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, kehu.ErrInvalid, "the others are refused by the process")
		}
	}
	assert.Equal(t, 1, won)
	got, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, got.Steps, 4)
}

func TestEscalateReassignMerge(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	got, err := svc.Reassign(ctx, c.ID, complaint.Handover{To: "agent-2", Key: "r1"})
	require.NoError(t, err)
	assert.Equal(t, "agent-2", got.Assignee)
	got, err = svc.Escalate(ctx, c.ID, complaint.Handover{To: "duty-manager", Note: "the guest is a key account", Key: "e1"})
	require.NoError(t, err)
	assert.Equal(t, "duty-manager", got.Assignee)
	assert.Equal(t, 1, got.Escalations)
	assert.Equal(t, complaint.Received, got.Status, "handing over keeps the status")
	again, err := svc.Escalate(ctx, c.ID, complaint.Handover{To: "duty-manager", Note: "the guest is a key account", Key: "e1"})
	require.NoError(t, err)
	assert.Equal(t, 1, again.Escalations, "a repeated escalation counts once")
	last := got.Steps[len(got.Steps)-1]
	assert.Equal(t, complaint.Escalated, last.Action)
	assert.Equal(t, complaint.Received, last.From)
	assert.Equal(t, complaint.Received, last.To)

	// A second complaint about the same order is merged into the first.
	dup, err := svc.Open(ctx, roomService("call-2"))
	require.NoError(t, err)
	merged, err := svc.Merge(ctx, dup.ID, c.ID, "same order", "m1")
	require.NoError(t, err)
	assert.Equal(t, complaint.Merged, merged.Status)
	assert.Equal(t, c.ID, merged.MergedInto)
	_, err = svc.Move(ctx, dup.ID, complaint.Move{To: complaint.Acknowledged, Key: "late"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "a merged case takes no further step")
	_, err = svc.Escalate(ctx, dup.ID, complaint.Handover{To: "x", Key: "e2"})
	assert.ErrorIs(t, err, kehu.ErrInvalid)

	other := roomService("call-3")
	other.Customer = kehu.CustomerIDFrom([16]byte{2})
	stranger, err := svc.Open(ctx, other)
	require.NoError(t, err)
	_, err = svc.Merge(ctx, stranger.ID, c.ID, "", "m2")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "another customer's case")
	_, err = svc.Merge(ctx, c.ID, c.ID, "", "m3")
	assert.ErrorIs(t, err, kehu.ErrInvalid, "into itself")
	third, err := svc.Open(ctx, roomService("call-4"))
	require.NoError(t, err)
	_, err = svc.Merge(ctx, third.ID, dup.ID, "", "m4")
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("into", "open"), "into a merged case: %v", err)
}

// Closing records the customer's acceptance; a rejection keeps the case open with the
// recourse offered.
func TestAnswer(t *testing.T) {
	svc, _, clock := newService(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("call-1"))
	require.NoError(t, err)
	_, err = svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Key: "early"})
	assert.ErrorIs(t, err, kehu.ErrInvalid, "nothing resolved yet")
	for i, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Resolved} {
		_, err := svc.Move(ctx, c.ID, complaint.Move{To: to, Key: fmt.Sprint("s", i)})
		require.NoError(t, err)
	}
	_, err = svc.Answer(ctx, c.ID, complaint.Answer{Accepted: false, Key: "no-recourse"})
	var verr *kehu.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.True(t, verr.Has("recourse", "required"))

	clock.Advance(time.Hour)
	got, err := svc.Answer(ctx, c.ID, complaint.Answer{Accepted: false, Recourse: "a review by the hotel manager", Key: "a1"})
	require.NoError(t, err)
	assert.Equal(t, complaint.Investigating, got.Status, "a rejection keeps the case open")
	assert.Equal(t, &complaint.CustomerResponse{Accepted: false, At: clock.Now().UTC(), Recourse: "a review by the hotel manager"}, got.Response)

	_, err = svc.Move(ctx, c.ID, complaint.Move{To: complaint.Resolved, Key: "s9"})
	require.NoError(t, err)
	got, err = svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Note: "谢谢", Key: "a2"})
	require.NoError(t, err)
	assert.Equal(t, complaint.Closed, got.Status)
	assert.True(t, got.Response.Accepted)
	last := got.Steps[len(got.Steps)-1]
	assert.Equal(t, complaint.Answered, last.Action)
	assert.Equal(t, complaint.Resolved, last.From)
	assert.Equal(t, complaint.Closed, last.To)
}
