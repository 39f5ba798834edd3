"""Partner Center's own formats: the Referrals API (/v1.0/engagements/), its bulk CSV and its
webhook events, mapped onto the portal's opportunities, leads and deal registrations
(see docs/partner-center.md)."""
