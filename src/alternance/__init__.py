"""alternance: plan French apprenticeship calendars with CP-SAT and publish them as iCalendar feeds."""

__version__ = "0.1.0"
