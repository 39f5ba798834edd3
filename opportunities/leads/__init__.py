"""Leads: invitations to take part in a deal, sent, answered, expired."""
