"""The change feed's consumers that leave the building: the national health record
database's sync (`hoso.exchange.national_sync`) and facilities' subscriptions."""
