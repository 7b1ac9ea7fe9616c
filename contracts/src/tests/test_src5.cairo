use starknet::ContractAddress;
use crate::access::IACCESS_CONTROL_ID;
use crate::cdc_pool::{ICDC_POOL_ID, IPOOL_JOBS_ID};
use crate::job_mgr::{IJOB_DEADLINES_ID, IJOB_MGR_ID};
use crate::pausable::IPAUSABLE_ID;
use crate::paymaster::IPAYMASTER_ID;
use crate::src5::{ISRC5Dispatcher, ISRC5DispatcherTrait, ISRC5_ID};
use crate::token::{IERC20_CAMEL_ID, IERC20_ID, IMINTABLE_ID};
use crate::upgrade::IUPGRADEABLE_ID;
use super::utils::setup;

/// SNIP-5 interface id: XOR of the extended function selectors (`selector!` is starknet_keccak).
fn interface_id(selectors: Span<felt252>) -> felt252 {
    let mut acc: u256 = 0;
    for selector in selectors {
        let s: u256 = (*selector).into();
        acc = acc ^ s;
    }
    acc.try_into().unwrap()
}

// The shared components' ids, written out from their signatures. The contracts' own interfaces
// are too long to list by hand; test/contracts/src5.test.ts derives every id from the ABI.
#[test]
fn shared_interface_ids_match_their_signatures() {
    let pausable = array![
        selector!("pause()"), selector!("unpause()"), selector!("is_paused()->E((),())"),
    ];
    assert_eq!(interface_id(pausable.span()), IPAUSABLE_ID);
    let upgradeable = array![
        selector!("upgrade(ClassHash)"), selector!("schedule_upgrade(ClassHash)"),
        selector!("cancel_upgrade()"), selector!("set_upgrade_delay(u64)"),
        selector!("upgrade_delay()->u64"), selector!("scheduled_upgrade()->(ClassHash,u64)"),
        selector!("pending_upgrade_delay()->(u64,u64)"),
    ];
    assert_eq!(interface_id(upgradeable.span()), IUPGRADEABLE_ID);
    let access = array![
        selector!("has_role(felt252,ContractAddress)->E((),())"),
        selector!("get_role_admin(felt252)->felt252"),
        selector!("grant_role(felt252,ContractAddress)"),
        selector!("revoke_role(felt252,ContractAddress)"),
        selector!("renounce_role(felt252)"),
    ];
    assert_eq!(interface_id(access.span()), IACCESS_CONTROL_ID);
    let src5 = array![selector!("supports_interface(felt252)->E((),())")];
    assert_eq!(interface_id(src5.span()), ISRC5_ID);
}

fn assert_supports(address: ContractAddress, yes: Span<felt252>, no: Span<felt252>) {
    let src5 = ISRC5Dispatcher { contract_address: address };
    assert!(src5.supports_interface(ISRC5_ID));
    for id in yes {
        assert!(src5.supports_interface(*id), "expected support for {}", *id);
    }
    for id in no {
        assert!(!src5.supports_interface(*id), "unexpected support for {}", *id);
    }
}

// An id nobody registers, and OpenZeppelin's IAccessControl id: its renounce_role also takes an
// account, so the contracts here must not claim it.
const UNKNOWN_ID: felt252 = 0x1234;
const OZ_IACCESSCONTROL_ID: felt252 =
    0x23700be02858dbe2ac4dc9c9f66d0b6b0ed81ec7f970ca6844500a56ff61751;

#[test]
fn token_announces_its_interfaces() {
    let env = setup();
    let yes = array![
        IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IERC20_ID, IERC20_CAMEL_ID, IMINTABLE_ID,
    ];
    let no = array![IPAUSABLE_ID, ICDC_POOL_ID, UNKNOWN_ID, OZ_IACCESSCONTROL_ID];
    assert_supports(env.token.contract_address, yes.span(), no.span());
}

#[test]
fn pool_announces_its_interfaces() {
    let env = setup();
    let yes = array![
        IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, ICDC_POOL_ID, IPOOL_JOBS_ID,
    ];
    let no = array![IERC20_ID, IJOB_MGR_ID, IJOB_DEADLINES_ID, UNKNOWN_ID, OZ_IACCESSCONTROL_ID];
    assert_supports(env.pool.contract_address, yes.span(), no.span());
}

#[test]
fn job_mgr_announces_its_interfaces() {
    let env = setup();
    let yes = array![
        IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, IJOB_MGR_ID, IJOB_DEADLINES_ID,
    ];
    let no = array![IERC20_ID, ICDC_POOL_ID, UNKNOWN_ID, OZ_IACCESSCONTROL_ID];
    assert_supports(env.jobs.contract_address, yes.span(), no.span());
}

#[test]
fn paymaster_announces_its_interfaces() {
    let env = setup();
    let yes = array![IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, IPAYMASTER_ID];
    let no = array![IERC20_ID, IJOB_MGR_ID, UNKNOWN_ID, OZ_IACCESSCONTROL_ID];
    assert_supports(env.pm.contract_address, yes.span(), no.span());
}
