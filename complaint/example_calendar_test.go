package complaint_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/kehu-crm/kehu/complaint"
)

// A service desk in Shanghai works 09:00–12:00 and 13:30–18:00 on weekdays, is closed for
// National Day 2024 and works the make-up Saturday October 12. A complaint received on
// Friday October 11 at 17:00 with an 8-hour target: 1 hour on Friday, 3 hours on Saturday
// morning, 4 hours from 13:30 → due Saturday 17:30; the 1-hour warning is at 16:30.
func ExampleCalendar_Add() {
	shifts := `[{"from": "09:00", "to": "12:00"}, {"from": "13:30", "to": "18:00"}]`
	cal, err := complaint.LoadCalendar(strings.NewReader(`{
		"time_zone": "Asia/Shanghai",
		"week": {"monday": ` + shifts + `, "tuesday": ` + shifts + `, "wednesday": ` + shifts + `,
		         "thursday": ` + shifts + `, "friday": ` + shifts + `},
		"holidays": ["2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-07"],
		"extra_days": [{"date": "2024-10-12", "hours": ` + shifts + `}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	received := time.Date(2024, 10, 11, 17, 0, 0, 0, cal.Location())
	due := cal.Add(received, 8*time.Hour)
	fmt.Println("due:    ", due.In(cal.Location()).Format("Mon 2006-01-02 15:04"))
	fmt.Println("warning:", cal.Sub(due, time.Hour).In(cal.Location()).Format("Mon 2006-01-02 15:04"))
	fmt.Println("in UTC: ", due)
	fmt.Println("spent:  ", cal.Between(received, due))
	// Output:
	// due:     Sat 2024-10-12 17:30
	// warning: Sat 2024-10-12 16:30
	// in UTC:  2024-10-12 09:30:00 +0000 UTC
	// spent:   8h0m0s
}

// One business day after Monday 10:00 is Tuesday 10:00, not 24 business hours later.
func ExampleCalendar_AddDays() {
	day := `[{"from": "08:00", "to": "18:00"}]`
	cal := complaint.MustLoadCalendar(`{"time_zone": "Europe/Berlin", "week": {"monday": ` + day +
		`, "tuesday": ` + day + `, "wednesday": ` + day + `, "thursday": ` + day + `, "friday": ` + day + `}}`)
	monday := time.Date(2024, 6, 3, 10, 0, 0, 0, cal.Location())
	fmt.Println(cal.AddDays(monday, 1).In(cal.Location()).Format("Mon 15:04"))
	fmt.Println(cal.AddDays(monday, 5).In(cal.Location()).Format("Mon 2006-01-02 15:04"))
	// Output:
	// Tue 10:00
	// Mon 2024-06-10 10:00
}
