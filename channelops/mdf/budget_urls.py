"""MDF budget, report, exchange-rate and results pages: the console's under /console/mdf/
(``console_patterns``), the portal's under /portal/mdf/ (``portal_patterns``)."""

from django.urls import path

from . import budget_views as views

console_patterns = [
    path("mdf/budgets/", views.console_budgets, name="mdf_budgets"),
    path("mdf/budgets/report/", views.console_budget_report, name="mdf_budget_report"),
    path(
        "mdf/budgets/report/export.<str:fmt>",
        views.console_budget_report_export,
        name="mdf_budget_report_export",
    ),
    path("mdf/budgets/<int:pk>/", views.console_budget, name="mdf_budget"),
    path("mdf/budgets/<int:pk>/allocations/", views.console_allocation_add, name="mdf_allocation_add"),
    path(
        "mdf/budgets/<int:pk>/allocations/<int:allocation_id>/",
        views.console_allocation_change,
        name="mdf_allocation_change",
    ),
    path(
        "mdf/budgets/<int:pk>/allocations/<int:allocation_id>/remove/",
        views.console_allocation_remove,
        name="mdf_allocation_remove",
    ),
    path("mdf/exchange-rates/", views.console_exchange_rates, name="mdf_exchange_rates"),
    path("mdf/results/", views.console_results, name="mdf_results"),
    path("mdf/results/export/<slug:by>.<str:fmt>", views.console_results_export, name="mdf_results_export"),
    path("mdf/results/<str:number>/", views.console_results_correct, name="mdf_results_correct"),
]

portal_patterns = [
    path("mdf/results/<str:number>/", views.portal_results, name="mdf_results"),
]
