// Package fake generates deterministic synthetic customers and their orders (kehu.Order)
// for examples, benchmarks and tests of hosts built on kehu.
//
// Everything hangs off a *Generator built from a seed with New; there is no global state.
// The same seed and options give byte-identical output on every run. The random streams
// are math/rand/v2's PCG, which is specified bit for bit; the samplers also use math.Log,
// math.Exp and math.Sqrt, whose last bit may in principle differ between architectures, so
// a rare draw could differ across platforms. Customer i has
// its own random streams, derived from the seed and i, one for the profile and one for the
// orders, so customer i is the same whether 10 or 1,000,000 customers are generated,
// in any order, from any number of goroutines.
//
// # Customers
//
// Profile(i) returns a crm.Profile: by default 60% Chinese customers (names drawn with
// the frequencies of Chinese family names, given names of one or two characters, pinyin in
// Name.Phonetic, mobiles such as "+86 138 0013 8000", addresses with province, city,
// district, street and postal code) and 40% English-speaking customers in the US and the
// UK; 10% are businesses (上海华信贸易有限公司, Northwind Traders Ltd). Every profile passes
// crm.Profile.Normalize. Profiles and ProfilesSeq generate many.
//
// # Orders
//
// Orders follow a known generative model, PurchaseModel, so that analyses can be
// checked against the truth: purchase counts follow the BG/NBD model (a Gamma-distributed
// purchase rate and a Beta-distributed dropout probability per customer) and order values
// the Gamma-Gamma model, with defaults from the published CDNOW fits. The tests check the
// share of one-time buyers, the mean number of repeat purchases and the mean order value
// against the models' closed forms.
//
// An order is a kehu.Order, the order type loyalty earns on and segment summarises
// (segment.Orders), so generated orders go into either without glue. Its ID is "SO" + the customer index,
// zero-padded to eight digits, + "-" + the order's sequence number ("SO00000042-003"),
// unique within a generator; At is whole seconds after Options.Start, in Start's location;
// Currency is Options.Currency. Each order is a basket of products from Catalogue, built
// to the order's drawn value (to within 0.50 CNY): one line per SKU, with IDs "1", "2", …
// in line order, and each line's Amount is its quantity × the product's price exactly (the
// unit price is Amount / Quantity), so Order.Total is their exact decimal sum. A few
// product pairs are bought together far above chance (spaghetti and pasta sauce, shampoo
// and conditioner, toothbrush and toothpaste, phone case and screen protector, diapers and
// baby wipes, ink cartridge and copy paper, badminton racket and shuttlecocks) for basket
// analysis to find.
//
// A profile has no ID until a host stores it (crm.Service assigns one), so the order
// methods take the buyer's ID from the caller: Orders(n, id) streams the orders of
// customers 0 to n−1, customer by customer and oldest first within a customer, with
// customer i's orders carrying id(i); CustomerOrders(i, id) returns one customer's. With a
// nil func (or a zero ID) the buyer is CustomerID(i), a UUID derived from the seed and i,
// for analyses that never store the customers.
//
// # Cost
//
// A profile costs two allocations (its strings share one, its slices another); names,
// cities, labels and tags are shared constants. A customer's orders cost two allocations
// in all: their lines share one array and their IDs one string; line IDs, SKUs,
// categories and line amounts are shared values.
package fake
