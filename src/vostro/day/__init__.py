"""The operating day of each currency: its opening, the release of warehoused payments, and its
end of day as a recorded procedure."""
