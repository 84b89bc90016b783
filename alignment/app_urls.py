"""URLs of the alignment app (namespace `alignment:`); the project's root is alignment/urls.py."""

from __future__ import annotations

from django.urls import path  # noqa: F401  (each block below adds its paths)

app_name = "alignment"

urlpatterns: list = [
    # --- matrix, heatmap and links (alignment/views/matrix.py) ---
    # --- end matrix ---
    # --- impact assessments and friction budgets (alignment/views/assessments.py) ---
    # --- end assessments ---
    # --- dashboard (alignment/views/dashboard.py) ---
    # --- end dashboard ---
]
