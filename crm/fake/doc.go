// Package fake generates deterministic synthetic customers and purchase transactions for
// examples, benchmarks and tests of hosts built on kehu.
//
// Everything hangs off a *Generator built from a seed with New; there is no global state.
// The same seed and options give byte-identical output on every run. The random streams
// are math/rand/v2's PCG, which is specified bit for bit; the samplers also use math.Log,
// math.Exp and math.Sqrt, whose last bit may in principle differ between architectures, so
// a rare draw could differ across platforms. Customer i has
// its own random streams, derived from the seed and i, one for the profile and one for the
// transactions, so customer i is the same whether 10 or 1,000,000 customers are generated,
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
// # Transactions
//
// Transactions follow a known generative model, PurchaseModel, so that analyses can be
// checked against the truth: purchase counts follow the BG/NBD model (a Gamma-distributed
// purchase rate and a Beta-distributed dropout probability per customer) and order values
// the Gamma-Gamma model, with defaults from the published CDNOW fits. The tests check the
// share of one-time buyers, the mean number of repeat purchases and the mean order value
// against the models' closed forms.
//
// Each order is a basket of products from Catalogue, built to the order's drawn value
// (to within 0.50 CNY): lines carry quantity × unit price exactly, and the order amount is
// their exact decimal sum. A few product pairs are bought together far above chance
// (spaghetti and pasta sauce, shampoo and conditioner, toothbrush and toothpaste, phone
// case and screen protector, diapers and baby wipes, ink cartridge and copy paper,
// badminton racket and shuttlecocks) for basket analysis to find.
//
// Transactions(n) streams the orders of customers 0 to n−1, customer by customer and
// oldest first within a customer; CustomerTransactions(i) returns one customer's.
//
// # Cost
//
// A profile costs two allocations (its strings share one, its slices another); names,
// cities, labels and tags are shared constants. A transaction costs about one allocation:
// a customer's order lines share one array, unit prices and line amounts are shared
// values, and order totals under 200.00 come from a table built on first use.
package fake
