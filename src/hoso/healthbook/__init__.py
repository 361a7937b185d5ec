"""The resident's electronic health book (Sổ sức khỏe điện tử): its content computed from
the record, through the caller's repository (never a second copy that can drift)."""
