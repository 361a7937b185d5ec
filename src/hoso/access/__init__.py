"""Access: who may see and change what, with the resident's consent, and the audit trail.

Every record path reaches the store through `AccessRepository`, which asks the policy
for a decision, lets the store filter by it, and appends an AuditEvent.
"""
