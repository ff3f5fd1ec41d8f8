"""The ground floor: settings, database, definitions, identity, i18n, audit, outbox."""
