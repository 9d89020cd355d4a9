package crm

import (
	"time"

	"github.com/kehu-crm/kehu/internal/enum"
)

// Stage is a customer's lifecycle stage: 意向 intent, 潜在 potential, active,
// 重点 key, dormant and 终止合作 terminated.
type Stage string

// Lifecycle stages.
const (
	StageIntent     Stage = "intent"     // 意向客户: has shown interest, not yet qualified
	StagePotential  Stage = "potential"  // 潜在客户: qualified, has not bought yet
	StageActive     Stage = "active"     // buying
	StageKey        Stage = "key"        // 重点客户: high value, managed closely
	StageDormant    Stage = "dormant"    // has stopped buying for a while
	StageTerminated Stage = "terminated" // 终止合作客户: the relationship has ended
)

// Stages lists every stage in lifecycle order.
func Stages() []Stage {
	return []Stage{StageIntent, StagePotential, StageActive, StageKey, StageDormant, StageTerminated}
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	switch s {
	case StageIntent, StagePotential, StageActive, StageKey, StageDormant, StageTerminated:
		return true
	}
	return false
}

// ParseStage parses a stage name such as "key".
func ParseStage(s string) (Stage, error) { return enum.Parse[Stage]("stage", s) }

// UnmarshalText implements encoding.TextUnmarshaler and rejects unknown stages.
func (s *Stage) UnmarshalText(b []byte) error { return enum.Unmarshal("stage", s, b) }

// CanMoveTo reports whether the lifecycle allows a move from s to to. The allowed moves:
//
//	intent     → potential, active, terminated
//	potential  → intent, active, terminated
//	active     → key, dormant, terminated
//	key        → active, dormant, terminated
//	dormant    → active, key, terminated
//	terminated → potential, active (won back)
//
// A customer never returns to intent once buying, and a terminated relationship restarts
// as potential or active, never directly as key.
func (s Stage) CanMoveTo(to Stage) bool {
	for _, t := range s.Next() {
		if t == to {
			return true
		}
	}
	return false
}

// Next lists the stages s may move to.
func (s Stage) Next() []Stage {
	switch s {
	case StageIntent:
		return []Stage{StagePotential, StageActive, StageTerminated}
	case StagePotential:
		return []Stage{StageIntent, StageActive, StageTerminated}
	case StageActive:
		return []Stage{StageKey, StageDormant, StageTerminated}
	case StageKey:
		return []Stage{StageActive, StageDormant, StageTerminated}
	case StageDormant:
		return []Stage{StageActive, StageKey, StageTerminated}
	case StageTerminated:
		return []Stage{StagePotential, StageActive}
	}
	return nil
}

// StageChange is one entry of a customer's stage history.
type StageChange struct {
	From   Stage     `json:"from,omitempty"`
	To     Stage     `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
}
