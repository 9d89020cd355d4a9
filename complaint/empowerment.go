package complaint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/checked"
	"github.com/kehu-crm/kehu/internal/clip"
	"github.com/kehu-crm/kehu/internal/strictjson"
	"github.com/shopspring/decimal"
)

// Empowerment is a compiled compensation policy: the ceilings each role may grant on its
// own authority, per customer value band, in money per currency and in points. Compile it
// from an EmpowermentSpec with CompileEmpowerment or LoadEmpowerment. It is immutable and
// safe for concurrent use.
//
// A role's ceiling bounds what one case may be given in a currency (or in points), counting
// the grants approved or granted already: a frontline employee does not get past her
// ceiling by splitting a compensation into small grants. A band or currency a role has no
// ceiling for is a ceiling of zero: every grant of it needs approval.
type Empowerment struct {
	spec  EmpowermentSpec
	roles map[string]map[ValueBand]ceiling
}

type ceiling struct {
	money  map[kehu.Currency]decimal.Decimal
	points int64
}

// EmpowermentSpec is a compensation policy as written, in Go or strict JSON:
//
//	{"roles": [
//	  {"role": "frontline", "ceilings": [
//	    {"value": "standard", "money": [{"amount": "50", "currency": "CNY"}], "points": 500},
//	    {"value": "key", "money": [{"amount": "200", "currency": "CNY"}], "points": 2000}]},
//	  {"role": "manager", "ceilings": [
//	    {"value": "key", "money": [{"amount": "2000", "currency": "CNY"}], "points": 20000}]}
//	]}
type EmpowermentSpec struct {
	Roles []RoleCeilings `json:"roles"`
}

// RoleCeilings are the ceilings of one role.
type RoleCeilings struct {
	Role     string    `json:"role"`
	Ceilings []Ceiling `json:"ceilings"`
}

// Ceiling is what a role may grant one case of a customer in a value band: at most Money
// in each currency listed (one amount per currency), and at most Points.
type Ceiling struct {
	Value  ValueBand    `json:"value"`
	Money  []kehu.Money `json:"money,omitempty"`
	Points int64        `json:"points,omitempty"`
}

// MaxRoles bounds the roles of an empowerment policy.
const MaxRoles = 100

func (s EmpowermentSpec) clone() EmpowermentSpec {
	out := EmpowermentSpec{Roles: slices.Clone(s.Roles)}
	for i := range out.Roles {
		out.Roles[i].Ceilings = slices.Clone(out.Roles[i].Ceilings)
		for j := range out.Roles[i].Ceilings {
			out.Roles[i].Ceilings[j].Money = slices.Clone(out.Roles[i].Ceilings[j].Money)
		}
	}
	return out
}

// CompileEmpowerment checks a policy and compiles it. Every problem is reported at once in
// a *kehu.ValidationError, by path: "roles[1].role" (rules "required", "max_length",
// "duplicate"), "roles[1].ceilings[0].value" ("enum", "duplicate"),
// "roles[1].ceilings[0].money[2]" ("required" for an amount with no currency, "range" for
// a negative one, "duplicate" for a second amount in one currency),
// "roles[1].ceilings[0].points" ("range").
func CompileEmpowerment(spec EmpowermentSpec) (*Empowerment, error) {
	var p kehu.Problems
	switch {
	case len(spec.Roles) == 0:
		p.Add("roles", "required", "name at least one role")
	case len(spec.Roles) > MaxRoles:
		p.Addf("roles", "max_items", "has more than %d roles", MaxRoles)
	}
	e := &Empowerment{spec: spec.clone(), roles: map[string]map[ValueBand]ceiling{}}
	for i, r := range spec.Roles {
		path := fmt.Sprintf("roles[%d]", i)
		checkText(&p, path+".role", r.Role, true, maxShortBytes)
		if _, dup := e.roles[r.Role]; dup && r.Role != "" {
			p.Addf(path+".role", "duplicate", "%s is named twice", clip.Quote(r.Role))
		}
		bands := map[ValueBand]ceiling{}
		for j, cl := range r.Ceilings {
			cpath := fmt.Sprintf("%s.ceilings[%d]", path, j)
			if !cl.Value.Valid() {
				p.Addf(cpath+".value", "enum", "%s is not standard, valued or key", clip.Quote(string(cl.Value)))
			} else if _, dup := bands[cl.Value]; dup {
				p.Addf(cpath+".value", "duplicate", "the %s band has two ceilings", cl.Value)
			}
			if cl.Points < 0 {
				p.Add(cpath+".points", "range", "is negative")
			}
			ce := ceiling{money: map[kehu.Currency]decimal.Decimal{}, points: cl.Points}
			for k, m := range cl.Money {
				mpath := fmt.Sprintf("%s.money[%d]", cpath, k)
				switch _, dup := ce.money[m.Currency()]; {
				case m.Currency() == "":
					p.Add(mpath, "required", "has no currency")
				case m.IsNegative():
					p.Add(mpath, "range", "is negative")
				case dup:
					p.Addf(mpath, "duplicate", "a second amount in %s", m.Currency())
				default:
					ce.money[m.Currency()] = m.Amount()
				}
			}
			bands[cl.Value] = ce
		}
		if r.Role != "" {
			e.roles[r.Role] = bands
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// MaxEmpowermentBytes bounds the JSON of a policy that LoadEmpowerment reads.
const MaxEmpowermentBytes = 1 << 20

// LoadEmpowerment reads a policy from strict JSON and compiles it. Bad values are reported
// by their path in the policy, as CompileEmpowerment reports them: an unknown field such
// as "roles[0].limit" is rule "unknown_field"; a syntax error or trailing data is rule
// "syntax" on "empowerment".
func LoadEmpowerment(r io.Reader) (*Empowerment, error) {
	// The wire form keeps bands and amounts raw, so that a bad one is reported with its path.
	var wire struct {
		Roles []struct {
			Role     string `json:"role"`
			Ceilings []struct {
				Value  string            `json:"value"`
				Money  []json.RawMessage `json:"money,omitempty"`
				Points int64             `json:"points,omitempty"`
			} `json:"ceilings"`
		} `json:"roles"`
	}
	if err := loadStrict(r, "empowerment", MaxEmpowermentBytes, &wire); err != nil {
		return nil, err
	}
	var p kehu.Problems
	bad := map[string]bool{} // amounts that did not decode, reported already
	spec := EmpowermentSpec{Roles: make([]RoleCeilings, len(wire.Roles))}
	for i, r := range wire.Roles {
		spec.Roles[i] = RoleCeilings{Role: r.Role, Ceilings: make([]Ceiling, len(r.Ceilings))}
		for j, c := range r.Ceilings {
			ce := Ceiling{Value: ValueBand(c.Value), Points: c.Points, Money: make([]kehu.Money, len(c.Money))}
			for k, raw := range c.Money {
				path := fmt.Sprintf("roles[%d].ceilings[%d].money[%d]", i, j, k)
				if err := json.Unmarshal(raw, &ce.Money[k]); err != nil {
					p.Merge(path, err)
					bad[path] = true
				}
			}
			spec.Roles[i].Ceilings[j] = ce
		}
	}
	e, err := CompileEmpowerment(spec)
	if p.Len() == 0 {
		return e, err
	}
	var verr *kehu.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			if !bad[f.Field] {
				p.Add(f.Field, f.Rule, f.Message)
			}
		}
	}
	return nil, p.Err()
}

// Spec returns a copy of the policy as written.
func (e *Empowerment) Spec() EmpowermentSpec { return e.spec.clone() }

// Roles returns the roles the policy names, in its order.
func (e *Empowerment) Roles() []string {
	out := make([]string, len(e.spec.Roles))
	for i, r := range e.spec.Roles {
		out[i] = r.Role
	}
	return out
}

// checkRole refuses a role the policy does not name.
func (e *Empowerment) checkRole(role string) error {
	if _, ok := e.roles[role]; !ok {
		return kehu.Invalid("role", "unknown", fmt.Sprintf("%s is not a role of the empowerment policy", clip.Quote(role)))
	}
	return nil
}

// Ceiling returns what a role may grant one case of a customer in the band: the money
// ceilings, one per currency in the policy's order, and the points ceiling. A role the
// policy does not name, or a band it gives no ceiling, has none (nil, 0).
func (e *Empowerment) Ceiling(role string, band ValueBand) ([]kehu.Money, int64) {
	for _, r := range e.spec.Roles {
		if r.Role != role {
			continue
		}
		for _, c := range r.Ceilings {
			if c.Value == band {
				return slices.Clone(c.Money), c.Points
			}
		}
	}
	return nil, 0
}

// Covers reports whether the role may approve on its own authority a grant g for a case of a
// customer in the band that already has the grants given (of which those approved or
// granted count).
func (e *Empowerment) Covers(role string, band ValueBand, grants []Grant, g Grant) (bool, error) {
	return e.covers(role, band, grants, g)
}

func (e *Empowerment) covers(role string, band ValueBand, grants []Grant, g Grant) (bool, error) {
	ce, ok := e.roles[role][band]
	if !ok {
		return false, nil
	}
	if g.Type == CompensationPoints {
		total := g.Points
		for _, o := range grants {
			if o.ID != g.ID && o.Status.committed() && o.Type == CompensationPoints {
				var ok bool
				if total, ok = checked.Add(total, o.Points); !ok {
					return false, kehu.Invalid("points", "overflow", "the case's points do not fit in an int64")
				}
			}
		}
		return total <= ce.points, nil
	}
	limit, ok := ce.money[g.Money.Currency()]
	if !ok {
		return false, nil
	}
	total := g.Money.Amount()
	for _, o := range grants {
		if o.ID != g.ID && o.Status.committed() && o.Type != CompensationPoints && o.Money.Currency() == g.Money.Currency() {
			total = total.Add(o.Money.Amount())
		}
	}
	return total.Cmp(limit) <= 0, nil
}

// loadStrict decodes one JSON value from r into dst strictly (see strictjson.Decode):
// unknown fields, trailing data and more than max bytes are errors, as are a missing or
// empty reader; a problem with the document as a whole is on field, and a value that does
// not decode is named by its path in the document.
func loadStrict(r io.Reader, field string, max int, dst any) error {
	return strictjson.Decode(r, strictjson.Doc{
		Root:    field,
		Object:  "the object",
		Reading: "complaint: reading the " + field,
		Limit:   max,
	}, dst)
}
