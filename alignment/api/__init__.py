"""The REST API under /api/v1/ (Django REST framework) and the personal access tokens
that open it. Every queryset starts from the model's `visible_to(user)`, every object
comes through the model's `get_…_for` helper, and every write through the same model
functions as the pages, so the API can never allow what a page refuses."""
