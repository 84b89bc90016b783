"""Alignment views, one module per subject (core pages, matrix, assessments, dashboard)."""
