"""Who a record belongs to: CCCD and BHYT rules, the master patient index, merge and link.

The CCCD (số định danh cá nhân) is the key of one resident's record, so its rules live
here, apart from FHIR structure (`hoso.fhir`) and from storage (`hoso.store`).
"""
