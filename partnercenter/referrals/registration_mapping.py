"""A deal registration as the Referral's ``registrations`` and ``registrationStatus``."""

from registrations.models import DealRegistration

from .formats import day, instant

REGISTRATION_STATUS = {
    DealRegistration.State.REGISTRATION_PENDING: "RegistrationPending",
    DealRegistration.State.APPROVED: "Approved",
    DealRegistration.State.REVIEW_PENDING: "ReviewPending",
    DealRegistration.State.REVIEW_PASSED: "ReviewPassed",
    DealRegistration.State.REVIEW_FAILED: "ReviewFailed",
    DealRegistration.State.ACTION_REQUIRED: "ActionRequired",
    DealRegistration.State.CLOSED: "Closed",
}


def registrations(registration) -> dict:
    if registration is None:
        return {}
    opportunity = registration.opportunity
    offer = next((s for s in opportunity.solutions.all() if s.offer_id), None)
    status = REGISTRATION_STATUS.get(registration.state, registration.state)
    return {
        "registrationStatus": status,
        "registrations": [
            {
                "id": f"registration-{registration.pk}",
                "registrationDateTime": instant(registration.created_at),
                "status": status,
                "statusReason": registration.reviewer_message or None,
                "contract": {
                    "value": float(registration.total_contract_value),
                    "currency": registration.currency,
                    "startDateTime": day(registration.contract_start_date),
                    "endDateTime": day(registration.contract_end_date),
                    "signDateTime": day(registration.contract_signed_date),
                    "term": "Perpetual" if registration.perpetual else "Finite",
                },
                "solutionDetails": [
                    {
                        "id": f"offer-{offer.offer_id}" if offer else None,
                        "name": offer.label if offer else None,
                        "value": float(registration.solution_value),
                        "isDeployedOnAzure": registration.deployed_on_azure,
                        "primaryDeploymentOn": registration.tenant_type.title(),
                        "pricingModel": "PayAsYouGo"
                        if registration.pricing_model == "pay_as_you_go"
                        else "Other",
                        "marketplaceTransactionDetails": {
                            "isMarketplaceTransacted": registration.marketplace_transaction,
                            "marketplaceTransactionDateTime": day(
                                registration.marketplace_transaction_date
                            ),
                        },
                    }
                ],
            }
        ],
    }
