"""The columns of Partner Center's co-sell bulk file, in its order (``bulk-operations.md``),
and the values its cells take."""

from opportunities.deals.choices import (
    ERROR_REASON_NUMBER,
    LOST_REASON_NUMBER,
    STAGE_PROGRESS,
    HelpNeeded,
    PurchaseIntent,
)

ERRORS = "Errors"
ENGAGEMENT_ID = "Engagement ID"
REFERRAL_ID = "Referral ID"
DEAL_NAME = "Deal Name"
CUSTOMER_NAME = "Customer Name"
ADDRESS_1 = "Customer Address Line 1"
ADDRESS_2 = "Customer Address Line 2"
CITY = "Customer City"
STATE = "Customer State"
POSTAL_CODE = "Customer Postal code"
COUNTRY = "Customer Country"
DUNS = "Customer D-U-N-S ID"
CONTACT_FIRST = "Customer Contact First Name"
CONTACT_LAST = "Customer Contact Last Name"
CONTACT_PHONE = "Customer Contact Phone number"
CONTACT_EMAIL = "Customer Contact Email Address"
STATUS = "Partner Referral Status"
SUBSTATUS = "Partner Referral Substatus"
MICROSOFT_STATUS = "Microsoft Referral Status"
REASON = "Declined/Lost/Error reason"
SALES_STAGE = "Sales Stage"
VALUE = "Estimated Deal Value"
CURRENCY = "Currency"
CLOSE_DATE = "Estimated Close Date"
CRM_ID = "CRM ID"
CAMPAIGN = "Marketing Campaign ID"
NOTES = "Notes"
HELP_REQUIRED = "Microsoft help required?"
HELP_WHAT = "What specific help from Microsoft?"
SHARE = "Share with Microsoft sales team"
NOTES_TO_MICROSOFT = "Notes to Microsoft"
CONSENT = "Consent to share Customer/Partner contact"
PARTNER_ID = "PartnerID (formerly MPN ID)"
PURCHASE_INTENT = "Marketplace Purchase Intent"

FIXED_COLUMNS = [
    ERRORS,
    ENGAGEMENT_ID,
    REFERRAL_ID,
    DEAL_NAME,
    CUSTOMER_NAME,
    ADDRESS_1,
    ADDRESS_2,
    CITY,
    STATE,
    POSTAL_CODE,
    COUNTRY,
    DUNS,
    CONTACT_FIRST,
    CONTACT_LAST,
    CONTACT_PHONE,
    CONTACT_EMAIL,
    STATUS,
    SUBSTATUS,
    MICROSOFT_STATUS,
    REASON,
    SALES_STAGE,
    VALUE,
    CURRENCY,
    CLOSE_DATE,
    CRM_ID,
    CAMPAIGN,
    NOTES,
    HELP_REQUIRED,
    HELP_WHAT,
    SHARE,
    NOTES_TO_MICROSOFT,
    CONSENT,
    "CLA Number",
    "Device Category",
    "Silicon Type",
    "Azure Certified Device",
    "Attach Services",
    "Microsoft MSX ID",
    "Migrated PSC Deal ID",
    PARTNER_ID,
    PURCHASE_INTENT,
    "Customer Domain Name",
    "Final Matched Customer Account",
    "Managed Account 1",
    "Managed Account 2",
    "Unmanaged Account 1",
    "Unmanaged Account 2",
    "DUNS Account 1",
    "DUNS Account 2",
]
SOLUTION = "Solution {}"
TEAM_MEMBER = "Team member {}"
MICROSOFT_TEAM_MEMBER = "Microsoft team member {}"
MAX_REPEATED = 50  # Partner Center: up to 50 solutions and 50 team members per deal


def header(solutions: int = 1, team: int = 1, microsoft_team: int = 1) -> list[str]:
    return (
        FIXED_COLUMNS
        + [SOLUTION.format(i) for i in range(1, max(1, solutions) + 1)]
        + [TEAM_MEMBER.format(i) for i in range(1, max(1, team) + 1)]
        + [MICROSOFT_TEAM_MEMBER.format(i) for i in range(1, max(1, microsoft_team) + 1)]
    )


YES, NO = "Yes", "No"
# "What specific help from Microsoft?": Partner Center's numbers 1-6, in HelpNeeded's order.
HELP_NUMBER = {code: n for n, code in enumerate(HelpNeeded.values, start=1)}
HELP_BY_NUMBER = {n: code for code, n in HELP_NUMBER.items()}
LOST_BY_NUMBER = {n: code for code, n in LOST_REASON_NUMBER.items()}
ERROR_BY_NUMBER = {n: code for code, n in ERROR_REASON_NUMBER.items()}
PURCHASE_INTENT_CELL = {
    PurchaseIntent.YES: "Yes",
    PurchaseIntent.NO: "No",
    PurchaseIntent.UNDECIDED: "Have not decided",
}
PURCHASE_INTENT_BY_CELL = {cell.casefold(): code for code, cell in PURCHASE_INTENT_CELL.items()}
STAGE_PERCENTAGES = sorted(set(STAGE_PROGRESS.values()))
DATE_FORMAT = "%m/%d/%Y"

# Which column a field's error belongs to (the Errors column names it).
FIELD_COLUMN = {
    "name": DEAL_NAME,
    "customer_name": CUSTOMER_NAME,
    "customer_address": ADDRESS_1,
    "customer_country": COUNTRY,
    "customer_duns": DUNS,
    "contact_consent": CONSENT,
    "contact_name": CONTACT_FIRST,
    "contact_email": CONTACT_EMAIL,
    "contact_phone": CONTACT_PHONE,
    "value": VALUE,
    "currency": CURRENCY,
    "close_date": CLOSE_DATE,
    "notes": NOTES,
    "help_needed": HELP_WHAT,
    "crm_id": CRM_ID,
    "purchase_intent": PURCHASE_INTENT,
    "solutions": SOLUTION.format(1),
    "stage": SALES_STAGE,
    "status": STATUS,
    "category": HELP_REQUIRED,
    "deal_type": HELP_REQUIRED,
    "assessment_type": HELP_REQUIRED,
}
