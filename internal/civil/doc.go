// Package civil holds kehu's one definition of calendar arithmetic on the proleptic
// Gregorian calendar: day numbers (days since 1970-01-01) to and from year, month and day,
// leap years, month lengths and floor division. The day-number conversions are H.
// Hinnant's days_from_civil and civil_from_days ("chrono-Compatible Low-Level Date
// Algorithms"); they are exact for every year whose day number fits in an int64 with room
// to spare (|year| < 2^50), including year 0 (1 BC) and negative years, as time.Date counts
// them.
package civil
