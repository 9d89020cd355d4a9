package complaint_test

import (
	"testing"

	"github.com/kehu-crm/kehu/complaint"
)

// BenchmarkSLAStatus: the four clocks of a case with 20 steps over a week on Mon–Fri
// 08:00–18:00 in Berlin (replies, customer messages, two waits on the customer, a
// reassessment), computed from its trail.
func BenchmarkSLAStatus(b *testing.B) {
	cal := office("Europe/Berlin", easter2024)
	set := policies(b, policyOf(b, "p", cal,
		complaint.LevelSpec{Priority: complaint.P2, FirstResponse: &complaint.TargetSpec{Hours: 1, WarnPercent: 75},
			NextReply: hours(4), PeriodicUpdate: &complaint.TargetSpec{BusinessDays: 1},
			Resolution: &complaint.TargetSpec{BusinessDays: 5, WarnBeforeMinutes: 240}},
		complaint.LevelSpec{Priority: complaint.P3, FirstResponse: hours(4), Resolution: hours(40)}))
	c := trail(b, cal, "p", complaint.P3, "2024-03-25 09:00",
		ev{at: "2024-03-25 09:30", action: complaint.Noted},
		reply("2024-03-25 10:00"), wrote("2024-03-25 11:00"), wrote("2024-03-25 12:00"), reply("2024-03-25 14:00"),
		ev{at: "2024-03-25 15:00", action: complaint.Reassessed, prio: complaint.P2},
		wait("2024-03-25 16:00"), wrote("2024-03-26 09:00"), reply("2024-03-26 10:00"),
		ev{at: "2024-03-26 11:00", action: complaint.Noted}, wrote("2024-03-26 15:00"), reply("2024-03-26 17:00"),
		wait("2024-03-27 09:00"), wrote("2024-03-28 10:00"), reply("2024-03-28 11:00"),
		ev{at: "2024-03-28 12:00", action: complaint.AutoReplied}, wrote("2024-03-28 13:00"), reply("2024-03-28 15:00"),
		moved("2024-03-28 16:00", complaint.Resolved))
	if len(c.Steps) != 20 {
		b.Fatalf("%d steps", len(c.Steps))
	}
	asOf := at(b, cal, "2024-04-02 12:00")
	s, err := set.Status(c, asOf)
	if err != nil || len(s.Clocks) != 4 {
		b.Fatalf("%v, %+v", err, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Status(c, asOf); err != nil {
			b.Fatal(err)
		}
	}
}
