package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/fingerprint"
)

// Reasons a customer is suggested as a duplicate.
const (
	SameEmail = "same_email"
	SamePhone = "same_phone"
	SameName  = "same_name"
)

// DuplicateCandidate is a customer that may be the same person or business as another.
type DuplicateCandidate struct {
	Customer *Customer
	// Reasons lists what the two share: SameEmail, SamePhone, SameName.
	Reasons []string
	// NameSimilarity is the Dice coefficient of the two names' character bigrams, from 0
	// (nothing in common) to 1 (same name key).
	NameSimilarity float64
	// Score ranks candidates from 0 to 1: each shared email (0.9), phone (0.8) or name key
	// (0.5) is independent evidence, combined as 1 − Π(1 − wᵢ), then weighted by name
	// similarity, so that a household sharing one landline ranks below a true duplicate.
	Score float64
}

// FindDuplicates returns the customers that share a normalised email, a phone number or a
// name key (see NameKeys: the same name written in another order, spacing or script) with
// the customer, best candidates first. Tombstones are never returned.
func (s *Service) FindDuplicates(ctx context.Context, id CustomerID) ([]DuplicateCandidate, error) {
	c, err := s.store.GetCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	found := map[CustomerID]*DuplicateCandidate{}
	add := func(field LookupField, value, reason string) error {
		hits, err := s.store.LookupCustomers(ctx, field, value)
		if err != nil {
			return err
		}
		for _, h := range hits {
			if h.ID == c.ID {
				continue
			}
			d := found[h.ID]
			if d == nil {
				d = &DuplicateCandidate{Customer: h}
				found[h.ID] = d
			}
			if !slices.Contains(d.Reasons, reason) {
				d.Reasons = append(d.Reasons, reason)
			}
		}
		return nil
	}
	for _, e := range c.Emails {
		if err := add(LookupEmail, e.Address, SameEmail); err != nil {
			return nil, err
		}
	}
	for _, p := range c.Phones {
		if err := add(LookupPhone, p.Number, SamePhone); err != nil {
			return nil, err
		}
	}
	for _, k := range NameKeys(c.Name) {
		if err := add(LookupNameKey, k, SameName); err != nil {
			return nil, err
		}
	}
	out := make([]DuplicateCandidate, 0, len(found))
	for _, d := range found {
		d.NameSimilarity = nameSimilarity(c.Name, d.Customer.Name)
		miss := 1.0
		for _, r := range d.Reasons {
			switch r {
			case SameEmail:
				miss *= 1 - 0.9
			case SamePhone:
				miss *= 1 - 0.8
			case SameName:
				miss *= 1 - 0.5
			}
		}
		d.Score = (1 - miss) * (0.5 + 0.5*d.NameSimilarity)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Customer.ID.Compare(out[j].Customer.ID) < 0
	})
	return out, nil
}

// nameSimilarity is the best Dice coefficient of character bigrams between any name key of
// a and any of b.
func nameSimilarity(a, b Name) float64 {
	best := 0.0
	for _, x := range NameKeys(a) {
		for _, y := range NameKeys(b) {
			best = max(best, dice(x, y))
		}
	}
	return best
}

func dice(a, b string) float64 {
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 2 || len(rb) < 2 {
		return 0
	}
	grams := make(map[[2]rune]int, len(ra))
	for i := 0; i+1 < len(ra); i++ {
		grams[[2]rune{ra[i], ra[i+1]}]++
	}
	shared := 0
	for i := 0; i+1 < len(rb); i++ {
		g := [2]rune{rb[i], rb[i+1]}
		if grams[g] > 0 {
			grams[g]--
			shared++
		}
	}
	return 2 * float64(shared) / float64(len(ra)-1+len(rb)-1)
}

// Merge folds a duplicate into a survivor (data cleansing), in one atomic step:
// the survivor gains the duplicate's emails, phones, addresses, tags, interests and the
// attributes and profile fields it lacks, the newer of each consent, and all of the
// duplicate's interactions and history; the duplicate becomes a tombstone whose MergedInto
// points at the survivor and whose contacts are cleared so lookups find the survivor. Both
// sides record the merge in their audit history. The survivor keeps its own stage.
//
// The key, when given, is the survivor's (keys are unique per customer): a repeat of the
// merge, the same survivor and duplicate under the same key, merges nothing more and
// returns the survivor as it is — also when it raced the first attempt, or came after it,
// and so finds the duplicate already merged: the key answers before ErrMerged or any other
// rule does. The key used before for another command of the survivor (another duplicate, a
// profile update) fails with kehu.ErrKeyReused and merges nothing.
func (s *Service) Merge(ctx context.Context, survivor, duplicate CustomerID, opt *UpdateOptions) (*Customer, error) {
	var o UpdateOptions
	if opt != nil {
		o = *opt
	}
	var probs kehu.Problems
	if survivor == duplicate {
		probs.Add("duplicate", "distinct", "a customer cannot be merged into itself")
	}
	o.check(ctx, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var (
		out    *Customer
		ch     *Change
		region = s.region
		digest string
		ruled  bool // the error, if any, is the service's own ruling, not the store's
	)
	if o.Key != "" {
		digest = mergeDigest(survivor, duplicate)
	}
	err := s.store.MergeCustomers(ctx, survivor, duplicate, func(sv, dup *Customer) (*Change, *Change, error) {
		ruled = true
		for _, c := range []*Customer{sv, dup} {
			switch {
			case c.IsTombstone():
				return nil, nil, fmt.Errorf("customer %s merged into %s: %w", c.ID, c.MergedInto, ErrMerged)
			case !c.ErasedAt.IsZero():
				return nil, nil, fmt.Errorf("customer %s: %w", c.ID, ErrErased)
			}
		}
		if o.IfVersion != 0 && sv.Version != o.IfVersion {
			return nil, nil, fmt.Errorf("customer %s is at version %d, not %d: %w", sv.ID, sv.Version, o.IfVersion, kehu.ErrConflict)
		}
		sBefore, dBefore := sv.Clone(), dup.Clone()
		absorb(sv, dup)
		if err := sv.Profile.Normalize(region); err != nil {
			return nil, nil, err
		}
		now := s.opts.Now()
		dup.Emails, dup.Phones, dup.Addresses = nil, nil, nil
		dup.MergedInto = sv.ID
		sv.Version, dup.Version = sBefore.Version+1, dBefore.Version+1
		sv.UpdatedAt, dup.UpdatedAt = now, now
		reason := o.Reason
		if reason == "" {
			reason = "merged duplicate " + dup.ID.String()
		}
		ch = s.change(ctx, sv, ActionMerge, reason, o.Key, Diff(sBefore, sv))
		ch.Digest = digest
		dch := s.change(ctx, dup, ActionMerged, reason, "", Diff(dBefore, dup))
		out = sv.Clone()
		ruled = false
		return ch, dch, nil
	})
	if err != nil && o.Key != "" && (ruled || errors.Is(err, kehu.ErrDuplicate)) {
		// A retry that raced its first attempt, or came after it, finds the duplicate
		// already a tombstone (ErrMerged) or the key used: the first result answers before
		// any rule does. Without an entry under the key the error is the merge's own.
		if c, done, rerr := s.replayMerge(ctx, survivor, duplicate, o.Key, digest); done {
			return c, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return out, s.publish(ctx, CustomerEvent{
		Name: EventCustomersMerged, CustomerID: out.ID, Version: out.Version, At: ch.At,
		Actor: ch.Actor, Other: duplicate, Fields: fieldNames(ch.Fields),
	})
}

// mergeDigest fingerprints a merge: which customer goes into which.
func mergeDigest(survivor, duplicate CustomerID) string {
	return fingerprint.Of("crm-merge", struct {
		Survivor  CustomerID `json:"survivor"`
		Duplicate CustomerID `json:"duplicate"`
	}{survivor, duplicate})
}

// replayMerge answers a merge whose key the survivor's history may already hold: the
// survivor as it is if the entry with the key is this merge, else kehu.ErrKeyReused. done
// is false when no entry holds the key. An entry written before merges kept a digest is
// this merge if it is a merge and the duplicate is merged into the survivor.
func (s *Service) replayMerge(ctx context.Context, survivor, duplicate CustomerID, key, digest string) (c *Customer, done bool, err error) {
	first, err := s.changeByKey(ctx, survivor, key)
	if errors.Is(err, kehu.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	same := first.Action == ActionMerge
	switch {
	case same && first.Digest != "":
		same = first.Digest == digest
	case same:
		d, err := s.store.GetCustomer(ctx, duplicate)
		if err != nil && !errors.Is(err, kehu.ErrNotFound) {
			return nil, true, err
		}
		same = d != nil && d.MergedInto == survivor
	}
	if !same {
		return nil, true, fmt.Errorf("merge of customer %s into %s with key %q: %w", duplicate, survivor, key, kehu.ErrKeyReused)
	}
	c, err = s.store.GetCustomer(ctx, survivor)
	return c, true, err
}

// absorb moves into sv what dup holds and sv lacks.
func absorb(sv, dup *Customer) {
	for _, e := range dup.Emails {
		e.Primary = false
		sv.Emails = append(sv.Emails, e)
	}
	for _, p := range dup.Phones {
		p.Primary = false
		sv.Phones = append(sv.Phones, p)
	}
	for _, a := range dup.Addresses {
		if !slices.ContainsFunc(sv.Addresses, func(b Address) bool { return b.String() == a.String() }) {
			a.Primary = false
			sv.Addresses = append(sv.Addresses, a)
		}
	}
	sv.Tags = append(sv.Tags, dup.Tags...)
	sv.Interests = append(sv.Interests, dup.Interests...)
	sv.Preferences.Notes = append(sv.Preferences.Notes, dup.Preferences.Notes...)
	for k, v := range dup.Attributes {
		if _, ok := sv.Attributes[k]; !ok {
			if sv.Attributes == nil {
				sv.Attributes = map[string]AttrValue{}
			}
			sv.Attributes[k] = v
		}
	}
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&sv.Name.Family, dup.Name.Family)
	fill(&sv.Name.Given, dup.Name.Given)
	fill(&sv.Name.Phonetic, dup.Name.Phonetic)
	fill(&sv.Company, dup.Company)
	fill(&sv.JobTitle, dup.JobTitle)
	fill(&sv.Owner, dup.Owner)
	fill(&sv.Acquisition.Source, dup.Acquisition.Source)
	fill(&sv.Acquisition.Channel, dup.Acquisition.Channel)
	fill(&sv.Preferences.Language, dup.Preferences.Language)
	fill(&sv.Demographics.Occupation, dup.Demographics.Occupation)
	fill(&sv.Demographics.IncomeBand, dup.Demographics.IncomeBand)
	if sv.Demographics.BirthDate.IsZero() {
		sv.Demographics.BirthDate = dup.Demographics.BirthDate
	}
	if sv.Demographics.Gender == "" {
		sv.Demographics.Gender = dup.Demographics.Gender
	}
	if sv.Demographics.Education == "" {
		sv.Demographics.Education = dup.Demographics.Education
	}
	if sv.DISC == "" {
		sv.DISC = dup.DISC
	}
	if sv.Preferences.Channel == "" {
		sv.Preferences.Channel = dup.Preferences.Channel
	}
	for _, k := range dup.Consents {
		i := slices.IndexFunc(sv.Consents, func(x Consent) bool { return x.Channel == k.Channel && x.Purpose == k.Purpose })
		switch {
		case i < 0:
			sv.Consents = append(sv.Consents, k)
		case k.At.After(sv.Consents[i].At):
			sv.Consents[i] = k
		}
	}
}
