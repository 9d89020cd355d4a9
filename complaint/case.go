package complaint

import (
	"slices"
	"time"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/enum"
)

type caseKind struct{}

func (caseKind) KindName() string { return "case_id" }

// CaseID identifies a complaint case.
type CaseID = kehu.ID[caseKind]

// ParseCaseID parses a case ID.
func ParseCaseID(s string) (CaseID, error) { return kehu.ParseID[caseKind](s) }

// CaseIDFrom wraps a UUID as a CaseID.
var CaseIDFrom = kehu.IDFrom[caseKind]

// Channel is how a complaint reached the host, or, for a proactive case, how the host
// reaches the customer; replies, apologies and follow-ups name theirs.
type Channel string

// Channels.
const (
	Phone  Channel = "phone"
	Email  Channel = "email"
	Web    Channel = "web"
	Visit  Channel = "visit"
	Social Channel = "social"
	Letter Channel = "letter"
	Media  Channel = "media"
)

var channels = []Channel{Phone, Email, Web, Visit, Social, Letter, Media}

// Valid reports whether c is a declared channel.
func (c Channel) Valid() bool { return slices.Contains(channels, c) }

// ParseChannel reads a channel; anything else is a *kehu.ValidationError on "channel".
func ParseChannel(s string) (Channel, error) { return enum.Parse[Channel]("channel", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown channels.
func (c *Channel) UnmarshalText(b []byte) error { return enum.Unmarshal("channel", c, b) }

// Categories of the causes of complaints. A host may use codes of its own; these are the
// causes retail and service businesses meet most.
const (
	CategoryDefectiveProduct        = "defective_product"
	CategoryServiceHandling         = "service.handling"
	CategoryServiceAttitude         = "service.attitude"
	CategoryStaffMisconduct         = "service.staff_misconduct"
	CategoryInsufficientExplanation = "service.insufficient_explanation"
	CategoryMoneyError              = "service.money_error"
	CategoryPackaging               = "service.packaging"
	CategoryBrokenPromise           = "service.broken_promise"
	CategoryDelivery                = "service.delivery"
	CategoryLabelMismatch           = "service.label_mismatch"
	CategoryMisuse                  = "misuse_of_new_product"
)

// Case is a complaint case. Its exported fields are what any store keeps; only the
// Service changes a case, recording every change as a Step.
type Case struct {
	ID       CaseID          `json:"id"`
	Customer kehu.CustomerID `json:"customer"`
	Channel  Channel         `json:"channel"`
	// Words are the customer's own words; Remedy the remedy they ask for.
	Words  string `json:"words"`
	Remedy string `json:"remedy,omitempty"`
	// Proactive marks a case the host opened before the customer complained (see
	// Open.Proactive).
	Proactive bool `json:"proactive,omitempty"`
	// Category is the cause, a code such as CategoryDelivery or one of the host's.
	Category string `json:"category"`
	// Triage is what the priority was computed from, and Assessment the priority.
	Triage     Triage     `json:"triage"`
	Assessment Assessment `json:"assessment"`
	// ReplyBy is when the customer was promised an answer, if they were.
	ReplyBy time.Time `json:"reply_by,omitzero"`
	// ResponsibleParty is who is found responsible (a department, a supplier, the
	// customer), once assessed; Assignee who handles the case.
	ResponsibleParty string `json:"responsible_party,omitempty"`
	Assignee         string `json:"assignee,omitempty"`
	// Order and Interaction link the case to the host's order and to a crm interaction.
	Order       string `json:"order,omitempty"`
	Interaction string `json:"interaction,omitempty"`
	Status      Status `json:"status"`
	// Policy is the ID of the SLA policy the case is handled under (see Policies).
	Policy string `json:"policy,omitempty"`
	// MergedInto is the case this one was merged into.
	MergedInto CaseID `json:"merged_into,omitzero"`
	// Response is the customer's latest answer to a resolution: accepted (the case is
	// closed) or rejected, with the recourse they were offered (the case is investigated
	// again).
	Response *CustomerResponse `json:"response,omitempty"`
	// Crisis is the crisis plan of a complaint handled as a crisis (one in the media): who
	// alone speaks for the host, and the few messages agreed.
	Crisis *CrisisPlan `json:"crisis,omitempty"`
	// Reopens counts the times the case was reopened after it was resolved or closed, and
	// Escalations the times it was handed to a higher level.
	Reopens     int `json:"reopens,omitempty"`
	Escalations int `json:"escalations,omitempty"`
	// Recovery is what was done to win the customer back: apology, fixes, compensation,
	// follow-ups and satisfaction after recovery. Nil until the first recovery step.
	Recovery *Recovery `json:"recovery,omitempty"`
	// Steps is the audit trail, oldest first: every change with its actor, time and note.
	// It is append-only.
	Steps []Step `json:"steps"`
	// Version increases by one with every stored change.
	Version  int64     `json:"version"`
	OpenedAt time.Time `json:"opened_at"`
	// Key is the idempotency key of the command that opened the case.
	Key string `json:"key"`
}

// CustomerResponse is a customer's answer to the resolution of their case.
type CustomerResponse struct {
	Accepted bool      `json:"accepted"`
	At       time.Time `json:"at"`
	// Recourse is what the customer was offered when they rejected the resolution: a
	// review by a manager, an ombudsman, a consumer association.
	Recourse string `json:"recourse,omitempty"`
}

// MaxKeyMessages bounds the key messages of a crisis plan: a crisis is answered with a
// few messages that everyone repeats.
const MaxKeyMessages = 5

// CrisisPlan is how a complaint in the public eye is answered: by one spokesperson, with
// at most MaxKeyMessages agreed key messages.
type CrisisPlan struct {
	Spokesperson string    `json:"spokesperson"`
	KeyMessages  []string  `json:"key_messages"`
	At           time.Time `json:"at"`
}

// Clone returns a deep copy.
func (c *Case) Clone() *Case {
	if c == nil {
		return nil
	}
	out := *c
	out.Steps = slices.Clone(c.Steps)
	if c.Response != nil {
		r := *c.Response
		out.Response = &r
	}
	if c.Crisis != nil {
		p := *c.Crisis
		p.KeyMessages = slices.Clone(p.KeyMessages)
		out.Crisis = &p
	}
	out.Recovery = c.Recovery.Clone()
	return &out
}

// Action names what a step did.
type Action string

// Actions.
const (
	Opened     Action = "opened"
	Moved      Action = "moved"
	Escalated  Action = "escalated"
	Reassigned Action = "reassigned"
	MergedStep Action = "merged"
	// Answered: the customer accepted or rejected the resolution.
	Answered Action = "answered"
	// Noted: an internal note, which the customer does not see.
	Noted Action = "noted"
	// Replied: a public reply to the customer, on any channel (a logged phone call too).
	Replied Action = "replied"
	// AutoReplied: an automatic message to the customer, such as an acknowledgement of
	// receipt; it answers nothing, so it stops no SLA clock.
	AutoReplied Action = "auto_replied"
	// CustomerWrote: a message from the customer.
	CustomerWrote Action = "customer_wrote"
	// PolicyChanged: the case is handled under another SLA policy from now on.
	PolicyChanged Action = "policy_changed"
	// Reassessed: the triage changed, and with it the priority.
	Reassessed Action = "reassessed"
	// ResponsibilityFound: who is responsible was established (or revised).
	ResponsibilityFound Action = "responsibility_found"
	// CrisisPlanned: the crisis plan was set or changed.
	CrisisPlanned Action = "crisis_planned"
)

// Step is one entry of a case's audit trail.
type Step struct {
	Action Action    `json:"action"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"`
	// From and To are the statuses around a move (equal for steps that keep the status).
	From Status `json:"from,omitempty"`
	To   Status `json:"to"`
	Note string `json:"note,omitempty"`
	// Channel is the channel of a reply or of a customer's message.
	Channel Channel `json:"channel,omitempty"`
	// Policy and Priority are the SLA policy and the priority in force from this step on:
	// set on the opening step, a policy change and a reassessment.
	Policy   string   `json:"policy,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	// Key is the idempotency key of the command that made the step, and Digest a
	// fingerprint of what it asked.
	Key    string `json:"key,omitempty"`
	Digest string `json:"digest,omitempty"`
}
