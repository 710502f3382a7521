from .selectors import scope_of


def scope(request):
    """The signed-in user's scope, for the navigation bar and every page."""
    user = getattr(request, "user", None)
    return {"scope": scope_of(user) if user is not None else None}
