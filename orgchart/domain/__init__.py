"""The domain: event values, dates and the rules of a valid history."""
