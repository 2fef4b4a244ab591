"""The merchant registry (database intent) and its reconciliation with the chain (a FakeChain)."""

import pytest

from backend.errors import InvalidIban, MerchantExists, ValidationFailed
from backend.merchants import service as merchants
from backend.merchants.chain_jobs import MerchantSource
from tests.unit.helpers import citizen

IBAN = "NL91ABNA0417164300"


def test_a_registered_merchant_waits_for_its_chain_registration(session):
    merchant = merchants.register(session, address=citizen(), name="  Bakkerij  Bart ", iban=IBAN)

    assert (merchant.name, merchant.active, merchant.chain_status) == ("Bakkerij Bart", True, "pending")
    assert merchants.list_active(session) == [merchant]


def test_an_iban_with_wrong_check_digits_is_refused(session):
    with pytest.raises(InvalidIban):
        merchants.register(session, address=citizen(), name="Bart", iban="NL92ABNA0417164300")


def test_a_blank_name_is_refused(session):
    with pytest.raises(ValidationFailed):
        merchants.register(session, address=citizen(), name="   ", iban=IBAN)


def test_an_active_merchant_cannot_be_registered_twice(session):
    address = citizen()
    merchants.register(session, address=address, name="Bart", iban=IBAN)

    with pytest.raises(MerchantExists):
        merchants.register(session, address=address, name="Bart", iban=IBAN)


def test_a_deactivated_merchant_leaves_the_public_list_and_queues_its_removal(session):
    address = citizen()
    merchants.register(session, address=address, name="Bart", iban=IBAN).chain_status = "confirmed"

    merchant = merchants.deactivate(session, address)

    assert (merchant.active, merchant.chain_status) == (False, "pending")
    assert merchants.list_active(session) == []
    assert merchants.list_all(session).items == [merchant]


def test_reconcile_confirms_a_registration_the_chain_already_holds(runtime, session, chain):
    address = citizen()
    merchants.register(session, address=address, name="Bart", iban=IBAN).chain_status = "sent"
    chain.set_merchant(address, True)

    MerchantSource(runtime).reconcile(session)

    assert merchants.get(session, address).chain_status == "confirmed"


def test_reconcile_queues_again_a_registration_the_chain_does_not_hold(runtime, session, chain):
    address = citizen()
    merchants.register(session, address=address, name="Bart", iban=IBAN).chain_status = "failed"

    MerchantSource(runtime).reconcile(session)

    assert merchants.get(session, address).chain_status == "pending"
