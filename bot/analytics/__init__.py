"""The staff's analytics dashboard (issue 12): counts of the period's messages, rates and
the time to a counsellor's first reply, as tables, SVG charts and CSV; counts below 5 are
never shown (`suppress`). Only counts: no message text ever leaves the database here."""
