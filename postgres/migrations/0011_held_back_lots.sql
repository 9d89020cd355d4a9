-- held_back_lots: loyalty_lots_pending holds only the lots held back after they were earned.
--
-- A lot is pending at an instant before its available_at. Most lots are available when
-- they are earned (available_at = earned_at), so they are pending only at instants before
-- they were earned: a command dated before an earlier one, or a clock behind another's.
-- Those lots are found through loyalty_lots_oldest, whose range of earned_at after the
-- instant holds them; loyalty_lots_pending keeps the lots held back past the instant they
-- were earned (a programme's holding period), so that an earn's lots, when the programme
-- holds nothing back, no longer go into a third index over open lots.
DROP INDEX loyalty_lots_pending;

CREATE INDEX loyalty_lots_pending ON loyalty_lots (program, customer, point_type, available_at)
    WHERE remaining > 0 AND available_at > earned_at;
