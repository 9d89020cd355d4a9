package kehu_test

import (
	"fmt"
	"time"

	"github.com/kehu-crm/kehu"
)

func ExampleDate_AnniversaryIn() {
	birthday := kehu.MustDate(2000, time.February, 29)
	for _, year := range []int{2023, 2024, 2100} {
		fmt.Println(birthday.AnniversaryIn(year))
	}
	fmt.Println(birthday.NextAnniversary(kehu.MustDate(2024, time.March, 1)))
	// Output:
	// 2023-02-28
	// 2024-02-29
	// 2100-02-28
	// 2025-02-28
}

func ExampleDate_AgeOn() {
	born, err := kehu.ParseDate("2000-02-29")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, on := range []string{"2001-02-27", "2001-02-28", "2004-02-29"} {
		day, _ := kehu.ParseDate(on)
		age, _ := born.AgeOn(day)
		fmt.Println(on, age)
	}
	_, err = born.AgeOn(kehu.MustDate(1999, time.December, 31))
	fmt.Println(err)
	// Output:
	// 2001-02-27 0
	// 2001-02-28 1
	// 2004-02-29 4
	// invalid input: on: 1999-12-31 is before 2000-02-29 (range)
}
