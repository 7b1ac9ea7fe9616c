use starknet::syscalls::call_contract_syscall;
use starknet::{ContractAddress, SyscallResultTrait};
use crate::mocks::pragma::{
    DataType, IMockPragmaAdminDispatcher, IMockPragmaAdminDispatcherTrait,
    IMockPragmaAdminSafeDispatcher, IMockPragmaAdminSafeDispatcherTrait, IPragmaABIDispatcher,
    IPragmaABIDispatcherTrait, MockPragma, PragmaPricesResponse,
};
use super::utils::{ADMIN, ALICE, as_, assert_err, deploy};

const PAIR: felt252 = 'CIRO/STRK';

fn oracle() -> ContractAddress {
    as_(ADMIN());
    deploy(MockPragma::TEST_CLASS_HASH, array![ADMIN().into()])
}

#[test]
fn unknown_pairs_read_as_no_data() {
    let address = oracle();
    let empty = PragmaPricesResponse {
        price: 0,
        decimals: 0,
        last_updated_timestamp: 0,
        num_sources_aggregated: 0,
        expiration_timestamp: None,
    };
    let o = IPragmaABIDispatcher { contract_address: address };
    assert_eq!(o.get_data_median(DataType::SpotEntry(PAIR)), empty);
    IMockPragmaAdminDispatcher { contract_address: address }.set_price(PAIR, 5, 1, 9);
    // Only spot prices are kept.
    assert_eq!(o.get_data_median(DataType::FutureEntry((PAIR, 9))), empty);
    assert_eq!(o.get_data_median(DataType::GenericEntry(PAIR)), empty);
}

#[test]
#[feature("safe_dispatcher")]
fn only_the_owner_sets_prices() {
    let address = oracle();
    assert_eq!(IMockPragmaAdminDispatcher { contract_address: address }.owner(), ADMIN());
    as_(ALICE());
    let safe = IMockPragmaAdminSafeDispatcher { contract_address: address };
    assert_err(safe.set_price(PAIR, 1, 8, 1), 'ORACLE: not owner');
}

/// The relay calls with starknet.js and Pragma's ABI, i.e. raw felts: DataType is the variant
/// index then its payload; the answer ends with Option's index (0 = Some, 1 = None).
#[test]
fn wire_format_matches_pragma() {
    let address = oracle();
    IMockPragmaAdminDispatcher { contract_address: address }
        .set_price(PAIR, 50_000_000, 8, 1_700_000_000);
    let out = call_contract_syscall(address, selector!("get_data_median"), array![0, PAIR].span())
        .unwrap_syscall();
    assert_eq!(out, array![50_000_000, 8, 1_700_000_000, 1, 1].span());
    let future = array![1, PAIR, 77].span();
    let out = call_contract_syscall(address, selector!("get_data_median"), future).unwrap_syscall();
    assert_eq!(out, array![0, 0, 0, 0, 1].span());
}
