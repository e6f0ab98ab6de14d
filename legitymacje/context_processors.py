from django.utils.translation import gettext_lazy as _

from cards.policy import may_act_somewhere
from cards.roles import Role, is_staff_member, roles_of
from reports.access import can_view_reports

from .links import page_url
from .second_factor import owes_second_factor


def navigation(request):
    """Links for the top bar, by role. Apps add their entries here as they grow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = []
    if is_staff_member(user):
        links.append((page_url("warranty:list"), _("Cases")))
        links.append((page_url("cards:list"), _("Cards")))
        links.append((page_url("reader_bridge:desk"), _("Reader")))
    if may_act_somewhere(user, "extend"):
        links.append((page_url("reader_bridge:batch-home"), _("Batch extension")))
    if can_view_reports(user):
        links.append((page_url("reports:index"), _("Reports")))
    if hasattr(user, "holder"):
        links.append((page_url("warranty:mine"), _("My cards and cases")))
    if user.is_superuser or user.is_staff:
        links.append((page_url("admin:index"), _("Administration")))
    return {
        "nav_links": links,
        "user_roles": sorted(Role(r).label for r in roles_of(user)),
        "second_factor_url": page_url("otp-enrol") if owes_second_factor(user) else None,
    }
