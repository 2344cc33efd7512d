"""The rhythm and lesson problems and their answers as plain data (no solver)."""
