from __future__ import annotations

from django.urls import path

from business_cases import views

app_name = "business_cases"

urlpatterns = [
    path("business-cases/", views.case_list, name="case-list"),
    path("business-cases/portfolio.csv", views.portfolio_csv, name="portfolio-csv"),
    path("business-cases/new/", views.case_new, name="case-new"),
    path("budget/", views.budget_page, name="budget"),
    path("budget/envelope/", views.envelope_set, name="envelope-set"),
    path("budget/spend/", views.spend_add, name="spend-add"),
    path("budget/spend/import/", views.spend_import, name="spend-import"),
    path("budget/spend/template.csv", views.spend_template, name="spend-template"),
    path(
        "initiatives/<int:initiative_id>/business-case/new/",
        views.case_create,
        name="case-create",
    ),
    path("business-cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("business-cases/<int:case_id>/edit/", views.case_edit, name="case-edit"),
    path("business-cases/<int:case_id>/figures/", views.case_figures, name="case-figures"),
    path("business-cases/<int:case_id>/submit/", views.case_submit, name="case-submit"),
    path("business-cases/<int:case_id>/revise/", views.case_revise, name="case-revise"),
    path("business-cases/<int:case_id>/decide/", views.case_decide, name="case-decide"),
    path("business-cases/<int:case_id>/history/", views.case_history, name="case-history"),
    path("business-cases/<int:case_id>/print/", views.case_print, name="case-print"),
    path("business-cases/<int:case_id>/case.pdf", views.case_pdf, name="case-pdf"),
]
