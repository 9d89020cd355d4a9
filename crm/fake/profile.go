package fake

import (
	"iter"
	"strconv"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/crm"
)

// Weighted pickers over the tables, built once; they are read-only.
var (
	pickFamily     = newWeighted(familyWeights)
	pickUSFamily   = newWeighted(usFamilyWeights)
	pickUKFamily   = newWeighted(ukFamilyWeights)
	pickOccupation = newWeighted(occupationWeights)
	pickIncome     = newWeighted(incomeWeights)
	pickCNCity     = newWeighted(cnCityWeights)
	pickUSCity     = newWeighted(usCityWeights)
	pickUKCity     = newWeighted(ukCityWeights)
	pickCNMobile   = newWeighted(cnMobileWeights)
	pickCNMail     = newWeighted(cnMailWeights)
	pickUSMail     = newWeighted(usMailWeights)
	pickUKMail     = newWeighted(ukMailWeights)
	pickAcqPerson  = newWeighted(acqPersonWeights)
	pickAcqBiz     = newWeighted(acqBusinessWeights)
	pickGender     = newWeighted([]uint32{485, 485, 20, 10})
	genders        = []crm.Gender{crm.GenderFemale, crm.GenderMale, crm.GenderUndisclosed, crm.GenderOther}
	pickEduYoung   = newWeighted([]uint32{2, 22, 18, 40, 15, 3})
	pickEduOld     = newWeighted([]uint32{15, 40, 18, 20, 6, 1})
	educations     = []crm.Education{crm.EducationPrimary, crm.EducationSecondary, crm.EducationVocational,
		crm.EducationBachelor, crm.EducationMaster, crm.EducationDoctorate}
	pickChannelCN = newWeighted([]uint32{20, 15, 30, 35})
	pickChannelEN = newWeighted([]uint32{15, 50, 20, 15})
	channels      = []crm.Channel{crm.ChannelPhone, crm.ChannelEmail, crm.ChannelSMS, crm.ChannelSocial}
	discs         = []crm.DISC{crm.DISCDominance, crm.DISCInfluence, crm.DISCSteadiness, crm.DISCConscientiousness}
	pickCNPattern = newWeighted([]uint32{20, 30, 15, 15, 10, 10})
	pickENPattern = newWeighted([]uint32{35, 20, 15, 10, 5})

	birthFirst = kehu.Date{Year: 1950, Month: time.January, Day: 1}
	birthDays  = kehu.Date{Year: 2006, Month: time.December, Day: 31}.DaysSince(birthFirst) + 1
)

// Profiles returns customers 0 to n−1. They take about 1 KB each (a crm.Profile is 456
// bytes before its strings and slices); for a million customers prefer ProfilesSeq.
func (g *Generator) Profiles(n int) []crm.Profile {
	ps := make([]crm.Profile, max(n, 0))
	for i := range ps {
		ps[i] = g.Profile(i)
	}
	return ps
}

// ProfilesSeq yields customers 0 to n−1 with their index, generating each on demand.
func (g *Generator) ProfilesSeq(n int) iter.Seq2[int, crm.Profile] {
	return func(yield func(int, crm.Profile) bool) {
		for i := range n {
			if !yield(i, g.Profile(i)) {
				return
			}
		}
	}
}

// Profile returns the i-th customer (i ≥ 0). It is a person, or with probability
// Options.BusinessShare a business; with probability Options.ChineseShare it is Chinese
// (Chinese name with pinyin, Chinese mobile, address in a Chinese city) and otherwise
// English-speaking in the US or the UK. A profile has a name, one mobile phone written in
// international format, a primary email (sometimes a work email too), a postal address,
// and, for people, demographics with the gaps real data has; some profiles have a DISC
// style, preference notes, tags, interests (product categories of Catalogue), an
// acquisition source and an account manager ("am-07").
//
// The profile is already in the canonical form of crm.Profile.Normalize, except for the
// phone numbers, which are written as people type them ("+86 138 0013 8000") and which
// Normalize turns into E.164. Strings come from shared read-only tables where they can;
// those built for the profile share one allocation.
func (g *Generator) Profile(i int) crm.Profile {
	pg := pgen{g: g, r: g.stream(i, streamProfile), sl: new(slab)}
	pg.run()
	return pg.finish()
}

// slab holds a profile's slices in one allocation.
type slab struct {
	emails    [2]crm.Email
	phones    [1]crm.Phone
	addresses [1]crm.Address
	tags      [9]string
	interests [4]string
	notes     [1]string
}

// textBuf collects a profile's built strings on the stack; finish copies them into one
// string of the exact size. It moves to the heap only past its fixed capacity, which the
// tables' longest names, addresses and emails stay well within.
type textBuf struct {
	arr  [384]byte
	n    int
	heap []byte
}

func (t *textBuf) writeString(s string) {
	if t.heap == nil && t.n+len(s) <= len(t.arr) {
		t.n += copy(t.arr[t.n:], s)
		return
	}
	t.spill()
	t.heap = append(t.heap, s...)
}

func (t *textBuf) write(b []byte) {
	if t.heap == nil && t.n+len(b) <= len(t.arr) {
		t.n += copy(t.arr[t.n:], b)
		return
	}
	t.spill()
	t.heap = append(t.heap, b...)
}

func (t *textBuf) writeByte(c byte) {
	if t.heap == nil && t.n < len(t.arr) {
		t.arr[t.n] = c
		t.n++
		return
	}
	t.spill()
	t.heap = append(t.heap, c)
}

func (t *textBuf) spill() {
	if t.heap == nil {
		t.heap = append(make([]byte, 0, 2*len(t.arr)), t.arr[:t.n]...)
	}
}

func (t *textBuf) size() int {
	if t.heap != nil {
		return len(t.heap)
	}
	return t.n
}

func (t *textBuf) bytes() []byte {
	if t.heap != nil {
		return t.heap
	}
	return t.arr[:t.n]
}

// Slots for the strings built into the profile's buffer.
const (
	sDisplay = iota
	sGiven
	sPhonetic
	sCompany
	sEmail0
	sEmail1
	sPhone
	sStreet
	sPostal
	nSlots
)

type span struct {
	lo, hi int32
	set    bool
}

// locale of a customer.
const (
	locCN = iota
	locUS
	locGB
)

// pgen generates one profile.
type pgen struct {
	g     *Generator
	r     rng
	b     textBuf // the profile's built strings
	spans [nSlots]span
	p     crm.Profile
	sl    *slab

	loc      int
	business bool
	cnCity   *cnCity
	usCity   *usCity
	ukCity   *ukCity

	// the name parts emails are built from (ASCII)
	first, last string // Western given and family name
	fam         hanzi  // Chinese family name
	c1, c2      hanzi  // Chinese given name characters; c2.han == "" for one character
	birthYear   int
	employed    bool
	occupation  string
	company     companyParts
}

func (pg *pgen) str(s string) { pg.b.writeString(s) }

func (pg *pgen) num(n int) {
	var tmp [20]byte
	pg.b.write(strconv.AppendInt(tmp[:0], int64(n), 10))
}

func (pg *pgen) padded(n, width int) {
	var tmp [24]byte
	pg.b.write(appendPadded(tmp[:0], n, width))
}

// lower appends s in lower case without apostrophes and spaces, for email addresses.
func (pg *pgen) lower(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		pg.b.writeByte(c)
	}
}

// capital appends a lower-case pinyin syllable with its first letter capitalised.
func (pg *pgen) capital(s string) {
	pg.b.writeByte(s[0] - ('a' - 'A'))
	pg.b.writeString(s[1:])
}

func (pg *pgen) begin() int32 { return int32(pg.b.size()) }

func (pg *pgen) end(slot int, lo int32) { pg.spans[slot] = span{lo, int32(pg.b.size()), true} }

// finish turns the buffer into one string and points the built fields into it.
func (pg *pgen) finish() crm.Profile {
	s := string(pg.b.bytes())
	get := func(slot int) string { sp := pg.spans[slot]; return s[sp.lo:sp.hi] }
	p := &pg.p
	if pg.spans[sDisplay].set {
		p.Name.Display = get(sDisplay)
	}
	if pg.spans[sGiven].set {
		p.Name.Given = get(sGiven)
	}
	if pg.spans[sPhonetic].set {
		p.Name.Phonetic = get(sPhonetic)
	}
	if pg.spans[sCompany].set {
		p.Company = get(sCompany)
	}
	pg.sl.emails[0].Address = get(sEmail0)
	if pg.spans[sEmail1].set {
		pg.sl.emails[1].Address = get(sEmail1)
	}
	pg.sl.phones[0].Number = get(sPhone)
	pg.sl.addresses[0].Street = get(sStreet)
	if pg.spans[sPostal].set {
		pg.sl.addresses[0].PostalCode = get(sPostal)
	}
	return pg.p
}

func (pg *pgen) run() {
	g, r, p := pg.g, &pg.r, &pg.p
	o := &g.opts
	pg.business = r.chance(o.BusinessShare)
	switch {
	case r.chance(o.ChineseShare):
		pg.loc = locCN
	case o.Region == "US":
		pg.loc = locUS
	case o.Region == "GB":
		pg.loc = locGB
	case r.chance(0.6):
		pg.loc = locUS
	default:
		pg.loc = locGB
	}

	pg.address()
	if pg.business {
		p.Kind = crm.Business
		pg.businessName()
	} else {
		p.Kind = crm.Person
		pg.person()
	}
	pg.phone()
	pg.preferences()

	// DISC style for about a third.
	if r.chance(0.3) {
		p.DISC = discs[r.intn(len(discs))]
	}
	pg.interests()
	pg.tags()

	// Acquisition and owner.
	ch := pickAcqPerson.pick(r)
	if pg.business {
		ch = pickAcqBiz.pick(r)
	}
	sources := acqSourcesEN[ch]
	if pg.loc == locCN {
		sources = acqSourcesCN[ch]
	}
	p.Acquisition = crm.Acquisition{Source: sources[r.intn(len(sources))], Channel: acqChannels[ch]}
	if pg.business || r.chance(0.7) {
		p.Owner = owners[r.intn(len(owners))]
	}
}

// address picks the city and writes the street and postal code.
func (pg *pgen) address() {
	r, a := &pg.r, &pg.sl.addresses[0]
	a.Primary = true
	a.Label = "home"
	if pg.business {
		a.Label = "office"
	}
	pg.p.Addresses = pg.sl.addresses[:1:1]
	switch pg.loc {
	case locCN:
		c := &cnCities[pickCNCity.pick(r)]
		d := &c.districts[r.intn(len(c.districts))]
		pg.cnCity = c
		a.Country, a.Region, a.City, a.District, a.PostalCode = "CN", c.province, c.city, d.name, d.postal
		lo := pg.begin()
		pg.str(cnRoads[r.intn(len(cnRoads))])
		pg.num(r.between(1, 999))
		pg.str("号")
		switch {
		case pg.business && r.chance(0.6):
			pg.num(r.between(2, 38))
			pg.str("楼")
		case !pg.business && r.chance(0.6):
			pg.num(r.between(1, 30))
			pg.str("栋")
			pg.num(r.between(1, 33)*100 + r.between(1, 8))
			pg.str("室")
		}
		pg.end(sStreet, lo)
	case locUS:
		c := &usCities[pickUSCity.pick(r)]
		pg.usCity = c
		a.Country, a.Region, a.City = "US", c.state, c.city
		lo := pg.begin()
		pg.num(r.between(1, 9999))
		pg.str(" ")
		pg.str(usStreets[r.intn(len(usStreets))])
		if r.chance(0.25) {
			pg.str(pickString(r, ", Apt ", ", Suite ", ", Unit "))
			pg.num(r.between(1, 40))
		}
		pg.end(sStreet, lo)
		lo = pg.begin()
		pg.padded(c.zip+r.intn(c.span), 5)
		pg.end(sPostal, lo)
	case locGB:
		c := &ukCities[pickUKCity.pick(r)]
		pg.ukCity = c
		a.Country, a.Region, a.City = "GB", c.nation, c.city
		lo := pg.begin()
		if !pg.business && r.chance(0.15) {
			pg.str("Flat ")
			pg.num(r.between(1, 24))
			pg.str(", ")
		}
		pg.num(r.between(1, 250))
		pg.str(" ")
		pg.str(ukStreets[r.intn(len(ukStreets))])
		pg.end(sStreet, lo)
		lo = pg.begin()
		pg.str(c.outward[r.intn(len(c.outward))])
		pg.str(" ")
		pg.num(r.intn(10))
		pg.b.writeByte(ukInwardLetters[r.intn(len(ukInwardLetters))])
		pg.b.writeByte(ukInwardLetters[r.intn(len(ukInwardLetters))])
		pg.end(sPostal, lo)
	}
}

func pickString(r *rng, s ...string) string { return s[r.intn(len(s))] }

// person writes a person's name, demographics, employer and emails.
func (pg *pgen) person() {
	r, p := &pg.r, &pg.p
	d := &p.Demographics

	gender := crm.Gender("")
	if r.chance(0.96) {
		gender = genders[pickGender.pick(r)]
	}
	d.Gender = gender
	male := gender == crm.GenderMale || (gender != crm.GenderFemale && r.chance(0.5))

	if r.chance(0.92) {
		d.BirthDate = birthFirst.AddDays(r.intn(birthDays))
		pg.birthYear = d.BirthDate.Year
	}

	switch pg.loc {
	case locCN:
		pg.chineseName(male, true)
	default:
		pg.englishName(male)
		lo := pg.begin()
		pg.str(pg.first)
		pg.str(" ")
		pg.str(pg.last)
		pg.end(sDisplay, lo)
		p.Name.Given, p.Name.Family = pg.first, pg.last
	}

	// Occupation, income and education, each missing for some customers.
	var occ label
	switch y := pg.birthYear; {
	case y >= 2003 && r.chance(0.75):
		occ = occStudent
	case y != 0 && y <= 1962 && r.chance(0.7):
		occ = occRetired
	default:
		occ = occupations[pickOccupation.pick(r)]
		pg.employed = occ.en != "self-employed" && occ.en != "freelancer" && occ.en != "shop owner"
	}
	pg.occupation = occ.en
	if pg.loc == locCN {
		pg.occupation = occ.zh
	}
	if r.chance(0.8) {
		d.Occupation = pg.occupation
	}
	if r.chance(0.7) {
		band := pickIncome.pick(r)
		if occ == occStudent {
			band = min(band, r.intn(2))
		}
		switch pg.loc {
		case locCN:
			d.IncomeBand = incomeCN[band]
		case locUS:
			d.IncomeBand = incomeUS[band]
		default:
			d.IncomeBand = incomeGB[band]
		}
	}
	if r.chance(0.75) {
		if pg.birthYear != 0 && pg.birthYear < 1965 {
			d.Education = educations[pickEduOld.pick(r)]
		} else {
			d.Education = educations[pickEduYoung.pick(r)]
		}
	}

	pg.sl.emails[0] = crm.Email{Label: "personal", Primary: true, Verified: r.chance(0.6)}
	pg.personalEmail()
	p.Emails = pg.sl.emails[:1:1]

	// Some employed people give their employer, job title and work email.
	if pg.employed && r.chance(0.35) {
		pg.companyName(sCompany, false)
		p.JobTitle = pg.occupation
		if r.chance(0.4) {
			pg.sl.emails[1] = crm.Email{Label: "work"}
			lo := pg.begin()
			pg.workLocal()
			pg.str("@")
			pg.companyDomain()
			pg.end(sEmail1, lo)
			p.Emails = pg.sl.emails[:2:2]
		}
	}
}

// chineseName draws a Chinese name; when store is set it becomes the profile's name.
func (pg *pgen) chineseName(male, store bool) {
	r := &pg.r
	pg.fam = familyNames[pickFamily.pick(r)]
	list := femaleGiven
	if male {
		list = maleGiven
	}
	pg.c1 = list[r.intn(len(list))]
	pg.c2 = hanzi{}
	if r.chance(0.72) {
		pg.c2 = list[r.intn(len(list))]
	}
	if !store {
		return
	}
	n := &pg.p.Name
	n.Family, n.FamilyFirst = pg.fam.han, true
	lo := pg.begin()
	pg.str(pg.fam.han)
	mid := pg.begin()
	pg.str(pg.c1.han)
	pg.str(pg.c2.han)
	pg.end(sDisplay, lo)
	if pg.c2.han == "" {
		n.Given = pg.c1.han
	} else {
		pg.end(sGiven, mid)
	}
	lo = pg.begin()
	pg.str(pg.fam.py)
	pg.str(" ")
	pg.capital(pg.c1.py)
	pg.givenTail()
	pg.end(sPhonetic, lo)
}

// givenTail appends the pinyin of the second given character, with the apostrophe that
// pinyin puts before a syllable starting with a, e or o (Jia'en).
func (pg *pgen) givenTail() {
	if pg.c2.py == "" {
		return
	}
	if c := pg.c2.py[0]; c == 'a' || c == 'e' || c == 'o' {
		pg.str("'")
	}
	pg.str(pg.c2.py)
}

func (pg *pgen) englishName(male bool) {
	r := &pg.r
	var firsts []string
	switch {
	case pg.loc == locUS && male:
		firsts = usMale
	case pg.loc == locUS:
		firsts = usFemale
	case male:
		firsts = ukMale
	default:
		firsts = ukFemale
	}
	pg.first = firsts[r.intn(len(firsts))]
	if pg.loc == locUS {
		pg.last = usFamily[pickUSFamily.pick(r)]
	} else {
		pg.last = ukFamily[pickUKFamily.pick(r)]
	}
}

// personalEmail writes the primary email of a person at a free-mail domain.
func (pg *pgen) personalEmail() {
	r := &pg.r
	var domain string
	switch pg.loc {
	case locCN:
		domain = cnMailDomains[pickCNMail.pick(r)]
	case locUS:
		domain = usMailDomains[pickUSMail.pick(r)]
	default:
		domain = ukMailDomains[pickUKMail.pick(r)]
	}
	lo := pg.begin()
	if domain == "qq.com" && r.chance(0.75) {
		pg.num(r.between(10000, 3999999999)) // a QQ number
	} else {
		if pg.loc == locCN {
			pg.pinyinLocal(pickCNPattern.pick(r))
		} else {
			pg.englishLocal(pickENPattern.pick(r))
		}
		pg.suffix()
	}
	pg.str("@")
	pg.str(domain)
	pg.end(sEmail0, lo)
}

// pinyinLocal writes a local part from the Chinese name: xiaomingwang, wangxiaoming,
// wangxm, xiaoming.wang, wang_xiaoming or wang.xiaoming.
func (pg *pgen) pinyinLocal(pattern int) {
	given := func() {
		pg.lower(pg.c1.py)
		pg.lower(pg.c2.py)
	}
	switch pattern {
	case 0:
		given()
		pg.lower(pg.fam.py)
	case 1:
		pg.lower(pg.fam.py)
		given()
	case 2:
		pg.lower(pg.fam.py)
		pg.b.writeByte(pg.c1.py[0])
		if pg.c2.py != "" {
			pg.b.writeByte(pg.c2.py[0])
		}
	case 3:
		given()
		pg.str(".")
		pg.lower(pg.fam.py)
	case 4:
		pg.lower(pg.fam.py)
		pg.str("_")
		given()
	default:
		pg.lower(pg.fam.py)
		pg.str(".")
		given()
	}
}

// englishLocal writes john.smith, johnsmith, jsmith, john_smith or smith.john.
func (pg *pgen) englishLocal(pattern int) {
	switch pattern {
	case 0:
		pg.lower(pg.first)
		pg.str(".")
		pg.lower(pg.last)
	case 1:
		pg.lower(pg.first)
		pg.lower(pg.last)
	case 2:
		pg.lower(pg.first[:1])
		pg.lower(pg.last)
	case 3:
		pg.lower(pg.first)
		pg.str("_")
		pg.lower(pg.last)
	default:
		pg.lower(pg.last)
		pg.str(".")
		pg.lower(pg.first)
	}
}

// suffix appends the number that keeps addresses at big providers unique: a birth year, its
// last two digits or a random number; a few addresses have none.
func (pg *pgen) suffix() {
	r := &pg.r
	u := r.float()
	switch {
	case u < 0.08:
	case pg.birthYear != 0 && u < 0.38:
		pg.num(pg.birthYear)
	case pg.birthYear != 0 && u < 0.50:
		pg.padded(pg.birthYear%100, 2)
	case u < 0.70:
		pg.num(r.between(1, 999))
	default:
		pg.num(r.between(1, 9999))
	}
}

// workLocal writes the local part of a work address from the person's name.
func (pg *pgen) workLocal() {
	if pg.loc == locCN {
		if pg.r.chance(0.5) {
			pg.pinyinLocal(3)
		} else {
			pg.pinyinLocal(2)
		}
	} else {
		pg.englishLocal(0)
	}
	if pg.r.chance(0.3) {
		pg.num(pg.r.between(1, 99))
	}
}

// Company naming: the parts chosen by companyName, reused by companyDomain.
type companyParts struct {
	brand hanzi
	trade cnTrade
	word  string
	kind  string
}

// companyName writes a company name into slot and remembers its parts for the domain.
func (pg *pgen) companyName(slot int, phonetic bool) {
	r := &pg.r
	cp := &pg.company
	lo := pg.begin()
	if pg.loc == locCN {
		cp.brand = cnBrands[r.intn(len(cnBrands))]
		cp.trade = cnTrades[r.intn(len(cnTrades))]
		joint := r.chance(0.1)
		pg.str(pg.cnCity.short)
		pg.str(cp.brand.han)
		pg.str(cp.trade.han)
		if joint {
			pg.str("股份")
		}
		pg.str("有限公司")
		pg.end(slot, lo)
		if phonetic {
			lo = pg.begin()
			pg.str(pg.cnCity.py)
			pg.str(" ")
			pg.str(cp.brand.py)
			pg.str(" ")
			pg.str(cp.trade.py)
			if joint {
				pg.str(" Gufen")
			}
			pg.str(" Youxian Gongsi")
			pg.end(sPhonetic, lo)
		}
		return
	}
	cp.word = enBrandWords[r.intn(len(enBrandWords))]
	cp.kind = enTrades[r.intn(len(enTrades))]
	suffixes := usCompanySuffixes
	if pg.loc == locGB {
		suffixes = ukCompanySuffixes
	}
	pg.str(cp.word)
	pg.str(" ")
	pg.str(cp.kind)
	pg.str(" ")
	pg.str(suffixes[r.intn(len(suffixes))])
	pg.end(slot, lo)
}

// companyDomain appends the web domain of the company last named.
func (pg *pgen) companyDomain() {
	cp := &pg.company
	if pg.loc == locCN {
		pg.lower(cp.brand.py)
		pg.str(cp.trade.domain)
		pg.str(pickString(&pg.r, ".com.cn", ".com.cn", ".com", ".cn"))
		return
	}
	pg.lower(cp.word)
	pg.lower(cp.kind)
	if pg.loc == locGB && pg.r.chance(0.7) {
		pg.str(".co.uk")
	} else {
		pg.str(".com")
	}
}

// businessName writes a business's name and its contact email.
func (pg *pgen) businessName() {
	r, p := &pg.r, &pg.p
	pg.companyName(sDisplay, true)
	pg.spans[sCompany] = pg.spans[sDisplay]
	// The email belongs to the contact person at the business.
	male := r.chance(0.5)
	if pg.loc == locCN {
		pg.chineseName(male, false)
	} else {
		pg.englishName(male)
	}
	pg.sl.emails[0] = crm.Email{Label: "work", Primary: true, Verified: r.chance(0.8)}
	lo := pg.begin()
	pg.workLocal()
	pg.str("@")
	pg.companyDomain()
	pg.end(sEmail0, lo)
	p.Emails = pg.sl.emails[:1:1]
}

// phone writes a mobile number in international format.
func (pg *pgen) phone() {
	r := &pg.r
	pg.sl.phones[0] = crm.Phone{Label: "mobile", Primary: true}
	pg.p.Phones = pg.sl.phones[:1:1]
	lo := pg.begin()
	switch pg.loc {
	case locCN: // +86 138 0013 8000
		pg.str("+86 ")
		pg.str(cnMobilePrefixes[pickCNMobile.pick(r)])
		pg.str(" ")
		pg.padded(r.intn(10000), 4)
		pg.str(" ")
		pg.padded(r.intn(10000), 4)
	case locUS: // +1 415-623-4567
		pg.str("+1 ")
		pg.str(pg.usCity.areaCodes[r.intn(len(pg.usCity.areaCodes))])
		pg.str("-")
		ex := r.between(200, 999)
		for ex%100 == 11 || ex == 555 {
			ex = r.between(200, 999)
		}
		pg.num(ex)
		pg.str("-")
		pg.padded(r.intn(10000), 4)
	default: // +44 7700 900123
		var d [10]byte
		pre := ukMobilePrefixes[r.intn(len(ukMobilePrefixes))]
		n := copy(d[:], pre)
		for ; n < len(d); n++ {
			d[n] = byte('0' + r.intn(10))
		}
		pg.str("+44 ")
		pg.b.write(d[:4])
		pg.str(" ")
		pg.b.write(d[4:])
	}
	pg.end(sPhone, lo)
}

func (pg *pgen) preferences() {
	r, pr := &pg.r, &pg.p.Preferences
	switch pg.loc {
	case locCN:
		pr.Language = "zh-CN"
	case locUS:
		pr.Language = "en-US"
	default:
		pr.Language = "en-GB"
	}
	if r.chance(0.6) {
		if pg.loc == locCN {
			pr.Channel = channels[pickChannelCN.pick(r)]
		} else {
			pr.Channel = channels[pickChannelEN.pick(r)]
		}
	}
	if r.chance(0.08) {
		notes := notesEN
		if pg.loc == locCN {
			notes = notesZH
		}
		pg.sl.notes[0] = notes[r.intn(len(notes))]
		pr.Notes = pg.sl.notes[:1:1]
	}
}

// interests picks product categories, each with probability 0.2, at most four.
func (pg *pgen) interests() {
	n := 0
	for _, c := range categories {
		if n < len(pg.sl.interests) && pg.r.chance(0.2) {
			pg.sl.interests[n] = c
			n++
		}
	}
	if n > 0 {
		pg.p.Interests = pg.sl.interests[:n:n]
	}
}

// tags draws tags from the vocabulary, in its sorted order.
func (pg *pgen) tags() {
	r := &pg.r
	cn, biz := pg.loc == locCN, pg.business
	n := 0
	add := func(tag string, p float64) {
		if r.chance(p) {
			pg.sl.tags[n] = tag
			n++
		}
	}
	add(tagAppUser, pick(cn, 0.45, 0.3))
	add(tagEarlyAdopter, 0.05)
	add(tagLoyaltyMember, pick(biz, 0.1, 0.3))
	add(tagNewsletter, 0.3)
	add(tagPriceSensitive, pick(biz, 0.25, 0.15))
	add(tagReferrer, 0.06)
	add(tagVIP, pick(biz, 0.1, 0.04))
	add(tagWeChat, pick(cn, 0.5, 0))
	add(tagWholesale, pick(biz, 0.45, 0.01))
	if n > 0 {
		pg.p.Tags = pg.sl.tags[:n:n]
	}
}

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
