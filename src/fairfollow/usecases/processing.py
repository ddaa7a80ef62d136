"""The record of processing (GDPR Art. 30, APPI Art. 32), assembled from the registries:
purposes from the consent ledger, data services from the service registry (their latest
declarations and where each stands in review). Staff and the auditor read it
(``processing.read``)."""

from __future__ import annotations

from datetime import datetime

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, require
from fairfollow.consent.policy_store import load_purposes
from fairfollow.law.pseudonymised import ZONE_PURPOSE
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records.processing import ProcessingRecord, PurposeLine, ServiceLine, build
from fairfollow.services import store as service_store


def processing_record(
    principal: Principal | None, engine: Engine, now: datetime
) -> ProcessingRecord:
    require(principal, Action.PROCESSING_READ)
    with reading(engine, "record of processing") as conn:
        purposes = [
            PurposeLine(
                p.key,
                p.name_ja,
                p.name_en,
                p.description_ja,
                p.description_en,
                p.output,
                p.recipient_class,
                p.dpv_term,
            )
            for p in load_purposes(conn).values()
        ]
        services = []
        for service_id in service_store.list_services(conn):
            spec = service_store.load_spec(conn, service_id)
            state = service_store.service_state(conn, service_id)
            services.append(
                ServiceLine(
                    service_id,
                    spec.name,
                    state.state.value,
                    spec.purpose_keys(),
                    spec.data_categories_in,
                    spec.data_categories_out,
                    spec.recipients.recipient_class,
                    spec.recipients.named,
                    spec.retention_days,
                    spec.legal_basis,
                )
            )
    # The pseudonymised zone's changed purpose, published here (APPI Art. 41(4)).
    zone = ZONE_PURPOSE
    purposes.append(
        PurposeLine(
            zone.key,
            zone.name_ja,
            zone.name_en,
            zone.description_ja,
            zone.description_en,
            "pseudonymised features for internal model development",
            zone.recipient_class,
            "dpv:ResearchAndDevelopment",
        )
    )
    return build(now, purposes, services)
