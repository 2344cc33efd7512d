"""Calendar facts: weeks, holidays, closures and time zones (pure, no solver)."""
