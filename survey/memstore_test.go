package survey_test

import (
	"testing"

	"github.com/kehu-crm/kehu/survey"
	"github.com/kehu-crm/kehu/survey/surveytest"
)

func TestMemoryStoreConformance(t *testing.T) {
	surveytest.Run(t, func(t *testing.T) survey.Store { return survey.NewMemoryStore() })
}

func TestZeroMemoryStore(t *testing.T) {
	surveytest.Run(t, func(t *testing.T) survey.Store { return new(survey.MemoryStore) })
}
