from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cards.policy import may_act_somewhere
from cards.roles import Role, is_staff_member, roles_of
from reports.access import can_view_reports

from .second_factor import owes_second_factor


def navigation(request):
    """Links for the top bar, by role. Apps add their entries here as they grow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = []
    if is_staff_member(user):
        links.append((reverse("warranty:list"), _("Cases")))
        links.append((reverse("cards:list"), _("Cards")))
        links.append((reverse("reader_bridge:desk"), _("Reader")))
    if may_act_somewhere(user, "extend"):
        links.append((reverse("reader_bridge:batch-home"), _("Batch extension")))
    if can_view_reports(user):
        links.append((reverse("reports:index"), _("Reports")))
    if hasattr(user, "holder"):
        links.append((reverse("warranty:mine"), _("My cards and cases")))
    if user.is_superuser or user.is_staff:
        links.append((reverse("admin:index"), _("Administration")))
    return {
        "nav_links": links,
        "user_roles": sorted(Role(r).label for r in roles_of(user)),
        "second_factor_url": reverse("otp-enrol") if owes_second_factor(user) else None,
    }
