"""Exports for the directorate: dashboard tables, the expert register, the annual summary."""
