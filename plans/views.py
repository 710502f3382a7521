from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from schools.selectors import scope_of

from .selectors import plan_list_for_home


@login_required
def home(request):
    """The plans the user can see."""
    context = {"plans": plan_list_for_home(request.user), "scope": scope_of(request.user)}
    return render(request, "plans/home.html", context)
