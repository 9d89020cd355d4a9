package complaint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/complaint"
)

// desk is a service on the Paris office calendar whose clock starts on Monday 2024-06-03
// at 09:00, with one policy: for P2, a first response within 1 h (warning at half of
// it), a next reply within 2 h, an update every 4 h (pausing while the desk waits on the
// customer) and a resolution within 2 business days.
func desk(t *testing.T) (*complaint.Service, *kehu.Clock, *complaint.Calendar) {
	t.Helper()
	paris := office("Europe/Paris", "")
	pol := policyOf(t, "standard", paris, complaint.LevelSpec{Priority: complaint.P2,
		FirstResponse: &complaint.TargetSpec{Hours: 1, WarnPercent: 50}, NextReply: hours(2), PeriodicUpdate: hours(4),
		Resolution: &complaint.TargetSpec{BusinessDays: 2}})
	opts, clock, _ := kehu.Deterministic(at(t, paris, "2024-06-03 09:00"))
	return complaint.NewService(nil, opts).WithPolicies(policies(t, pol)), clock, paris
}

func TestSLAClocksOfACase(t *testing.T) {
	t.Parallel()
	svc, clock, paris := desk(t)
	ctx := t.Context()
	to := func(s string) { clock.Set(at(t, paris, s)) }
	c, err := svc.Open(ctx, roomService("open"))
	require.NoError(t, err)
	require.Equal(t, "standard", c.Policy, "the default policy")
	id := c.ID
	sla := func(s string) complaint.SLA {
		t.Helper()
		v, err := svc.SLA(ctx, id, at(t, paris, s))
		require.NoError(t, err)
		return v
	}
	step := func(c *complaint.Case, err error) {
		t.Helper()
		require.NoError(t, err)
	}

	to("2024-06-03 09:05")
	step(svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Automatic, Channel: complaint.Email, Text: "We received your complaint.", Key: "auto"}))
	to("2024-06-03 09:15")
	step(svc.Move(ctx, id, complaint.Move{To: complaint.Acknowledged, Key: "ack"}))
	to("2024-06-03 09:20")
	step(svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Internal, Text: "Call the kitchen first.", Key: "note"}))
	to("2024-06-03 09:25")
	step(svc.Move(ctx, id, complaint.Move{To: complaint.Assessed, Key: "assess"}))
	step(svc.Move(ctx, id, complaint.Move{To: complaint.Investigating, Key: "investigate"}))

	s := sla("2024-06-03 09:35")
	fr := clockOf(t, s, complaint.FirstResponse)
	assert.Equal(t, complaint.ClockRunning, fr.State, "an automatic message, an internal note and the moves answer nothing")
	assert.True(t, at(t, paris, "2024-06-03 10:00").Equal(fr.Due))
	assert.True(t, fr.Warned, "warned at 09:30")
	_, ok := s.Clock(complaint.PeriodicUpdate)
	assert.False(t, ok, "no update clock before the first response")

	to("2024-06-03 09:40")
	step(svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Phone, Text: "Which evening was it?",
		Then: complaint.WaitingOnCustomer, Key: "ask"}))
	s = sla("2024-06-03 10:30")
	fr = clockOf(t, s, complaint.FirstResponse)
	assert.Equal(t, complaint.ClockStopped, fr.State, "a reply that asks the customer a question is a reply")
	assert.Equal(t, 40*time.Minute, fr.Elapsed)
	assert.False(t, fr.Breached)
	assert.Equal(t, complaint.ClockPaused, clockOf(t, s, complaint.PeriodicUpdate).State)
	assert.Equal(t, complaint.ClockPaused, clockOf(t, s, complaint.Resolution).State)

	to("2024-06-03 11:00")
	c, err = svc.Message(ctx, id, complaint.Message{Channel: complaint.Email, Text: "Friday evening.", Key: "m1"})
	require.NoError(t, err)
	assert.Equal(t, complaint.Investigating, c.Status, "the customer's message ends the wait")
	to("2024-06-03 11:30")
	step(svc.Message(ctx, id, complaint.Message{Channel: complaint.Email, Text: "Hello?", Key: "m2"}))
	s = sla("2024-06-03 12:00")
	nr := clockOf(t, s, complaint.NextReply)
	assert.Equal(t, complaint.ClockRunning, nr.State)
	assert.True(t, at(t, paris, "2024-06-03 11:00").Equal(nr.Started), "from the oldest unanswered message")
	assert.True(t, at(t, paris, "2024-06-03 13:00").Equal(nr.Due))

	to("2024-06-03 13:30")
	step(svc.Reply(ctx, id, complaint.Reply{Kind: complaint.Public, Channel: complaint.Email, Text: "We are checking.", Key: "r2"}))
	s = sla("2024-06-03 13:30")
	nr = clockOf(t, s, complaint.NextReply)
	assert.Equal(t, complaint.ClockStopped, nr.State)
	assert.True(t, nr.Breached)
	assert.Equal(t, []complaint.Breach{{Kind: complaint.NextReply, Cycle: 1, At: at(t, paris, "2024-06-03 13:00").UTC()}}, s.Breaches)
	pu := clockOf(t, s, complaint.PeriodicUpdate)
	assert.Equal(t, 2, pu.Cycle, "each public reply restarts the update clock")
	assert.True(t, at(t, paris, "2024-06-03 17:30").Equal(pu.Due))
	res := clockOf(t, s, complaint.Resolution)
	assert.Equal(t, 20*time.Hour, res.Target, "two business days from Monday 09:00: Wednesday 09:00")
	assert.Equal(t, 80*time.Minute, res.Paused)

	to("2024-06-03 15:00")
	step(svc.Move(ctx, id, complaint.Move{To: complaint.Resolved, Note: "Refund and apology.", Key: "resolve"}))
	to("2024-06-03 16:00")
	step(svc.Answer(ctx, id, complaint.Answer{Accepted: false, Recourse: "manager review", Key: "reject"}))
	s = sla("2024-06-03 17:00")
	res = clockOf(t, s, complaint.Resolution)
	assert.Equal(t, complaint.ClockRunning, res.State, "the rejection reopens the case and resumes the clock")
	assert.Equal(t, 6*time.Hour-80*time.Minute+time.Hour, res.Elapsed)
	assert.Equal(t, 80*time.Minute+time.Hour, res.Paused, "the hour resolved counts as paused")
	assert.Equal(t, 1, s.Timings.Reopens)
	require.NotNil(t, s.Timings.FirstResolution)
	assert.Equal(t, complaint.Span{Business: 6 * time.Hour, Calendar: 6 * time.Hour}, *s.Timings.FirstResolution)
	assert.Nil(t, s.Timings.FinalResolution, "not resolved now")
	assert.Equal(t, complaint.Span{Business: 40 * time.Minute, Calendar: 40 * time.Minute}, *s.Timings.FirstResponse)
	assert.Equal(t, []complaint.Span{{Business: 150 * time.Minute, Calendar: 150 * time.Minute}}, s.Timings.NextReplies)

	// the state at an earlier instant ignores the steps recorded after it
	s = sla("2024-06-03 09:35")
	assert.Equal(t, complaint.ClockRunning, clockOf(t, s, complaint.FirstResponse).State)
	assert.Empty(t, s.Breaches)
}

func TestSLAMergeStopsTheClocks(t *testing.T) {
	t.Parallel()
	svc, clock, paris := desk(t)
	ctx := t.Context()
	first, err := svc.Open(ctx, roomService("first"))
	require.NoError(t, err)
	second, err := svc.Open(ctx, roomService("second"))
	require.NoError(t, err)
	clock.Set(at(t, paris, "2024-06-03 09:30"))
	_, err = svc.Merge(ctx, second.ID, first.ID, "the same complaint by email", "merge")
	require.NoError(t, err)

	s, err := svc.SLA(ctx, second.ID, at(t, paris, "2024-06-05 18:00"))
	require.NoError(t, err)
	assert.Empty(t, s.Breaches, "no breach after the merge")
	for _, c := range s.Clocks {
		assert.Equal(t, complaint.ClockCancelled, c.State, "%s", c.Kind)
		assert.True(t, at(t, paris, "2024-06-03 09:30").Equal(c.Stopped))
	}
	s, err = svc.SLA(ctx, first.ID, at(t, paris, "2024-06-03 10:30"))
	require.NoError(t, err)
	assert.Equal(t, []complaint.Breach{{Kind: complaint.FirstResponse, Cycle: 1, At: at(t, paris, "2024-06-03 10:00").UTC()}}, s.Breaches,
		"the surviving case carries on")

	// a later message to the merged case goes to the surviving one
	clock.Set(at(t, paris, "2024-06-03 11:00"))
	c, err := svc.Message(ctx, second.ID, complaint.Message{Channel: complaint.Email, Text: "Any news?", Key: "late"})
	require.NoError(t, err)
	assert.Equal(t, first.ID, c.ID)
	assert.Equal(t, complaint.CustomerWrote, c.Steps[len(c.Steps)-1].Action)
	again, err := svc.Message(ctx, second.ID, complaint.Message{Channel: complaint.Email, Text: "Any news?", Key: "late"})
	require.NoError(t, err)
	assert.Len(t, again.Steps, len(c.Steps), "a retried message is recorded once")
	_, err = svc.Reply(ctx, second.ID, complaint.Reply{Kind: complaint.Public, Channel: complaint.Email, Text: "x", Key: "r"})
	assertInvalid(t, err, "case", "open")
}

func TestSLAOfClosedCase(t *testing.T) {
	t.Parallel()
	svc, clock, paris := desk(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("open"))
	require.NoError(t, err)
	for i, to := range []complaint.Status{complaint.Acknowledged, complaint.Assessed, complaint.Investigating, complaint.Resolved} {
		clock.Advance(10 * time.Minute)
		_, err = svc.Move(ctx, c.ID, complaint.Move{To: to, Key: string(rune('a' + i))})
		require.NoError(t, err)
	}
	clock.Advance(time.Hour)
	_, err = svc.Answer(ctx, c.ID, complaint.Answer{Accepted: true, Key: "yes"})
	require.NoError(t, err)
	s, err := svc.SLA(ctx, c.ID, at(t, paris, "2024-06-10 12:00"))
	require.NoError(t, err)
	assert.Empty(t, s.Breaches)
	fr := clockOf(t, s, complaint.FirstResponse)
	assert.Equal(t, complaint.ClockStopped, fr.State, "communicating the resolution is a response")
	assert.Equal(t, 40*time.Minute, fr.Elapsed)
	res := clockOf(t, s, complaint.Resolution)
	assert.Equal(t, complaint.ClockStopped, res.State)
	assert.Zero(t, res.Due)
	require.NotNil(t, s.Timings.FinalResolution)
	assert.Equal(t, 40*time.Minute, s.Timings.FinalResolution.Business)
}

func TestServiceSLACommandsValidate(t *testing.T) {
	t.Parallel()
	svc, _, _ := desk(t)
	ctx := t.Context()
	c, err := svc.Open(ctx, roomService("open"))
	require.NoError(t, err)
	_, err = svc.Reply(ctx, c.ID, complaint.Reply{Kind: "shout", Then: complaint.Merged})
	assertInvalid(t, err, "kind", "enum")
	assertInvalid(t, err, "text", "required")
	assertInvalid(t, err, "then", "merge")
	assertInvalid(t, err, "key", "required")
	_, err = svc.Reply(ctx, c.ID, complaint.Reply{Kind: complaint.Public, Text: "hi", Key: "k"})
	assertInvalid(t, err, "channel", "required")
	_, err = svc.Reply(ctx, c.ID, complaint.Reply{Kind: complaint.Public, Channel: complaint.Email, Text: "hi", Then: complaint.Closed, Key: "k"})
	assertInvalid(t, err, "then", "transition")
	_, err = svc.Message(ctx, c.ID, complaint.Message{Channel: "pigeon", Key: "m"})
	assertInvalid(t, err, "channel", "enum")
	assertInvalid(t, err, "text", "required")
	_, err = svc.ChangePolicy(ctx, c.ID, complaint.ChangePolicy{Policy: "gold", Key: "p"})
	assertInvalid(t, err, "policy", "unknown")
	_, err = svc.Reassess(ctx, c.ID, complaint.Reassess{Triage: complaint.Triage{Severity: "huge"}, Key: "r"})
	assertInvalid(t, err, "triage.severity", "enum")
	o := roomService("other")
	o.Policy = "gold"
	_, err = svc.Open(ctx, o)
	assertInvalid(t, err, "policy", "unknown")
	got, err := svc.Case(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, got.Steps, 1, "nothing was written")

	// a reassessment changes the targets in force
	_, err = svc.Reassess(ctx, c.ID, complaint.Reassess{Triage: complaint.Triage{Severity: complaint.Minor, Urgency: complaint.Low,
		Value: complaint.Standard}, Key: "minor"})
	require.NoError(t, err)
	s, err := svc.SLA(ctx, c.ID, c.OpenedAt.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, complaint.P4, s.Priority)
	assert.Empty(t, s.Clocks, "the policy has no targets for P4")

	_, err = complaint.NewService(nil, nil).SLA(ctx, c.ID, time.Now())
	assertInvalid(t, err, "policies", "required")
}

// assertInvalid asserts that err is a *kehu.ValidationError naming the field and rule.
func assertInvalid(t *testing.T, err error, field, rule string) {
	t.Helper()
	var verr *kehu.ValidationError
	if assert.ErrorAs(t, err, &verr) {
		assert.True(t, verr.Has(field, rule), "want %s (%s) in %v", field, rule, err)
	}
}

func TestPlanCrisis(t *testing.T) {
	t.Parallel()
	svc, _, _ := desk(t)
	ctx := t.Context()
	o := roomService("press")
	o.Triage.MediaExposure = true
	c, err := svc.Open(ctx, o)
	require.NoError(t, err)
	require.True(t, c.Assessment.Crisis)

	_, err = svc.PlanCrisis(ctx, c.ID, complaint.Crisis{KeyMessages: []string{"1", "2", "3", "4", "5", " "}, Key: "k"})
	assertInvalid(t, err, "spokesperson", "required")
	assertInvalid(t, err, "key_messages", "max_items")
	assertInvalid(t, err, "key_messages[5]", "required")

	plan := complaint.Crisis{Spokesperson: "公关部王经理", KeyMessages: []string{"我们已联系这位客人并致歉", "送餐取消的原因已查明"}, Key: "plan-1"}
	got, err := svc.PlanCrisis(ctx, c.ID, plan)
	require.NoError(t, err)
	require.NotNil(t, got.Crisis)
	assert.Equal(t, "公关部王经理", got.Crisis.Spokesperson)
	assert.Equal(t, plan.KeyMessages, got.Crisis.KeyMessages)
	plan.KeyMessages[0] = "changed after the call"
	again, err := svc.PlanCrisis(ctx, c.ID, complaint.Crisis{Spokesperson: "公关部王经理", KeyMessages: []string{"我们已联系这位客人并致歉", "送餐取消的原因已查明"}, Key: "plan-1"})
	require.NoError(t, err)
	assert.Len(t, again.Steps, 2, "a retried plan is recorded once")
	assert.Equal(t, "我们已联系这位客人并致歉", again.Crisis.KeyMessages[0], "the case keeps its own copy")

	ordinary, err := svc.Open(ctx, roomService("quiet"))
	require.NoError(t, err)
	_, err = svc.PlanCrisis(ctx, ordinary.ID, complaint.Crisis{Spokesperson: "x", KeyMessages: []string{"y"}, Key: "k"})
	assertInvalid(t, err, "case", "crisis")
}

func TestFindResponsible(t *testing.T) {
	t.Parallel()
	svc, _, _ := desk(t)
	ctx := kehu.WithActor(t.Context(), "quality:li")
	c, err := svc.Open(ctx, roomService("open"))
	require.NoError(t, err)
	_, err = svc.FindResponsible(ctx, c.ID, complaint.Responsibility{Key: "r"})
	assertInvalid(t, err, "party", "required")
	c, err = svc.FindResponsible(ctx, c.ID, complaint.Responsibility{Party: "kitchen", Note: "the order was dropped at the pass", Key: "r"})
	require.NoError(t, err)
	assert.Equal(t, "kitchen", c.ResponsibleParty)
	last := c.Steps[len(c.Steps)-1]
	assert.Equal(t, complaint.ResponsibilityFound, last.Action)
	assert.Equal(t, "quality:li", last.Actor)
	again, err := svc.FindResponsible(ctx, c.ID, complaint.Responsibility{Party: "kitchen", Note: "the order was dropped at the pass", Key: "r"})
	require.NoError(t, err)
	assert.Len(t, again.Steps, len(c.Steps), "a retry is recorded once")
}
