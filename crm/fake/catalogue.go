package fake

import (
	"slices"

	"github.com/kehu-crm/kehu"
)

// Product categories. They are also the values of crm.Profile.Interests.
const (
	CategoryApparel      = "apparel"
	CategoryBaby         = "baby"
	CategoryBeauty       = "beauty"
	CategoryBooks        = "books"
	CategoryElectronics  = "electronics"
	CategoryGrocery      = "grocery"
	CategoryHome         = "home"
	CategoryOffice       = "office"
	CategoryPersonalCare = "personal-care"
	CategorySports       = "sports"
)

// categories are sorted, so that interests drawn in this order come out sorted.
var categories = []string{
	CategoryApparel, CategoryBaby, CategoryBeauty, CategoryBooks, CategoryElectronics,
	CategoryGrocery, CategoryHome, CategoryOffice, CategoryPersonalCare, CategorySports,
}

// Product is an item of the catalogue.
type Product struct {
	SKU      string
	Name     string
	Category string
	// Price is the list price in the generator's currency.
	Price kehu.Money
}

// item is a catalogue entry. Prices are in hundredths of a unit of the currency: the same
// numbers serve CNY, USD or EUR, and are rounded for currencies with other minor units.
type item struct {
	sku, name, category string
	cents               int64
	popularity          uint32 // relative weight when a shopper browses
	maxQty              int    // the most of it one order line holds
	partner             string // SKU bought with it with probability partnerP
	partnerP            float64
}

// items is the catalogue. The average order of the default model is about 35 units of the
// currency, so most goods are everyday ones; the dearer items are bought by the few big
// spenders (the smartphone by almost nobody: it is there for hosts that raise the spend).
// The partner links build in the associations that basket analysis should find.
var items = []item{
	// Small items: impulse buys, and what rounds an order to its value.
	{"GR-CDY-001", "Fruit hard candy", CategoryGrocery, 100, 3, 5, "", 0},
	{"OF-PCL-001", "HB pencil", CategoryOffice, 100, 3, 10, "", 0},
	{"OF-ERS-001", "Eraser", CategoryOffice, 100, 2, 5, "", 0},
	{"OF-BPN-001", "Ballpoint pen, blue", CategoryOffice, 150, 4, 10, "", 0},
	{"GR-WTR-001", "Mineral water 550 ml", CategoryGrocery, 200, 14, 6, "", 0},
	{"OF-PEN-001", "Gel pen, black", CategoryOffice, 250, 5, 10, "", 0},
	{"GR-COL-001", "Cola 330 ml can", CategoryGrocery, 300, 10, 6, "", 0},
	{"GR-GUM-001", "Chewing gum", CategoryGrocery, 350, 5, 5, "", 0},
	{"OF-STN-001", "Sticky notes", CategoryOffice, 450, 4, 5, "", 0},
	{"GR-SPD-001", "Sports drink 600 ml", CategoryGrocery, 500, 8, 6, "", 0},
	{"GR-CUP-001", "Cup noodles", CategoryGrocery, 550, 10, 6, "", 0},
	{"GR-BRD-001", "Bread roll", CategoryGrocery, 650, 10, 4, "", 0},
	{"GR-BAN-001", "Bananas 1 kg", CategoryGrocery, 790, 12, 3, "", 0},
	{"GR-SOY-001", "Soy sauce 500 ml", CategoryGrocery, 890, 6, 2, "", 0},
	{"GR-CHO-001", "Dark chocolate bar 100 g", CategoryGrocery, 990, 10, 3, "", 0},
	{"OF-NTB-001", "A5 notebook", CategoryOffice, 990, 6, 5, "OF-PEN-001", 0.6},
	{"PC-SOP-001", "Hand soap 250 ml", CategoryPersonalCare, 990, 6, 3, "", 0},
	// Everyday goods.
	{"GR-NDL-001", "Instant noodles, 5-pack", CategoryGrocery, 1250, 10, 4, "", 0},
	{"GR-FRU-001", "Apples 1 kg", CategoryGrocery, 1280, 12, 3, "", 0},
	{"GR-PAS-001", "Spaghetti 500 g", CategoryGrocery, 1290, 5, 3, "GR-SAU-001", 0.75},
	{"HM-BLB-001", "LED bulb 9 W", CategoryHome, 1290, 4, 6, "", 0},
	{"PC-TBR-001", "Toothbrush, soft", CategoryPersonalCare, 1290, 5, 3, "PC-TPS-001", 0.75},
	{"OF-STP-001", "Stapler", CategoryOffice, 1580, 2, 1, "", 0},
	{"GR-YOG-001", "Yoghurt, 4-pack", CategoryGrocery, 1590, 10, 3, "", 0},
	{"PC-TPS-001", "Toothpaste 120 g", CategoryPersonalCare, 1590, 6, 3, "", 0},
	{"BB-WIP-001", "Baby wipes, 80-pack", CategoryBaby, 1590, 4, 4, "", 0},
	{"GR-EGG-001", "Eggs, 10", CategoryGrocery, 1680, 10, 2, "", 0},
	{"PC-TIS-001", "Facial tissues, 3-pack", CategoryPersonalCare, 1690, 10, 4, "", 0},
	{"GR-SAU-001", "Tomato pasta sauce 400 g", CategoryGrocery, 1990, 4, 3, "", 0},
	{"HM-BTT-001", "AA batteries, 8-pack", CategoryHome, 1990, 6, 3, "", 0},
	{"EL-CBL-001", "USB-C cable 1 m", CategoryElectronics, 1990, 5, 3, "", 0},
	{"EL-SCR-001", "Tempered-glass screen protector", CategoryElectronics, 1990, 3, 2, "", 0},
	{"BT-LIP-001", "Lip balm", CategoryBeauty, 1990, 4, 3, "", 0},
	{"OF-PAP-001", "A4 copy paper, 500 sheets", CategoryOffice, 2590, 4, 5, "", 0},
	{"BK-KID-001", "Children's picture book", CategoryBooks, 2980, 3, 3, "", 0},
	{"HM-MUG-001", "Ceramic mug", CategoryHome, 2990, 3, 4, "", 0},
	{"EL-CAS-001", "Phone case", CategoryElectronics, 2990, 4, 1, "EL-SCR-001", 0.7},
	{"SP-SOC-001", "Sports socks, 3 pairs", CategorySports, 2990, 4, 3, "", 0},
	{"HM-STO-001", "Storage box 20 L", CategoryHome, 3500, 2, 4, "", 0},
	{"AP-UMB-001", "Folding umbrella", CategoryApparel, 3590, 3, 2, "", 0},
	{"SP-SHC-001", "Shuttlecocks, 12", CategorySports, 3900, 2, 3, "", 0},
	{"SP-BTL-001", "Sports water bottle", CategorySports, 3900, 3, 2, "", 0},
	{"AP-CAP-001", "Baseball cap", CategoryApparel, 3900, 2, 1, "", 0},
	{"GR-COF-001", "Ground coffee 250 g", CategoryGrocery, 3990, 5, 4, "", 0},
	{"BK-NOV-001", "Paperback novel", CategoryBooks, 3980, 3, 2, "", 0},
	{"PC-CND-001", "Conditioner 400 ml", CategoryPersonalCare, 4290, 3, 2, "", 0},
	{"GR-RCE-001", "Rice 5 kg", CategoryGrocery, 4590, 8, 2, "", 0},
	{"PC-SHP-001", "Shampoo 400 ml", CategoryPersonalCare, 4590, 5, 2, "PC-CND-001", 0.7},
	{"BT-MSK-001", "Sheet masks, 5-pack", CategoryBeauty, 4900, 4, 3, "", 0},
	{"GR-NUT-001", "Mixed nuts 500 g", CategoryGrocery, 4990, 5, 2, "", 0},
	{"HM-TWL-001", "Bath towel", CategoryHome, 4990, 3, 3, "", 0},
	{"BK-CKB-001", "Home-style cookbook", CategoryBooks, 5800, 1, 1, "", 0},
	{"EL-CHG-001", "20 W USB-C charger", CategoryElectronics, 5900, 3, 2, "", 0},
	{"AP-TSH-001", "Cotton T-shirt", CategoryApparel, 5900, 3, 3, "", 0},
	{"GR-MLK-001", "Milk, 12 × 250 ml", CategoryGrocery, 5990, 8, 2, "", 0},
	{"GR-TEA-001", "Longjing green tea 250 g", CategoryGrocery, 6800, 4, 2, "", 0},
	{"PC-RZR-001", "Razor blades, 4-pack", CategoryPersonalCare, 6900, 3, 2, "", 0},
	{"EL-MOU-001", "Wireless mouse", CategoryElectronics, 6900, 2, 1, "", 0},
	{"SP-YGM-001", "Yoga mat", CategorySports, 7900, 2, 1, "", 0},
	// Larger purchases, made mostly by the few big spenders.
	{"HM-FRP-001", "French press 600 ml", CategoryHome, 8900, 2, 1, "GR-COF-001", 0.7},
	{"OF-INK-001", "Ink cartridge, black", CategoryOffice, 8900, 2, 2, "OF-PAP-001", 0.6},
	{"BT-SUN-001", "Sunscreen SPF 50", CategoryBeauty, 8900, 3, 2, "", 0},
	{"GR-OIL-001", "Peanut oil 5 L", CategoryGrocery, 8990, 4, 2, "", 0},
	{"EL-PWB-001", "Power bank 10,000 mAh", CategoryElectronics, 9900, 2, 1, "", 0},
	{"BB-DPR-001", "Diapers, size M, 60", CategoryBaby, 11900, 3, 2, "BB-WIP-001", 0.7},
	{"BT-SKN-001", "Moisturiser 50 ml", CategoryBeauty, 15900, 2, 1, "", 0},
	{"AP-JNS-001", "Jeans", CategoryApparel, 15900, 1, 1, "", 0},
	{"SP-RKT-001", "Badminton racket", CategorySports, 15900, 1, 1, "SP-SHC-001", 0.7},
	{"EL-EAR-001", "Wireless earbuds", CategoryElectronics, 19900, 2, 1, "", 0},
	{"BB-FRM-001", "Infant formula 800 g", CategoryBaby, 25800, 1, 2, "", 0},
	{"HM-RCK-001", "Rice cooker 3 L", CategoryHome, 29900, 1, 1, "", 0},
	{"OF-PRN-001", "Inkjet printer", CategoryOffice, 39900, 1, 1, "OF-INK-001", 0.75},
	{"EL-PHN-001", "Smartphone 6.5\", 128 GB", CategoryElectronics, 79900, 1, 1, "EL-CAS-001", 0.75},
}

// maxQty bounds every line's quantity; amounts for 1..maxQty are built once per product.
const maxQty = 10

// catalogue is the items priced in one currency, sorted by price.
type catalogue struct {
	products []Product
	price    []int64      // minor units, ascending
	partner  []int        // index of the partner product, or -1
	partnerP []float64    // probability of adding the partner
	maxQty   []int        // per product
	amounts  []kehu.Money // amounts[k*maxQty+q-1] is q × products[k].Price
	browse   weighted     // popularity, in price order
	// cheapest is how many products share the lowest price; browseStop is the budget
	// left (ten units of the currency) below which a shopper stops browsing.
	cheapest   int
	browseStop int64
}

func newCatalogue(c kehu.Currency) catalogue {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b item) int { return int(a.cents - b.cents) })
	n := len(sorted)
	cat := catalogue{
		products: make([]Product, n),
		price:    make([]int64, n),
		partner:  make([]int, n),
		partnerP: make([]float64, n),
		maxQty:   make([]int, n),
		amounts:  make([]kehu.Money, n*maxQty),
	}
	pop := make([]uint32, n)
	for k, it := range sorted {
		minor := scaleCents(it.cents, c.MinorUnits())
		cat.price[k] = minor
		cat.maxQty[k] = it.maxQty
		pop[k] = it.popularity
		for q := 1; q <= maxQty; q++ {
			cat.amounts[k*maxQty+q-1] = mustMinor(minor*int64(q), c)
		}
		cat.products[k] = Product{SKU: it.sku, Name: it.name, Category: it.category, Price: cat.amounts[k*maxQty]}
		cat.partner[k] = -1
		if it.partner != "" {
			cat.partner[k] = slices.IndexFunc(sorted, func(o item) bool { return o.sku == it.partner })
			cat.partnerP[k] = it.partnerP
		}
	}
	cat.browse = newWeighted(pop)
	for cat.cheapest < n && cat.price[cat.cheapest] == cat.price[0] {
		cat.cheapest++
	}
	cat.browseStop = scaleCents(1000, c.MinorUnits())
	return cat
}

// scaleCents converts hundredths of a unit to minor units of a currency with the given
// decimal places, rounding half up and never below one minor unit.
func scaleCents(cents int64, places int) int64 {
	v := cents
	switch {
	case places > 2:
		for range places - 2 {
			v *= 10
		}
	case places < 2:
		d := int64(1)
		for range 2 - places {
			d *= 10
		}
		v = (cents + d/2) / d
	}
	return max(v, 1)
}

func mustMinor(minor int64, c kehu.Currency) kehu.Money {
	m, err := kehu.NewMoneyFromMinor(minor, string(c))
	if err != nil {
		return kehu.Money{} // cannot happen: New validated the currency
	}
	return m
}

// Catalogue returns the products, cheapest first, priced in the generator's currency. The
// slice is a copy.
func (g *Generator) Catalogue() []Product { return slices.Clone(g.cat.products) }
