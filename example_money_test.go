package kehu_test

import (
	"fmt"

	"github.com/kehu-crm/kehu"
)

func ExampleNewMoney() {
	price, err := kehu.NewMoney("12.3", "cny")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(price)
	fmt.Println(price.Currency().MinorUnits(), "decimal places")

	fee, _ := kehu.NewMoneyFromMinor(250, "CNY")
	total, _ := price.Add(fee)
	fmt.Println(total)

	_, err = total.Add(kehu.MustMoney("1", "USD"))
	fmt.Println(err)

	_, err = kehu.NewMoney("12,30", "RMB")
	fmt.Println(err)
	// Output:
	// 12.30 CNY
	// 2 decimal places
	// 14.80 CNY
	// crm: cannot add CNY and USD: invalid: currency mismatch
	// invalid input: amount: "12,30" is not a decimal number such as 12.34 (format); currency: "RMB" is not an active ISO 4217 currency (unknown_currency)
}

func ExampleMoney_Round() {
	m := kehu.MustMoney("-2.345", "CNY")
	for _, mode := range []kehu.RoundingMode{kehu.HalfUp, kehu.HalfEven, kehu.HalfDown, kehu.Down, kehu.Up, kehu.Floor, kehu.Ceiling} {
		fmt.Printf("%-9s %s\n", mode, m.Round(mode))
	}
	fmt.Println(kehu.MustMoney("1234.5", "JPY").Round(kehu.HalfEven))
	fmt.Println(kehu.MustMoney("1.2345", "BHD").Round(kehu.HalfUp))
	// Output:
	// half_up   -2.35 CNY
	// half_even -2.34 CNY
	// half_down -2.34 CNY
	// down      -2.34 CNY
	// up        -2.35 CNY
	// floor     -2.35 CNY
	// ceiling   -2.34 CNY
	// 1234 JPY
	// 1.235 BHD
}

func ExampleMoney_Allocate() {
	bill := kehu.MustMoney("100.00", "CNY")
	parts, err := bill.Allocate(1, 1, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parts)

	// A 70/20/10 split of a yen amount that does not divide evenly.
	parts, _ = kehu.MustMoney("1001", "JPY").Allocate(70, 20, 10)
	fmt.Println(parts)
	// Output:
	// [33.34 CNY 33.33 CNY 33.33 CNY]
	// [701 JPY 200 JPY 100 JPY]
}
