"""Demo people and partners (``manage.py seed_demo``). Idempotent: safe to run again."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from .models import Membership, Partner, Seller, SolutionArea

DEMO_PASSWORD = "cosell-demo"

PARTNERS = [
    {
        "key": "contoso",
        "name": "Contoso Analytics",
        "partner_id": "4100001",
        "country": "US",
        "business_profile_complete": True,
        "solutions_partner_designation": True,
        "isv_connect_tier": Partner.IsvConnectTier.STANDARD,
        "sa_vetted": True,
        "acr_trailing_12m_usd": Decimal("250000.00"),
    },
    {
        "key": "fabrikam",
        "name": "Fabrikam 云科技",
        "partner_id": "4100002",
        "country": "CN",
        "business_profile_complete": True,
        "solutions_partner_designation": False,
        "isv_connect_tier": Partner.IsvConnectTier.NONE,
        "sa_vetted": False,
        "acr_trailing_12m_usd": Decimal("40000.00"),
    },
]


def _user(username: str, *, email: str, first: str, last: str, staff: bool = False):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    user.email, user.first_name, user.last_name = email, first, last
    user.is_active = True
    user.is_staff = user.is_superuser = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def seed() -> list[tuple[str, str]]:
    """Create or refresh the demo people; return (login, what it is) pairs."""
    logins = []
    for spec in PARTNERS:
        spec = dict(spec)
        key = spec.pop("key")
        partner, _ = Partner.objects.update_or_create(partner_id=spec["partner_id"], defaults=spec)
        for role, label in ((Membership.Role.ADMIN, "admin"), (Membership.Role.MEMBER, "user")):
            username = f"{key}-{label}"
            user = _user(
                username,
                email=f"{username}@{key}.example",
                first=key.title(),
                last=label.title(),
            )
            Membership.objects.update_or_create(
                user=user, defaults={"partner": partner, "role": role}
            )
            logins.append((username, f"partner {label} of {partner.name}"))
    seller_user = _user(
        "seller", email="seller@microsoft.example", first="Mei", last="Lin (Microsoft)"
    )
    Seller.objects.update_or_create(
        user=seller_user,
        defaults={
            "countries": ["US", "CN"],
            "solution_areas": SolutionArea.values,
            "is_sa_team": True,
        },
    )
    logins.append(("seller", "Microsoft seller (US, CN; all solution areas; SA team)"))
    _user("admin", email="admin@cosell.example", first="Portal", last="Admin", staff=True)
    logins.append(("admin", "admin (staff): Django admin at /admin/"))
    return logins
