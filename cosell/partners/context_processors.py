def role(request):
    """The signed-in person's role and partner, for navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role": "none", "current_partner": None}
    return {"role": str(user.role), "current_partner": user.partner}
