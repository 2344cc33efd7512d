"""Everything that knows OR-Tools CP-SAT lives in this package."""

from .solve import SolverSettings, solve_rhythm

__all__ = ["SolverSettings", "solve_rhythm"]
