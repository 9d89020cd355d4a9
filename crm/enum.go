package crm

import "github.com/kehu-crm/kehu/internal/enum"

// PartyKind says whether a customer is a person or a business.
type PartyKind string

// Party kinds.
const (
	Person   PartyKind = "person"
	Business PartyKind = "business"
)

// Valid reports whether k is a known kind.
func (k PartyKind) Valid() bool { return k == Person || k == Business }

// ParsePartyKind parses "person" or "business".
func ParsePartyKind(s string) (PartyKind, error) { return enum.Parse[PartyKind]("kind", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (k *PartyKind) UnmarshalText(b []byte) error { return enum.Unmarshal("kind", k, b) }

// Gender as the customer states it. The zero value means not recorded.
type Gender string

// Genders.
const (
	GenderFemale      Gender = "female"
	GenderMale        Gender = "male"
	GenderOther       Gender = "other"
	GenderUndisclosed Gender = "undisclosed"
)

// Valid reports whether g is a known value or unset.
func (g Gender) Valid() bool {
	switch g {
	case "", GenderFemale, GenderMale, GenderOther, GenderUndisclosed:
		return true
	}
	return false
}

// ParseGender parses a gender.
func ParseGender(s string) (Gender, error) { return enum.Parse[Gender]("gender", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (g *Gender) UnmarshalText(b []byte) error { return enum.Unmarshal("gender", g, b) }

// Education is the highest level of education completed. The zero value means not recorded.
type Education string

// Education levels.
const (
	EducationPrimary    Education = "primary"
	EducationSecondary  Education = "secondary"
	EducationVocational Education = "vocational"
	EducationBachelor   Education = "bachelor"
	EducationMaster     Education = "master"
	EducationDoctorate  Education = "doctorate"
)

// Valid reports whether e is a known value or unset.
func (e Education) Valid() bool {
	switch e {
	case "", EducationPrimary, EducationSecondary, EducationVocational, EducationBachelor,
		EducationMaster, EducationDoctorate:
		return true
	}
	return false
}

// ParseEducation parses an education level.
func ParseEducation(s string) (Education, error) { return enum.Parse[Education]("education", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (e *Education) UnmarshalText(b []byte) error { return enum.Unmarshal("education", e, b) }

// DISC is the customer's communication style on the DISC model, recorded as a hint for
// account managers. The zero value means not assessed.
type DISC string

// DISC styles, with the animals Chinese sales training uses for them.
const (
	DISCDominance         DISC = "d" // 老虎 tiger: direct, decisive, results first
	DISCInfluence         DISC = "i" // 孔雀 peacock: outgoing, enthusiastic, wants recognition
	DISCSteadiness        DISC = "s" // 考拉 koala: patient, loyal, dislikes sudden change
	DISCConscientiousness DISC = "c" // 猫头鹰 owl: precise, analytical, wants facts
)

// Valid reports whether d is a known style or unset.
func (d DISC) Valid() bool {
	switch d {
	case "", DISCDominance, DISCInfluence, DISCSteadiness, DISCConscientiousness:
		return true
	}
	return false
}

// ParseDISC parses "D", "I", "S" or "C" (any case).
func ParseDISC(s string) (DISC, error) { return enum.Parse[DISC]("disc", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (d *DISC) UnmarshalText(b []byte) error { return enum.Unmarshal("disc", d, b) }

// Hint returns the advice an account manager reads for the style.
func (d DISC) Hint() string {
	switch d {
	case DISCDominance:
		return "tiger: be brief and direct, lead with results and options"
	case DISCInfluence:
		return "peacock: be warm and lively, recognise them, share the big picture"
	case DISCSteadiness:
		return "koala: be patient and reassuring, explain changes step by step"
	case DISCConscientiousness:
		return "owl: be precise, bring data and details, give time to decide"
	}
	return ""
}

// Channel is a way of contacting a customer.
type Channel string

// Contact channels.
const (
	ChannelPhone  Channel = "phone"
	ChannelEmail  Channel = "email"
	ChannelSMS    Channel = "sms"
	ChannelWeb    Channel = "web"
	ChannelVisit  Channel = "visit" // face to face
	ChannelSocial Channel = "social"
	ChannelLetter Channel = "letter"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelPhone, ChannelEmail, ChannelSMS, ChannelWeb, ChannelVisit, ChannelSocial, ChannelLetter:
		return true
	}
	return false
}

// ParseChannel parses a channel name.
func ParseChannel(s string) (Channel, error) { return enum.Parse[Channel]("channel", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (c *Channel) UnmarshalText(b []byte) error { return enum.Unmarshal("channel", c, b) }

// ConsentChannel is a channel that consent is given or withdrawn for.
type ConsentChannel string

// Consent channels.
const (
	ConsentEmail ConsentChannel = "email"
	ConsentSMS   ConsentChannel = "sms"
	ConsentPhone ConsentChannel = "phone"
	ConsentPost  ConsentChannel = "post"
	// ConsentSocial governs messages on social platforms and messengers (a WeChat
	// account's messages, a direct message): electronic marketing like email and SMS.
	ConsentSocial ConsentChannel = "social"
)

// Valid reports whether c is a known consent channel.
func (c ConsentChannel) Valid() bool {
	switch c {
	case ConsentEmail, ConsentSMS, ConsentPhone, ConsentPost, ConsentSocial:
		return true
	}
	return false
}

// ParseConsentChannel parses a consent channel.
func ParseConsentChannel(s string) (ConsentChannel, error) {
	return enum.Parse[ConsentChannel]("consent_channel", s)
}

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (c *ConsentChannel) UnmarshalText(b []byte) error {
	return enum.Unmarshal("consent_channel", c, b)
}

// ConsentChannel returns the consent channel that governs an outbound contact on c, and false
// for channels that need no channel consent (web, where the customer comes to the host, and
// visit, face to face).
func (c Channel) ConsentChannel() (ConsentChannel, bool) {
	switch c {
	case ChannelEmail:
		return ConsentEmail, true
	case ChannelSMS:
		return ConsentSMS, true
	case ChannelPhone:
		return ConsentPhone, true
	case ChannelLetter:
		return ConsentPost, true
	case ChannelSocial:
		return ConsentSocial, true
	}
	return "", false
}

// Purpose is why a customer is contacted.
type Purpose string

// Purposes.
const (
	PurposeMarketing Purpose = "marketing"
	PurposeService   Purpose = "service"
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return p == PurposeMarketing || p == PurposeService }

// ParsePurpose parses a purpose.
func ParsePurpose(s string) (Purpose, error) { return enum.Parse[Purpose]("purpose", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (p *Purpose) UnmarshalText(b []byte) error { return enum.Unmarshal("purpose", p, b) }

// Direction says who started an interaction.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"  // the customer contacted us
	Outbound Direction = "outbound" // we contacted the customer
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Inbound || d == Outbound }

// ParseDirection parses a direction.
func ParseDirection(s string) (Direction, error) { return enum.Parse[Direction]("direction", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (d *Direction) UnmarshalText(b []byte) error { return enum.Unmarshal("direction", d, b) }

// Urgency of an interaction that needs a reply, as a phone-service record notes it.
type Urgency string

// Urgency levels, lowest first.
const (
	UrgencyLow    Urgency = "low"
	UrgencyNormal Urgency = "normal"
	UrgencyHigh   Urgency = "high"
	UrgencyUrgent Urgency = "urgent"
)

// Valid reports whether u is a known level.
func (u Urgency) Valid() bool {
	switch u {
	case UrgencyLow, UrgencyNormal, UrgencyHigh, UrgencyUrgent:
		return true
	}
	return false
}

// ParseUrgency parses an urgency level.
func ParseUrgency(s string) (Urgency, error) { return enum.Parse[Urgency]("urgency", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown values.
func (u *Urgency) UnmarshalText(b []byte) error { return enum.Unmarshal("urgency", u, b) }
