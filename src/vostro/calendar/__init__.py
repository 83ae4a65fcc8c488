"""The operating day: business calendars, schedules and cut-offs per currency, and value dates."""
